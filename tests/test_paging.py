"""Paging as a stream, through a real MCP client against the simulator: count_by counts over every page
without holding rows, fetch_all keeps only what an answer shows, a failing page ends in CloudStack's
error, and the discovery-only profile still reaches every API."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from cloudstack_mcp import render
from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.server.app import App, create_server, open_app
from cloudstack_mcp.simulator import FaultRule, Simulator
from cloudstack_mcp.simulator.backend.domain.vms import build_vm
from cloudstack_mcp.tools.job_tool import JOB_TOOL
from tests.apidata import SPEC_420
from tests.core_helpers import safety_settings, text

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("clean_sim")]

VMS = 240  # beside the seed's own


SIM_SPEC = SPEC_420


@pytest.fixture(scope="module")
def sim(sim: Simulator) -> Simulator:
    """The module's 4.20 simulator (conftest) with enough VMs for several pages."""
    _add_vms(sim, VMS)
    return sim


def _add_vms(sim: Simulator, count: int) -> None:
    store = sim.cloud.store
    owner = store.first("AccountResponse", name="admin")
    network = next(n for n in store.all("NetworkResponse") if n.get("_owner") == owner["id"])
    template = next(t for t in store.all("TemplateResponse") if t.get("templatetype") == "USER")
    pool = next(iter(store.all("StoragePoolResponse")))
    zone = next(iter(store.all("ZoneResponse")))
    offering = next(iter(store.all("ServiceOfferingResponse")))
    host = next(iter(store.all("HostResponse")))
    for i in range(count):
        vm = build_vm(
            store,
            name=f"page-{i}",
            owner=owner,
            zone=zone,
            network=network,
            template=template,
            offering=offering,
            host=host,
            pool=pool,
        )
        if i % 3 == 0:
            vm["state"] = "Stopped"


def _settings(sim: Simulator, tmp_path: Path, **kw: Any) -> Settings:
    """Small pages (several per list) and no retries: a failing page fails at once."""
    return safety_settings(sim, tmp_path, **{"page_size": 25, "retry_backoff": 0.01, "retries": 0, **kw})


@contextlib.asynccontextmanager
async def _client(settings: Settings, catalog: Catalog) -> AsyncIterator[tuple[App, Client]]:
    async with open_app(settings, catalog=catalog) as app, Client(create_server(app)) as client:
        yield app, client


def _truth(sim: Simulator, *fields: str) -> Counter[tuple[str, ...]]:
    return Counter(tuple(str(vm.get(f)) for f in fields) for vm in sim.cloud.store.all("UserVmResponse"))


async def test_count_by_counts_every_page_and_answers_in_a_few_lines(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    total = sim.cloud.store.count("UserVmResponse")
    async with _client(_settings(sim, tmp_path), catalog) as (_app, client):
        before = len(sim.requests)
        result = await client.call_tool("list_virtual_machines", {"count_by": ["state"], "listall": True})
        assert not result.is_error, text(result)
        pages = sorted(int(r.params["page"]) for r in sim.requests[before:])
        assert pages == list(range(1, -(-total // 25) + 1))  # every page once, in order of need
        by_state = result.structured_content["state"]
        assert by_state == {state: n for (state,), n in _truth(sim, "state").most_common()}
        assert result.structured_content["count"] == total
        shown = text(result)
        assert f"{total:,} counted" in shown and f"Stopped {by_state['Stopped']:,}" in shown
        assert len(shown) < 400

        two = await client.call_tool("list_virtual_machines", {"count_by": ["zonename", "state"], "listall": True})
        pairs = two.structured_content["zonename / state"]
        assert pairs == {f"{z} / {s}": n for (z, s), n in _truth(sim, "zonename", "state").most_common()}
        assert sum(two.structured_content["zonename"].values()) == total


async def test_count_by_refuses_what_it_cannot_do(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with _client(_settings(sim, tmp_path), catalog) as (_app, client):
        before = len(sim.requests)
        paged = await client.call_tool("list_virtual_machines", {"count_by": ["state"], "page": 2})
        assert paged.is_error and "'page' cannot be combined with count_by" in text(paged)
        three = await client.call_tool("list_virtual_machines", {"count_by": ["state", "zonename", "hostname"]})
        assert three.is_error and "count_by" in text(three)
        assert len(sim.requests) == before  # nothing sent


async def test_fetch_all_keeps_what_it_shows_and_counts_the_rest(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    total = sim.cloud.store.count("UserVmResponse")
    assert total > render.DEFAULT_MAX_ROWS
    async with _client(_settings(sim, tmp_path), catalog) as (_app, client):
        # fields=["*"]: the whole (kept) answer as structured content (issue 12: a long list's projection is left out)
        result = await client.call_tool("list_virtual_machines", {"fetch_all": True, "listall": True, "fields": ["*"]})
        assert not result.is_error, text(result)
        rows = result.structured_content["virtualmachine"]
        assert len(rows) == render.DEFAULT_MAX_ROWS and result.structured_content["count"] == total
        assert len({vm["id"] for vm in rows}) == len(rows)
        assert f"count: {total} virtualmachine (every page read; the answer keeps the first 100" in text(result)


async def test_a_failing_page_ends_in_the_cloudstack_error(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with _client(_settings(sim, tmp_path), catalog) as (_app, client):
        sim.faults.add(FaultRule(api="listVirtualMachines", kind="error", code=431, text="db gone", after=2, times=1))
        result = await client.call_tool("list_virtual_machines", {"count_by": ["state"], "listall": True})
        assert result.is_error
        shown = text(result)
        assert "431" in shown and "db gone" in shown and "ExceptionGroup" not in shown
        assert "failed after" in shown and "rows had been read" in shown
        # the next call works
        again = await client.call_tool("list_virtual_machines", {"count_by": ["state"], "listall": True})
        assert not again.is_error


async def test_the_discovery_profile_lists_little_and_reaches_every_api(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    async with _client(_settings(sim, tmp_path, toolsets=("discovery",)), catalog) as (app, client):
        listed = (await client.list_tools()).tools
        names = {t.name for t in listed}
        assert names == {"search_apis", "describe_api", "call_api", JOB_TOOL}
        size = sum(len(t.model_dump_json(exclude_none=True, by_alias=True)) for t in listed)
        assert size / 4 < 2000  # tokens, at ~4 bytes each
        zones = await client.call_tool("call_api", {"name": "listZones", "arguments": {}})
        assert not zones.is_error and "zone" in text(zones)
        listed_apis = {t.api.name for t in app.inventory.tools.values() if t.api is not None}
        assert listed_apis == set()
