"""MCP prompts (server/prompts.py): prompts/list and prompts/get through real clients (in-process and over
stdio); every tool a guide names is listed by the profile, every other step says how to reach it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, MCPError

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.server.app import create_server, open_app
from cloudstack_mcp.server.prompt_data import WORKFLOWS
from cloudstack_mcp.server.prompts import arguments_of
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SPEC_420
from tests.core_helpers import server_params

pytestmark = pytest.mark.anyio

OPERATOR_WORKFLOWS = {
    "deploy_vm",
    "vm_wont_start",
    "drain_host",
    "zone_capacity",
    "add_s3_secondary_storage",
    "snapshot_policy",
    "onboard_tenant",
    "virtual_router",
    "usage_report",
    "scale_kubernetes_cluster",
}


SIM_SPEC = SPEC_420


def settings_for(sim: Simulator, tmp_path: Path, **kw: Any) -> Settings:
    admin = sim.credentials["admin"]
    return Settings(
        endpoint=sim.endpoint,
        api_key=admin.api_key,
        secret_key=admin.secret_key,
        cache_dir=tmp_path / "cache",
        audit_log=None,
        **kw,
    )


def required_args(name: str) -> dict[str, str]:
    workflow = next(w for w in WORKFLOWS if w.name == name)
    return {a.name: f"my-{a.name}" for a in workflow.arguments if a.required}


def test_every_step_is_a_real_api_with_real_parameters(catalog: Catalog) -> None:
    assert {w.name for w in WORKFLOWS} == OPERATOR_WORKFLOWS
    for w in WORKFLOWS:
        for step in w.steps:
            api = catalog.find(step.api)
            assert api is not None, f"{w.name}: {step.api} is not a 4.20 API"
            params = {p.name for p in api.params}
            unknown = set(arguments_of(step)) - params
            assert not unknown, f"{w.name}: {step.api} has no parameter {unknown}"


async def test_list_and_get_through_a_client_default_profile(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with open_app(settings_for(sim, tmp_path), catalog=catalog) as app, Client(create_server(app)) as client:
        listed = await client.list_prompts()
        assert {p.name for p in listed.prompts} == OPERATOR_WORKFLOWS
        drain = next(p for p in listed.prompts if p.name == "drain_host")
        assert [(a.name, a.required) for a in drain.arguments or []] == [("host", True)]
        tools = set(app.inventory.tools)
        for w in WORKFLOWS:
            got = await client.get_prompt(w.name, required_args(w.name))
            text = got.messages[0].content.text  # type: ignore[union-attr]
            assert got.messages[0].role == "user"
            named = set(re.findall(r"`([a-z0-9_]+)`", text))
            assert bool(named) == any(app.inventory.tool_name_of(s.api) in tools for s in w.steps), w.name
            assert named <= tools, f"{w.name} names tools the default profile does not list: {named - tools}"
            for step in w.steps:
                tool = app.inventory.tool_name_of(step.api)
                if tool not in tools:  # reached through call_api, and the guide says so
                    assert f'call_api(name="{step.api}"' in text, (w.name, step.api)
            for value in required_args(w.name).values():
                assert value in text  # the user's arguments are filled in


async def test_guides_follow_the_profile(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    """With --toolsets host, drain_host names prepare_host_for_maintenance directly; --read-only marks changes."""
    settings = settings_for(sim, tmp_path, toolsets=("default", "host"))
    async with open_app(settings, catalog=catalog) as app, Client(create_server(app)) as client:
        text = (await client.get_prompt("drain_host", {"host": "kvm-1"})).messages[0].content.text  # type: ignore[union-attr]
        assert "`prepare_host_for_maintenance`" in text and "name=kvm-1" in text
    read_only = settings_for(sim, tmp_path, read_only=True)
    async with open_app(read_only, catalog=catalog) as app, Client(create_server(app)) as client:
        got = await client.get_prompt("drain_host", {"host": "kvm-1"})
        text = got.messages[0].content.text  # type: ignore[union-attr]
        assert "prepareHostForMaintenance" in text and "--read-only" in text
        assert 'call_api(name="prepareHostForMaintenance"' not in text


async def test_bad_requests_are_protocol_errors(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with open_app(settings_for(sim, tmp_path), catalog=catalog) as app, Client(create_server(app)) as client:
        with pytest.raises(MCPError, match="needs: host"):
            await client.get_prompt("drain_host", {})
        with pytest.raises(MCPError, match="unknown prompt 'nope'"):
            await client.get_prompt("nope", {})


async def test_api_missing_from_the_server(sim: Simulator, tmp_path: Path) -> None:
    """A CloudStack without the Kubernetes plugin: the guide says the API is not offered instead of naming it."""
    full = Catalog.load(SPEC_420)
    small = Catalog([api for name, api in full.items() if "Kubernetes" not in name], source="no CKS")
    async with open_app(settings_for(sim, tmp_path), catalog=small) as app, Client(create_server(app)) as client:
        got = await client.get_prompt("scale_kubernetes_cluster", {"cluster": "k1"})
        text = got.messages[0].content.text  # type: ignore[union-attr]
        assert "This CloudStack does not offer scaleKubernetesCluster" in text


async def test_prompts_over_stdio(tmp_path: Path) -> None:
    """A spawned server (embedded simulator) answers prompts/list and prompts/get over stdio."""
    params = server_params(tmp_path)
    async with Client(params) as client:
        listed = await client.list_prompts()
        assert len(listed.prompts) == len(OPERATOR_WORKFLOWS)
        got = await client.get_prompt("zone_capacity", {"zone": "zone-a"})
        assert "`list_capacity`" in got.messages[0].content.text  # type: ignore[union-attr]


async def test_argument_completion_from_the_cloud(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    from mcp_types import PromptReference

    hosts = sorted(h["name"] for h in sim.cloud.store.all("HostResponse") if h.get("type") == "Routing")
    async with open_app(settings_for(sim, tmp_path), catalog=catalog) as app, Client(create_server(app)) as client:
        got = await client.complete(
            PromptReference(type="ref/prompt", name="drain_host"), {"name": "host", "value": ""}
        )
        assert got.completion.values == hosts and hosts
        prefix = hosts[0][:5]
        got = await client.complete(
            PromptReference(type="ref/prompt", name="drain_host"), {"name": "host", "value": prefix}
        )
        assert got.completion.values and all(v.startswith(prefix) for v in got.completion.values)
        got = await client.complete(
            PromptReference(type="ref/prompt", name="snapshot_policy"), {"name": "interval", "value": "w"}
        )
        assert got.completion.values == ["WEEKLY"]
        got = await client.complete(
            PromptReference(type="ref/prompt", name="onboard_tenant"), {"name": "tenant", "value": "x"}
        )
        assert got.completion.values == []  # nothing the cloud could know


async def test_call_api_arguments_are_typed_and_the_toolsets_said_once(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    async with open_app(settings_for(sim, tmp_path), catalog=catalog) as app, Client(create_server(app)) as client:
        got = await client.get_prompt("snapshot_policy", {"volume": "web1-root"})
    text = got.messages[0].content.text  # type: ignore[union-attr]
    assert '"maxsnaps": 7' in text and '"intervaltype": "DAILY"' in text  # typed; the default filled in
    assert text.count("--toolsets") == 1 and "--toolsets default,snapshot" in text
