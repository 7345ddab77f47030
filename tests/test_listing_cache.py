"""The ready-made `tools/list` answer on disk: served only while catalog, settings and code are the same,
equal to a fresh build, tools built when called; a changed setting or a new catalog from `sync` gives a
new listing, a damaged file is rebuilt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from cloudstack_mcp.catalog.loader import cache_file, fetch_catalog, read_cache, write_cache
from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.config import Settings
from cloudstack_mcp.pipeline.guard import Guard
from cloudstack_mcp.policy.classify import Severity
from cloudstack_mcp.server.app import App, extra_tools, open_app
from cloudstack_mcp.simulator import Simulator
from cloudstack_mcp.tools.inventory import build_inventory
from cloudstack_mcp.tools.listing_cache import listing_key
from tests.apidata import SPEC_418, SPEC_420
from tests.core_helpers import server_params

pytestmark = pytest.mark.anyio


SIM_SPEC = SPEC_420


def settings_for(sim: Simulator, tmp_path: Path, **kw: Any) -> Settings:
    admin = sim.credentials["admin"]
    base: dict[str, Any] = {
        "endpoint": sim.endpoint,
        "api_key": admin.api_key,
        "secret_key": admin.secret_key,
        "cache_dir": tmp_path / "cache",
        "audit_log": None,
        "toolsets": ("all",),
    }
    base.update(kw)
    return Settings(**base)


def fresh_listing(app: App) -> dict[str, Any]:
    """What the server would list without any listing cache."""
    inventory = build_inventory(
        app.catalog, app.settings, guard=app.guard, extras=extra_tools(app), names=app.pipeline.tool_to_api
    )
    return inventory.listing_wire()


def listing_files(tmp_path: Path) -> set[Path]:
    return set((tmp_path / "cache").glob("listing-*.json"))


async def test_second_start_reads_the_listing_and_builds_tools_when_called(sim: Simulator, tmp_path: Path) -> None:
    settings = settings_for(sim, tmp_path)
    async with open_app(settings) as app:
        assert not app.inventory.ready_made and len(listing_files(tmp_path)) == 1
        built = app.inventory.listing_wire()
    async with open_app(settings) as app:
        assert app.inventory.ready_made
        assert app.inventory.listing_wire() == built == fresh_listing(app)
        assert len(app.inventory) == 868 and "list_zones" in app.inventory
        tool = app.inventory.get("list_zones")
        assert tool is not None and tool.api is app.catalog["listZones"] and tool.read_only
        assert tool == build_inventory(app.catalog, settings, guard=app.guard).get("list_zones")
        result = await app.pipeline.call_tool(tool, {})
        assert not result.is_error and "zone" in result.content[0].text  # type: ignore[union-attr]
        assert app.inventory.listing().tools[0].name == built["tools"][0]["name"]


@pytest.mark.parametrize(
    "change",
    [
        {"toolsets": ()},
        pytest.param({"toolsets": ("network",)}, marks=pytest.mark.slow),  # each one lists 4.20 three times
        pytest.param({"toolsets": ("network",), "tools": ("list_zones", "deploy_*")}, marks=pytest.mark.slow),
        pytest.param({"exclude_tools": ("list_*",)}, marks=pytest.mark.slow),
        {"read_only": True},
        pytest.param({"confirm_level": Severity.HIGH}, marks=pytest.mark.slow),  # medium is the default
    ],
    ids=lambda change: "+".join(change),
)
async def test_a_changed_setting_gives_its_own_listing(sim: Simulator, tmp_path: Path, change: dict[str, Any]) -> None:
    async with open_app(settings_for(sim, tmp_path)) as app:
        everything = app.inventory.listing_wire()
    changed = settings_for(sim, tmp_path, **change)
    for start in ("first", "second"):
        async with open_app(changed) as app:
            assert app.inventory.ready_made == (start == "second")
            listing = app.inventory.listing_wire()
            assert listing == fresh_listing(app) and listing != everything
    assert len(listing_files(tmp_path)) == 2


async def test_a_new_catalog_from_sync_gives_a_new_listing(sim: Simulator, tmp_path: Path) -> None:
    settings = settings_for(sim, tmp_path)
    async with open_app(settings) as app:
        assert len(app.inventory) == 868
    async with open_app(settings) as app:
        assert app.inventory.ready_made
    # The server was upgraded (another API set): `sync` writes the new catalog over the cached one.
    with Simulator(SPEC_418, job_seconds=0).running() as older:
        async with CloudStackClient(settings_for(older, tmp_path)) as client:
            write_cache(cache_file(settings), await fetch_catalog(client), settings)
    async with open_app(settings) as app:
        assert len(app.catalog) == 705 and not app.inventory.ready_made
        assert app.inventory.listing_wire() == fresh_listing(app) and len(app.inventory) == 705 + 4
    async with open_app(settings) as app:
        assert app.inventory.ready_made and len(app.inventory) == 709


async def test_an_api_spec_file_is_keyed_by_its_content(sim: Simulator, tmp_path: Path) -> None:
    spec = tmp_path / "spec" / "listApis.json"
    spec.parent.mkdir()
    doc = json.loads(SPEC_420.read_text())
    spec.write_text(json.dumps(doc))
    settings = settings_for(sim, tmp_path, api_spec=spec)
    async with open_app(settings) as app:
        first = app.inventory.listing_wire()
    entries = doc["listapisresponse"]["api"]
    doc["listapisresponse"]["api"] = [a for a in entries if a["name"] != "listZones"]
    spec.write_text(json.dumps(doc))
    async with open_app(settings) as app:
        assert not app.inventory.ready_made and "list_zones" not in app.inventory
        assert app.inventory.listing_wire() == fresh_listing(app) != first


async def test_a_damaged_listing_file_is_rebuilt(sim: Simulator, tmp_path: Path) -> None:
    settings = settings_for(sim, tmp_path, toolsets=())
    async with open_app(settings) as app:
        built = app.inventory.listing_wire()
    (path,) = listing_files(tmp_path)
    for damage in ("{not json", json.dumps({"format": 1, "key": "another", "tools": []}), '{"format": 1}'):
        path.write_text(damage)
        async with open_app(settings) as app:
            assert not app.inventory.ready_made and app.inventory.listing_wire() == built
    async with open_app(settings) as app:
        assert app.inventory.ready_made


def test_the_key_covers_catalog_settings_and_guard(tmp_path: Path) -> None:
    catalog = Catalog.load(SPEC_420)
    settings = Settings(cache_dir=tmp_path, audit_log=None)
    key = listing_key(catalog, settings, Guard(settings))
    assert key == listing_key(Catalog.load(SPEC_420), settings, Guard(settings))  # content, not identity
    assert key != listing_key(Catalog.load(SPEC_418), settings, Guard(settings))
    assert key != listing_key(catalog, settings, None)

    class OtherGuard(Guard):
        pass

    assert listing_key(catalog, settings, OtherGuard(settings)) is None  # its controls may differ: no cache


@pytest.mark.slow
async def test_over_stdio_the_second_server_lists_the_same_tools(sim: Simulator, tmp_path: Path) -> None:
    params = server_params(tmp_path, "--toolsets", "all", sim=sim)
    listings = []
    for _ in range(2):
        async with Client(params) as client:
            listings.append([t.model_dump() for t in (await client.list_tools()).tools])
            result = await client.call_tool("list_zones", {})
            assert not result.is_error
    assert listings[0] == listings[1] and len(listings[0]) == 868
    assert len(list((tmp_path / "cache" / "cloudstack-mcp").glob("listing-*.json"))) == 1


def test_a_cached_catalog_with_rows_of_another_shape_is_refetched(tmp_path: Path) -> None:
    settings = Settings(endpoint="http://x/client/api", api_key="k", secret_key="s", cache_dir=tmp_path)
    path = cache_file(settings)
    write_cache(path, Catalog.load(SPEC_418), settings)
    cached = read_cache(path)
    assert cached is not None and len(cached) == 705 and cached.find("LISTZONES") is cached["listZones"]
    head, _, tail = path.read_text().partition("\n")
    doc = json.loads(head)
    doc["apis"][3] = ["listZones", "no params list", False, [], None, None, False]
    path.write_text(json.dumps(doc) + "\n" + tail)
    assert read_cache(path) is None


def test_load_inventory_edges(tmp_path: Path) -> None:
    from cloudstack_mcp.catalog.naming import tool_names
    from cloudstack_mcp.tools.inventory import ToolDef
    from cloudstack_mcp.tools.listing_cache import load_inventory

    catalog = Catalog.load(SPEC_418)
    names = tool_names(catalog)
    settings = Settings(cache_dir=tmp_path / "cache", audit_log=None)
    guard = Guard(settings)
    first = load_inventory(catalog, settings, guard=guard, extras=[], names=names)
    again = load_inventory(catalog, settings, guard=guard, extras=[], names=names)
    assert not first.ready_made and again.ready_made and again.listing_wire() == first.listing_wire()
    clash = ToolDef(name="list_zones", description="x", input_schema={"type": "object"}, annotations={}, toolset="x")
    with pytest.raises(ValueError, match="clashes"):
        load_inventory(catalog, settings, guard=guard, extras=[clash], names=names)

    class OtherGuard(Guard):
        pass

    custom = load_inventory(catalog, settings, guard=OtherGuard(settings), extras=[], names=names)
    assert not custom.ready_made and len(custom) == len(first)  # built, never cached
    blocked = tmp_path / "a-file"
    blocked.write_text("where the cache directory should be")
    unwritable = Settings(cache_dir=blocked / "cache", audit_log=None)
    built = load_inventory(catalog, unwritable, guard=Guard(unwritable), extras=[], names=names)
    assert not built.ready_made and built.listing_wire() == first.listing_wire()  # served, just not cached
