"""Three instances behind nginx (Debian's package): list, call, a confirmation that crosses instances
(requestState sealed with the shared key), one instance killed mid-run. Needs nginx: lane `lb`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx2
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from cloudstack_mcp.simulator import Simulator
from tests.http_helpers import token_file
from tests.lb_helpers import cluster, nginx_binary
from tests.simulator_helpers import Signed

pytestmark = [
    pytest.mark.lb,
    pytest.mark.anyio,
    pytest.mark.skipif(nginx_binary() is None, reason="nginx not installed"),
]

TOKEN = "tok-lb-0123456789abcdef"
INSTANCE = "x-cloudstack-mcp-instance"


SIM_JOB_SECONDS = 0.05  # the conftest `sim` fixture's async jobs


def _vm(sim: Simulator, name: str) -> str:
    admin = Signed(sim)
    try:
        zone = admin.ok("listZones")["zone"][0]["id"]
        offering = admin.ok("listServiceOfferings")["serviceoffering"][0]["id"]
        template = admin.ok("listTemplates", templatefilter="featured")["template"][0]["id"]
        net = next(n for n in admin.ok("listNetworks")["network"] if n["name"] == "admin-net")["id"]
        job = admin.ok("deployVirtualMachine", zoneid=zone, serviceofferingid=offering, templateid=template,
                       networkids=net, name=name)  # fmt: skip
        return str(job["id"])
    finally:
        admin.close()


class Recorder:
    """An httpx client for the SDK that notes which instance answered each request."""

    def __init__(self) -> None:
        self.answered: list[tuple[str, int, str]] = []  # (instance, status, JSON-RPC method)

    def client(self) -> httpx2.AsyncClient:
        async def note(response: httpx2.Response) -> None:
            method = ""
            try:
                import json

                method = json.loads(response.request.content or b"{}").get("method", "")
            except (ValueError, AttributeError):
                pass
            self.answered.append((response.headers.get(INSTANCE, "?"), response.status_code, method))

        return httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, event_hooks={"response": [note]},
                                  timeout=httpx2.Timeout(30, read=120))  # fmt: skip


async def test_three_instances_behind_nginx(sim: Simulator, tmp_path: Path) -> None:
    admin = sim.credentials["admin"]
    tokens = token_file(tmp_path, ops=(TOKEN, ["read", "change"]))
    vm = _vm(sim, "lb-victim")
    args = ("--auth-tokens", str(tokens), "--shared-cloudstack-user", "--rate-limit", "0")
    with cluster(tmp_path, sim.endpoint, admin.api_key, admin.secret_key, args=args) as lb:
        rec = Recorder()
        async with rec.client() as http, Client(streamable_http_client(lb.url + "/mcp", http_client=http)) as client:  # type: ignore[arg-type]
            assert client.session.protocol_version == "2026-07-28"
            assert "list_zones" in {t.name for t in (await client.list_tools()).tools}
            for _ in range(6):
                result = await client.call_tool("list_zones", {})
                assert not result.is_error
            calls = [i for i, status, m in rec.answered if m == "tools/call" and status == 200]
            assert len(set(calls)) == 3  # round robin: every instance answered some

        # A confirmation asked by one instance and answered on another: the requestState sealed with the
        # shared key opens anywhere (an instance with another key would refuse it).
        asked: list[str] = []

        async def accept(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
            asked.append(params.message)
            return types.ElicitResult(action="accept", content={"confirm": True})

        rec = Recorder()
        async with rec.client() as http, Client(streamable_http_client(lb.url + "/mcp", http_client=http),
                                                elicitation_callback=accept) as client:  # type: ignore[arg-type]  # fmt: skip
            result = await client.call_tool("destroy_virtual_machine", {"id": vm})
            assert not result.is_error, result.content
            assert asked and "destroy" in asked[0].lower()
            rounds = [i for i, status, m in rec.answered if m == "tools/call"]
            assert len(rounds) == 2 and rounds[0] != rounds[1]  # two rounds, two instances
        state = Signed(sim).ok("listVirtualMachines", id=vm)
        assert state["virtualmachine"][0]["state"] == "Destroyed"

        # The typed phrase route: asked on one instance, accepted on the next (the key is shared).
        other = _vm(sim, "lb-victim-2")
        rec = Recorder()
        async with rec.client() as http, Client(streamable_http_client(lb.url + "/mcp", http_client=http)) as client:  # type: ignore[arg-type]
            asked = await client.call_tool("destroy_virtual_machine", {"id": other})
            phrase = asked.structured_content["phrase"]
            done = await client.call_tool("destroy_virtual_machine", {"id": other, "confirm": phrase})
            assert not done.is_error, done.content
            rounds = [i for i, status, m in rec.answered if m == "tools/call"]
            assert len(rounds) == 2 and rounds[0] != rounds[1]
        assert Signed(sim).ok("listVirtualMachines", id=other)["virtualmachine"][0]["state"] == "Destroyed"

        # Handshake-era clients keep their session on one instance (nginx: hash on the client).
        async with rec.client() as http, Client(streamable_http_client(lb.url + "/mcp", http_client=http),
                                                mode="legacy") as client:  # type: ignore[arg-type]  # fmt: skip
            for _ in range(3):
                assert not (await client.call_tool("list_zones", {})).is_error

        # One instance killed mid-run: the others carry on; only a call in flight on it may fail.
        failures, done = [], 0

        async def worker() -> None:
            nonlocal done
            async with rec.client() as http, Client(streamable_http_client(lb.url + "/mcp", http_client=http)) as c:  # type: ignore[arg-type]
                for _ in range(15):
                    try:
                        ok = not (await c.call_tool("list_zones", {})).is_error
                    except Exception as exc:  # a connection cut by the kill
                        ok = False
                        failures.append(exc)
                    if ok:
                        done += 1

        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(worker)
            await anyio.sleep(0.5)
            lb.kill(1)
        assert done >= 60 - 4 and len(failures) <= 4  # at most the one call each worker had in flight
        async with rec.client() as http, Client(streamable_http_client(lb.url + "/mcp", http_client=http)) as client:  # type: ignore[arg-type]
            for _ in range(4):
                assert not (await client.call_tool("list_zones", {})).is_error
