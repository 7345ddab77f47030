"""Every API of 4.20 and of the real 4.18 dump is reachable through call_api: a real MCP client, in the default
profile (where almost none is listed as a tool), calls each one against the simulator, and the simulator
receives that command with the parameters given."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from cloudstack_mcp.catalog.model import ApiSpec, Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.server.app import create_server, open_app
from cloudstack_mcp.simulator import Simulator
from cloudstack_mcp.tools.toolsets import DEFAULT_PROFILE_APIS
from tests.apidata import WALK_418, WALK_420, needs_shared
from tests.core_helpers import SIGNING_PARAMS, json_value, wire_form

pytestmark = pytest.mark.anyio

_LAST = ("delete", "remove", "destroy", "expunge", "release", "revoke", "disassociate", "purge", "cancel", "logout")


def required_arguments(sim: Simulator, api: ApiSpec) -> tuple[dict[str, Any], dict[str, str]]:
    arguments = {p.name: json_value(sim, api, p.name, p.type, p.collection_type) for p in api.required_params}
    expected: dict[str, str] = {}
    for name, value in arguments.items():
        expected.update(wire_form(value, name))
    return arguments, expected


def walk_settings(sim: Simulator, tmp_path: Path, toolsets: tuple[str, ...] = ()) -> Settings:
    admin = sim.credentials["admin"]
    values: dict[str, Any] = {
        "endpoint": sim.endpoint,
        "api_key": admin.api_key,
        "secret_key": admin.secret_key,
        "cache_dir": tmp_path / "cache",
        "poll_interval": 0.01,
        "poll_max": 0.05,
        "toolsets": toolsets,
    }
    if "confirm_mode" in {f.name for f in dataclasses.fields(Settings)}:
        values["confirm_mode"] = "allow"  # this walk checks reachability, not the confirmation step
    return Settings(**values)


@pytest.mark.slow
@needs_shared
@pytest.mark.parametrize(
    ("spec", "profile"),
    [(WALK_420, ()), (WALK_418, ()), (WALK_420, ("discovery",))],
    ids=["4.20", "4.18", "4.20-discovery-only"],
)
async def test_every_api_is_reachable_through_call_api(spec: Path, profile: tuple[str, ...], tmp_path: Path):
    catalog = Catalog.load(spec)
    with Simulator(spec, job_seconds=0).running() as sim:
        plan = {name: required_arguments(sim, catalog[name]) for name in catalog}
        order = sorted(catalog, key=lambda n: (n.startswith(_LAST), n))
        results: dict[str, Any] = {}
        async with open_app(walk_settings(sim, tmp_path, profile), catalog=catalog) as app:
            listed = {t.api.name for t in app.inventory.tools.values() if t.api is not None}
            assert listed <= DEFAULT_PROFILE_APIS  # the default profile: nearly everything is not a tool
            async with Client(create_server(app)) as client:
                limiter = anyio.Semaphore(8)

                async def call(name: str) -> None:
                    async with limiter:
                        results[name] = await client.call_tool("call_api", {"name": name, "arguments": plan[name][0]})

                async with anyio.create_task_group() as tg:
                    for name in order:
                        if not name.startswith(_LAST):
                            tg.start_soon(call, name)
                for name in order:
                    if name not in results:
                        await call(name)
        requests = list(sim.requests)
        assert not sim.internal_errors, sim.internal_errors[:3]

    by_command: dict[str, list[Any]] = {}
    for record in requests:
        by_command.setdefault(record.command, []).append(record)
    problems = []
    for name, (_arguments, expected) in plan.items():
        result = results[name]
        body = result.content[0].text if result.content else ""
        if "invalid arguments" in body or "refused" in body or "internal error" in body or "unknown API" in body:
            problems.append(f"{name}: not sent: {body[:200]}")
            continue
        sent = [
            r
            for r in by_command.get(name, [])
            if {k: v for k, v in r.params.items() if k not in SIGNING_PARAMS} == expected
        ]
        if not sent:
            problems.append(f"{name}: no {name} request with {expected}")
    assert not problems, "\n".join(problems[:20])
    assert len(results) == len(catalog)
