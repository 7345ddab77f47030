"""--read-only over the whole 4.20 catalog: whatever tool, name or argument is tried, no request that
changes anything reaches the simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.catalog.naming import tool_name
from cloudstack_mcp.policy.classify import classify
from cloudstack_mcp.server.app import create_server, open_app
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SPEC_420
from tests.core_helpers import json_value, safety_settings

pytestmark = pytest.mark.anyio


async def accept_everything(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"confirm": True})


@pytest.mark.slow
async def test_read_only_sends_nothing_that_changes_anything(tmp_path: Path) -> None:
    catalog = Catalog.load(SPEC_420)
    mutating = sorted(name for name, api in catalog.items() if not classify(api).read_only)
    reads = sorted(set(catalog) - set(mutating))
    assert len(mutating) > 500 and len(reads) > 200
    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        # the most permissive settings otherwise: confirmation allowed, a client that accepts everything
        settings = safety_settings(sim, tmp_path, read_only=True, confirm_mode="allow")
        async with (
            open_app(settings, catalog=catalog) as app,
            Client(create_server(app), elicitation_callback=accept_everything) as client,
        ):
            listed = {t.name: t for t in (await client.list_tools()).tools}
            for tool in listed.values():
                assert tool.annotations is None or tool.annotations.read_only_hint is not False, tool.name
            assert not {tool_name(n) for n in mutating} & set(listed)
            start = len(sim.requests)
            refused = 0
            for name in mutating:
                api = catalog[name]
                args = {
                    p.name: json_value(sim, api, p.name, p.type, p.collection_type) for p in api.params if p.required
                }
                extras = {"confirm": app.guard.phrases.phrase(api, args), "dry_run": False}
                attempts = [
                    (tool_name(name), args),
                    (tool_name(name), {**args, **extras}),
                    ("call_api", {"name": name, "arguments": args}),
                    ("call_api", {"name": name.lower(), "arguments": {**args, **extras}}),
                    ("call_api", {"name": name.upper(), "arguments": args}),
                    ("call_api", {"name": tool_name(name), "arguments": args}),
                    ("call_api", {"name": f" {name.swapcase()} ", "arguments": args}),
                ]
                for tool, arguments in attempts:
                    result = await client.call_tool(tool, arguments)
                    assert result.is_error, (tool, name)
                    refused += 1
            for name in reads:  # reads still work (and are the only requests the simulator sees)
                api = catalog[name]
                args = {
                    p.name: json_value(sim, api, p.name, p.type, p.collection_type) for p in api.params if p.required
                }
                await client.call_tool("call_api", {"name": name, "arguments": args})
        seen = [r.command or "" for r in sim.requests[start:]]
    assert refused == 7 * len(mutating)
    changing = [c for c in seen if c and not classify(catalog.find(c) or catalog[c]).read_only]
    assert changing == [], changing[:10]
    assert {c.lower() for c in seen} >= {"listzones", "listvirtualmachines"}


@pytest.mark.parametrize(
    ("setting", "refused", "allowed"),
    [
        ({"deny_tools": ("delete_*", "*Zone*")}, ["deleteNetwork", "listZones", "updateZone"], ["listNetworks"]),
        ({"allow_tools": ("list_*",)}, ["deleteNetwork", "createNetwork", "queryAsyncJobResult"], ["listZones"]),
    ],
)
async def test_allow_and_deny_lists_apply_however_a_call_is_made(
    tmp_path: Path, setting: dict[str, Any], refused: list[str], allowed: list[str]
) -> None:
    catalog = Catalog.load(SPEC_420)
    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        settings = safety_settings(sim, tmp_path, confirm_mode="allow", **setting)
        async with open_app(settings, catalog=catalog) as app, Client(create_server(app)) as client:
            start = len(sim.requests)
            for name in refused + allowed:
                api = catalog[name]
                args = {
                    p.name: json_value(sim, api, p.name, p.type, p.collection_type) for p in api.params if p.required
                }
                for tool, arguments in (
                    (tool_name(name), args),
                    ("call_api", {"name": name.lower(), "arguments": args}),
                ):
                    result = await client.call_tool(tool, arguments)
                    text = result.content[0].text
                    if name in refused:
                        assert result.is_error and ("refused" in text or "not enabled" in text), (tool, name, text)
            seen = {(r.command or "").lower() for r in sim.requests[start:]}
    assert not seen & {n.lower() for n in refused}
    assert {n.lower() for n in allowed} <= seen
