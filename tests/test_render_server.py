"""Rendered answers through a real MCP client and the whole pipeline, against the simulator over HTTP.

Every result carries the unwrapped answer as structured content and the rendering as text;
`fields` picks columns; `--output` decides the text part; CloudStack errors come back as
`isError` results naming the parameter at fault and the tool that lists valid ids.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.server.app import create_server, open_app
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SPEC_420
from tests.core_helpers import text as text_of

pytestmark = pytest.mark.anyio


SIM_SPEC = SPEC_420


@contextlib.asynccontextmanager
async def client_for(sim: Simulator, tmp_path: Path, **settings: Any) -> AsyncIterator[Client]:
    admin = sim.credentials["admin"]
    config = Settings(
        endpoint=sim.endpoint,
        api_key=admin.api_key,
        secret_key=admin.secret_key,
        cache_dir=tmp_path / "cache",
        toolsets=("all",),
        confirm_mode="allow",
        poll_interval=0.01,
        poll_max=0.05,
        **settings,
    )
    async with open_app(config, catalog=sim.catalog) as app, Client(create_server(app)) as client:
        yield client


def table(text: str) -> list[list[str]]:
    return [line.split(" | ") for line in text.splitlines() if " | " in line]


async def test_list_result_has_text_rows_and_the_full_answer(sim: Simulator, tmp_path: Path) -> None:
    async with client_for(sim, tmp_path) as client:
        result = await client.call_tool("list_virtual_machines", {"listall": True})
        full = await client.call_tool("list_virtual_machines", {"listall": True, "fields": ["*"]})
    assert not result.is_error
    data = result.structured_content
    vms = data["virtualmachine"]
    text = text_of(result)
    rows = table(text)
    assert text.splitlines()[0] == f"count: {data['count']} virtualmachine"
    assert rows[0][:3] == ["id", "name", "state"] and len(rows) == len(vms) + 1
    for vm, row in zip(vms, rows[1:], strict=True):
        assert row[:3] == [vm["id"], vm["name"], vm["state"]]
        assert all(nic["ipaddress"] in text for nic in vm["nic"])
    # Issue 12 changed this: the structured content is the projection the text shows (it said: everything);
    # what both leave out is named in both, and fields=["*"] gives the whole answer.
    whole = full.structured_content["virtualmachine"]
    assert "templateid" not in vms[0] and "templateid" in data["not_shown"]["fields"] and "templateid" in text
    assert "templateid" in whole[0] and whole[0]["templateid"] not in text
    assert len(text) < len(json.dumps(full.structured_content)) / 3
    assert len(json.dumps(data)) < len(json.dumps(full.structured_content)) / 3


async def test_fields_argument_picks_columns(sim: Simulator, tmp_path: Path) -> None:
    async with client_for(sim, tmp_path) as client:
        result = await client.call_tool(
            "list_virtual_machines", {"listall": True, "fields": ["name", "templateid", "nic.macaddress"]}
        )
    rows = table(text_of(result))
    assert rows[0] == ["id", "name", "templateid", "nic.macaddress"]
    vms = result.structured_content["virtualmachine"]
    assert [r[2] for r in rows[1:]] == [vm["templateid"] for vm in vms]
    assert [r[3] for r in rows[1:]] == [", ".join(n["macaddress"] for n in vm["nic"]) for vm in vms]


@pytest.mark.parametrize("mode", ["json", "both"])
async def test_output_modes_for_clients_that_ignore_structured_content(
    sim: Simulator, tmp_path: Path, mode: str
) -> None:
    async with client_for(sim, tmp_path, output=mode) as client:
        result = await client.call_tool("list_zones", {})
    text = text_of(result)
    rendering, _, raw = text.partition("\n\nJSON:\n")
    if mode == "json":
        assert json.loads(text) == result.structured_content
    else:
        assert rendering.startswith("count: ") and json.loads(raw) == result.structured_content


async def test_async_job_text_gives_outcome_then_object(sim: Simulator, tmp_path: Path) -> None:
    store = sim.cloud.store
    args = {
        "zoneid": next(iter(store.all("ZoneResponse")))["id"],
        "serviceofferingid": next(iter(store.all("ServiceOfferingResponse")))["id"],
        "templateid": next(iter(store.all("TemplateResponse")))["id"],
        "name": "render-vm",
    }
    async with client_for(sim, tmp_path) as client:
        result = await client.call_tool("deploy_virtual_machine", args)
    assert not result.is_error, text_of(result)
    job = result.structured_content
    lines = text_of(result).splitlines()
    assert lines[0].startswith(f"Job {job['jobid']} succeeded")
    assert lines[1] == "virtualmachine:"
    vm = job["jobresult"]["virtualmachine"]
    assert f"  id: {vm['id']}" in lines and "  name: render-vm" in lines


async def test_431_names_the_parameter_and_the_list_tool(sim: Simulator, tmp_path: Path) -> None:
    store = sim.cloud.store
    missing = "00000000-0000-4000-8000-000000000000"
    args = {
        "zoneid": next(iter(store.all("ZoneResponse")))["id"],
        "serviceofferingid": missing,
        "templateid": next(iter(store.all("TemplateResponse")))["id"],
    }
    async with client_for(sim, tmp_path) as client:
        result = await client.call_tool("deploy_virtual_machine", args)
    assert result.is_error
    text = text_of(result)
    assert text.startswith("deployVirtualMachine failed: error 431 (parameter error")
    assert f"Invalid parameter serviceofferingid value={missing}" in text  # the server's own words
    assert (
        f"Cause: parameter `serviceofferingid` (uuid, the id of a ServiceOffering, required): got '{missing}'" in text
    )
    assert "check the id with list_service_offerings" in text
    assert result.structured_content["errorcode"] == 431


def test_catalog_used_here_is_the_420_spec(sim: Simulator) -> None:
    assert isinstance(sim.catalog, Catalog) and len(sim.catalog) == 864
