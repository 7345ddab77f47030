"""Every one of the 864 tools of 4.20, called through the SDK's client over stdio, reaches the simulator
as the right command with correctly encoded, correctly signed parameters; also against a simulator that
enforces POST for changes and signature v3 within 15 minutes (4.21+ enforce.post.requests.and.timestamps)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import httpx2 as httpx
import pytest
from mcp import Client

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.catalog.naming import tool_names
from cloudstack_mcp.cloudstack.methods import may_go_by_get
from cloudstack_mcp.cloudstack.signing import expires_at, sign
from cloudstack_mcp.simulator import Simulator
from tests.apidata import WALK_420, needs_shared
from tests.core_helpers import SIGNING_PARAMS, json_value, server_params, wire_form

pytestmark = pytest.mark.anyio

_DESTRUCTIVE = ("delete", "remove", "destroy", "expunge", "release", "revoke", "disassociate", "purge", "cancel")
_SKIP_OPTIONAL = {"page", "pagesize", "keyword"}


def walk_arguments(sim: Simulator, api: ApiSpec) -> tuple[dict[str, Any], dict[str, str]]:
    """Required parameters plus one optional parameter of each non-uuid type; and the expected wire params."""
    arguments: dict[str, Any] = {}
    for p in api.params:
        if p.required and p.name not in arguments:
            arguments[p.name] = json_value(sim, api, p.name, p.type, p.collection_type)
    seen_types = set()
    for p in api.params:
        if p.required or p.name.lower() in _SKIP_OPTIONAL or p.type in ("uuid", "string") or p.type in seen_types:
            continue
        if p.type == "list" and p.collection_type == "uuid":
            continue
        seen_types.add(p.type)
        arguments[p.name] = json_value(sim, api, p.name, p.type, p.collection_type)
    expected: dict[str, str] = {}
    for name, value in arguments.items():
        expected.update(wire_form(value, name))
    return arguments, expected


def _set_enforcement(sim: Simulator) -> None:
    """enforce.post.requests.and.timestamps=true through updateConfiguration, as an operator would."""
    admin = sim.credentials["admin"]
    params = {
        "command": "updateConfiguration",
        "name": "enforce.post.requests.and.timestamps",
        "value": "true",
        "response": "json",
        "apiKey": admin.api_key,
        "signatureVersion": "3",
        "expires": expires_at(60),
    }
    params["signature"] = sign(params, admin.secret_key)
    assert httpx.post(sim.endpoint, data=params).status_code == 200
    sim.requests.clear()


@pytest.mark.slow
@needs_shared
@pytest.mark.parametrize("hardened", [False, True], ids=["4.20", "enforce-post-and-timestamps"])
async def test_every_tool_reaches_the_simulator_signed_and_encoded(tmp_path: Path, hardened: bool) -> None:
    with Simulator(WALK_420, job_seconds=0).running() as sim:
        if hardened:
            _set_enforcement(sim)
        secret = sim.credentials["admin"].secret_key
        names = tool_names(sim.catalog)
        assert len(names) == 864
        order = sorted(names, key=lambda t: (names[t].startswith(_DESTRUCTIVE), names[t] in ("login", "logout"), t))
        plan = {tool: walk_arguments(sim, sim.catalog[names[tool]]) for tool in order}
        params = server_params(
            tmp_path, "--api-spec", str(WALK_420), "--toolsets", "all", sim=sim, CLOUDSTACK_MCP_POLL_INTERVAL="0.01"
        )
        results: dict[str, Any] = {}
        async with Client(params, mode="auto") as client:
            listed = await client.list_tools()
            assert set(names) <= {t.name for t in listed.tools}
            limiter = anyio.Semaphore(6)

            async def call(tool: str) -> None:
                async with limiter:
                    results[tool] = await client.call_tool(tool, plan[tool][0])

            async with anyio.create_task_group() as tg:
                for tool in order:
                    if names[tool] in _DESTRUCTIVE or names[tool].startswith(_DESTRUCTIVE):
                        continue
                    tg.start_soon(call, tool)
            for tool in order:  # destructive ones last, one by one, so earlier calls keep their objects
                if tool not in results:
                    await call(tool)
        requests = list(sim.requests)
        assert not sim.internal_errors, sim.internal_errors[:3]

    by_command: dict[str, list[Any]] = {}
    for record in requests:
        by_command.setdefault(record.command, []).append(record)
    problems = []
    for tool, (_arguments, expected) in plan.items():
        api = names[tool]
        text = results[tool].content[0].text if results[tool].content else ""
        if "invalid arguments" in text or "refused" in text or "internal error" in text:
            problems.append(f"{tool}: not sent: {text[:200]}")
            continue
        records = by_command.get(api, [])
        matching = [r for r in records if {k: v for k, v in r.params.items() if k not in SIGNING_PARAMS} == expected]
        if len(matching) != 1:  # queryAsyncJobResult also carries the pipeline's own polls (other job ids)
            problems.append(f"{tool}: {len(matching)} of {len(records)} {api} requests as expected: {expected}")
    for record in requests:
        got = record.params
        if record.status == 401:
            problems.append(f"{record.command}: signature refused")
        if sign(got, secret) != got.get("signature"):
            problems.append(f"{record.command}: bad signature")
        if got.get("signatureVersion") != "3" or not got.get("expires"):
            problems.append(f"{record.command}: not signature version 3")
        if hardened:
            expires = datetime.strptime(got.get("expires", ""), "%Y-%m-%dT%H:%M:%S%z").timestamp()
            if expires > record.time + 15 * 60:
                problems.append(f"{record.command}: expires more than 15 minutes ahead")
            if record.status == 400 or (record.method != "POST" and not may_go_by_get(str(record.command))):
                problems.append(f"{record.command}: a change sent by {record.method} ({record.status})")
    assert not problems, "\n".join(problems[:20])
    # Valid arguments mostly succeed; the rest are CloudStack errors from the simulator's own rules.
    ok = sum(1 for r in results.values() if not r.is_error)
    assert ok >= 0.8 * len(results), ok
