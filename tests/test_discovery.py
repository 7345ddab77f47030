"""The discovery tools through a real MCP client against the simulator: search, describe, call any API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.policy.classify import classify
from cloudstack_mcp.server.app import App, create_server, open_app
from cloudstack_mcp.simulator import Simulator
from cloudstack_mcp.tools.budget import listing_bytes
from cloudstack_mcp.tools.discovery import DISCOVERY_TOOLS
from cloudstack_mcp.tools.toolsets import DEFAULT_PROFILE_APIS
from tests.apidata import SPEC_420, with_descriptions
from tests.core_helpers import text, uuid_for

pytestmark = pytest.mark.anyio


SIM_SPEC = SPEC_420


def settings_for(sim: Simulator, tmp_path: Path, **kw: Any) -> Settings:
    admin = sim.credentials["admin"]
    base: dict[str, Any] = {
        "endpoint": sim.endpoint,
        "api_key": admin.api_key,
        "secret_key": admin.secret_key,
        "cache_dir": tmp_path / "cache",
        "poll_interval": 0.01,
        "poll_max": 0.05,
    }
    base.update(kw)
    return Settings(**base)


@contextlib.asynccontextmanager
async def connected(sim: Simulator, catalog: Catalog, tmp_path: Path, **kw: Any) -> AsyncIterator[tuple[App, Client]]:
    async with (
        open_app(settings_for(sim, tmp_path, **kw), catalog=catalog) as app,
        Client(create_server(app)) as client,
    ):
        yield app, client


async def test_default_profile_lists_the_everyday_tools_and_discovery_within_budget(
    sim: Simulator, catalog: Catalog, tmp_path: Path
):
    async with connected(sim, catalog, tmp_path) as (app, client):
        tools = (await client.list_tools()).tools
    names = {t.name for t in tools}
    assert set(DISCOVERY_TOOLS) <= names
    assert {app.inventory.get(n).api.name for n in names - set(DISCOVERY_TOOLS)} == set(DEFAULT_PROFILE_APIS)
    assert len(tools) <= 40
    assert listing_bytes(tools) / 4 <= 15_000


@pytest.mark.parametrize("toolsets", [("all",), ("host",), ("kubernetes", "backup")])
async def test_discovery_tools_are_listed_in_every_profile(
    sim: Simulator, catalog: Catalog, tmp_path: Path, toolsets: tuple[str, ...]
):
    async with connected(sim, catalog, tmp_path, toolsets=toolsets) as (_app, client):
        names = {t.name for t in (await client.list_tools()).tools}
    assert set(DISCOVERY_TOOLS) <= names


async def test_search_apis_ranks_and_says_how_to_call(sim: Simulator, catalog: Catalog, tmp_path: Path):
    async with connected(sim, catalog, tmp_path) as (_app, client):
        result = await client.call_tool("search_apis", {"query": "stop the web server VM"})
        assert not result.is_error
        first = result.structured_content["results"][0]
        assert first["api"] == "stopVirtualMachine" and first["listed"] is True and first["async"] is True
        assert "stopVirtualMachine" in text(result).splitlines()[1] and "tool stop_virtual_machine" in text(result)
        hidden = await client.call_tool("search_apis", {"query": "add an S3 secondary storage", "limit": 3})
        hit = hidden.structured_content["results"][0]
        assert hit["api"] == "addImageStoreS3" and hit["listed"] is False and hit["category"] == "image-store"
        only = await client.call_tool("search_apis", {"query": "list", "category": "router", "read_only": True})
        assert only.structured_content["results"]
        assert all(r["category"] == "router" and r["read_only"] for r in only.structured_content["results"])
        nothing = await client.call_tool("search_apis", {"query": "zzqqxx"})
        assert not nothing.is_error and "No API matches" in text(nothing)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "say what you are looking for"),
        ({"query": 3}, "query: expected a string"),
        ({"query": "vm", "category": "vms"}, "unknown category 'vms'"),
        ({"query": "vm", "limit": 0}, "limit: expected an integer from 1 to 100"),
        ({"query": "vm", "read_only": "maybe"}, "read_only: expected true or false"),
        ({"query": "vm", "colour": "red"}, "colour: unknown argument"),
    ],
)
async def test_search_apis_bad_input_is_an_error_the_model_can_fix(
    sim: Simulator, catalog: Catalog, tmp_path: Path, arguments: dict[str, Any], message: str
):
    async with connected(sim, catalog, tmp_path) as (_app, client):
        result = await client.call_tool("search_apis", arguments)
    assert result.is_error and message in text(result)


@with_descriptions("catalog")
async def test_describe_api_gives_the_full_schema_and_safety(sim: Simulator, catalog: Catalog, tmp_path: Path):
    async with connected(sim, catalog, tmp_path) as (_app, client):
        deploy = await client.call_tool("describe_api", {"name": "deploy_virtual_machine"})
        destroy = await client.call_tool("describe_api", {"name": "deleteImageStore"})
        unknown = await client.call_tool("describe_api", {"name": "listVirtualMachine"})
    assert not deploy.is_error
    data = deploy.structured_content
    assert data["api"] == "deployVirtualMachine" and data["async"] is True and data["listed"] is True
    assert set(data["inputSchema"]["required"]) == {p.name for p in catalog["deployVirtualMachine"].required_params}
    assert set(data["inputSchema"]["properties"]) >= {p.name for p in catalog["deployVirtualMachine"].params}
    # the full description of every parameter, where the listing shows a compact one
    userdata = next(p for p in catalog["deployVirtualMachine"].params if p.name == "userdata")
    assert data["inputSchema"]["properties"]["userdata"]["description"].startswith(userdata.description[:60])
    assert "Async: yes" in text(deploy) and "How to call: call the tool deploy_virtual_machine" in text(deploy)
    assert destroy.structured_content["read_only"] is False
    assert destroy.structured_content["policy"]["kind"] == classify(catalog["deleteImageStore"]).kind
    assert "call_api" in text(destroy) and destroy.structured_content["listed"] is False
    assert unknown.is_error and "listVirtualMachines" in text(unknown)


async def test_call_api_gives_the_same_output_and_errors_as_the_named_tool(
    sim: Simulator, catalog: Catalog, tmp_path: Path
):
    async with connected(sim, catalog, tmp_path) as (_app, client):
        named = await client.call_tool("list_zones", {})
        via = await client.call_tool("call_api", {"name": "listZones", "arguments": {}})
        assert not via.is_error and text(via) == text(named)
        assert via.structured_content == named.structured_content
        bad_named = await client.call_tool("list_zones", {"pagesize": "many", "nosuch": 1})
        bad_via = await client.call_tool(
            "call_api", {"name": "list_zones", "arguments": {"pagesize": "many", "nosuch": 1}}
        )
        assert bad_via.is_error and bad_named.is_error and text(bad_via) == text(bad_named)
        # An async API not listed in the default profile: the job is waited for, as a named tool would.
        zone = uuid_for(sim, catalog["createPod"], "zoneid")
        args = {"zoneid": zone, "name": "pod-from-call-api", "gateway": "10.9.0.1", "netmask": "255.255.255.0"}
        args.update({"startip": "10.9.0.10", "endip": "10.9.0.20"})
        pod = await client.call_tool("call_api", {"name": "createPod", "arguments": args})
        assert not pod.is_error, text(pod)
        assert "pod-from-call-api" in text(pod)
        # Parameters put beside name instead of inside arguments are taken too.
        flat = await client.call_tool("call_api", {"name": "listPods", "keyword": "pod-from-call-api"})
        assert not flat.is_error and "pod-from-call-api" in text(flat)
        clash = await client.call_tool("call_api", {"name": "listPods", "keyword": "a", "arguments": {"keyword": "b"}})
        assert clash.is_error and "keyword given both" in text(clash)
        missing = await client.call_tool("call_api", {"arguments": {}})
        assert missing.is_error and "name: expected an API name" in text(missing)
        wrong = await client.call_tool("call_api", {"name": "listZones", "arguments": [1, 2]})
        assert wrong.is_error and "arguments: expected an object" in text(wrong)
        nosuch = await client.call_tool("call_api", {"name": "lsitZones"})
        assert nosuch.is_error and "listZones" in text(nosuch)


async def test_read_only_server_hides_and_refuses_changes(sim: Simulator, catalog: Catalog, tmp_path: Path):
    async with connected(sim, catalog, tmp_path, read_only=True) as (_app, client):
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert tools["call_api"].annotations.read_only_hint is True
        found = await client.call_tool("search_apis", {"query": "delete a virtual machine", "limit": 20})
        assert found.structured_content["results"]
        assert all(r["read_only"] for r in found.structured_content["results"])
        asked = await client.call_tool("search_apis", {"query": "vm", "read_only": False})
        assert not asked.structured_content["results"] and "read-only" in text(asked)
        described = await client.call_tool("describe_api", {"name": "destroyVirtualMachine"})
        assert described.is_error and "read-only" in text(described)
        before = len(sim.requests)
        refused = await client.call_tool("call_api", {"name": "deleteZone", "arguments": {"id": "x"}})
        assert refused.is_error and "read-only" in text(refused)
        assert len(sim.requests) == before  # nothing was sent
        ok = await client.call_tool("call_api", {"name": "listZones"})
        assert not ok.is_error


async def test_an_empty_query_lists_a_whole_toolset(sim: Simulator, catalog: Catalog, tmp_path: Path):
    async with connected(sim, catalog, tmp_path) as (_app, client):
        some = await client.call_tool("search_apis", {"query": "", "category": "certificate", "limit": 5})
        every = await client.call_tool("search_apis", {"query": "", "category": "sdn", "limit": 100})
    assert "5 of the 14 APIs of toolset certificate (raise limit" in text(some)
    assert len(every.structured_content["results"]) == 68 and "68 of the 68" in text(every)


async def test_call_api_goes_through_the_same_confirmation_as_the_named_tool(
    sim: Simulator, catalog: Catalog, tmp_path: Path
):
    async with connected(sim, catalog, tmp_path, confirm_mode="phrase") as (_app, client):
        described = await client.call_tool("describe_api", {"name": "destroyVirtualMachine"})
        assert described.structured_content["needs_confirmation"] is True
        assert "Confirmation: needed always" in text(described)
        ids = []
        for i in range(2):
            deployed = await client.call_tool(
                "call_api",
                {"name": "deployVirtualMachine", "arguments": {**_deploy_args(sim, catalog), "name": f"doomed-{i}"}},
            )
            assert not deployed.is_error, text(deployed)
            ids.append(deployed.structured_content["jobresult"]["virtualmachine"]["id"])
        named = await client.call_tool("destroy_virtual_machine", {"id": ids[0]})
        via = await client.call_tool("call_api", {"name": "destroyVirtualMachine", "arguments": {"id": ids[0]}})
        for result in (named, via):
            assert not result.is_error and "Confirmation required" in text(result) and "nothing was sent" in text(result)
        phrase = text(via).split('confirm: "')[1].split('"')[0]
        assert "call call_api again" in text(via)
        before = len(sim.requests)
        done = await client.call_tool(
            "call_api", {"name": "destroyVirtualMachine", "arguments": {"id": ids[0], "confirm": phrase}}
        )
        assert not done.is_error, text(done)
        assert "destroyVirtualMachine" in [r.command for r in sim.requests[before:]]
        # the phrase given beside name (where models often put it) works the same
        other = await client.call_tool("call_api", {"name": "destroyVirtualMachine", "arguments": {"id": ids[1]}})
        phrase = text(other).split('confirm: "')[1].split('"')[0]
        done = await client.call_tool(
            "call_api", {"name": "destroyVirtualMachine", "arguments": {"id": ids[1]}, "confirm": phrase}
        )
        assert not done.is_error, text(done)


def _deploy_args(sim: Simulator, catalog: Catalog) -> dict[str, str]:
    api = catalog["deployVirtualMachine"]
    return {name: uuid_for(sim, api, name) for name in ("zoneid", "serviceofferingid", "templateid")}
