"""The search index kept beside the catalog: read back it ranks exactly as built, a damaged or foreign file
is rebuilt, and a server builds it in the background before the first search."""

from __future__ import annotations

import json
from pathlib import Path

import anyio

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.tools import search
from cloudstack_mcp.tools.search import SearchIndex, prebuild
from cloudstack_mcp.tools.search_cache import index_file, load_index, store_index
from tests.apidata import SPEC_418, SPEC_420

QUERIES = ["stop a vm", "create a firewall rule", "add s3 secondary storage", "hosts in maintenance", "listZones"]


def test_a_stored_index_ranks_as_the_built_one(cat420: Catalog, tmp_path: Path) -> None:
    built = SearchIndex(cat420)
    path = index_file(tmp_path, cat420)
    store_index(path, built)
    assert path.stat().st_mode & 0o777 == 0o600
    search.clear_caches()
    loaded = load_index(path, cat420)
    assert loaded is not None and len(loaded) == len(built)
    for query in QUERIES:
        assert [(h.api, h.score) for h in loaded.search(query)] == [(h.api, h.score) for h in built.search(query)]


def test_damaged_or_foreign_files_are_not_used(cat420: Catalog, tmp_path: Path) -> None:
    path = index_file(tmp_path, cat420)
    assert load_index(path, cat420) is None  # none yet
    path.write_text("{not json")
    assert load_index(path, cat420) is None
    other = Catalog.load(SPEC_418)
    assert index_file(tmp_path, other) != path  # named by the catalog's content
    store_index(path, SearchIndex(other))  # an index of another catalog under this name
    assert load_index(path, cat420) is None
    path.write_text(json.dumps({"docs": [], "verbs": [], "postings": {}}))
    assert load_index(path, cat420) is None


def test_prebuild_loads_or_builds_once_and_stores(cat420: Catalog, tmp_path: Path) -> None:
    path = index_file(tmp_path, cat420)
    stored: list[SearchIndex] = []

    def store(index: SearchIndex) -> None:
        stored.append(index)
        store_index(path, index)

    future = prebuild(cat420, load=lambda: load_index(path, cat420), store=store)
    assert prebuild(cat420) is future  # once per catalog
    index = future.result(timeout=60)
    assert stored == [index] and path.exists()
    assert index.search("stop a vm")[0].api == "stopVirtualMachine"


def test_a_server_has_its_index_before_the_first_search(tmp_path: Path) -> None:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    from tests.core_helpers import server_params

    async def run() -> tuple[str, bool]:
        params: StdioServerParameters = server_params(tmp_path, "--api-spec", str(SPEC_420))
        async with Client(params) as client:
            await client.list_tools()
            for _ in range(200):  # the index file appears once the background build is done
                if list(tmp_path.rglob("search-*.json")):
                    break
                await anyio.sleep(0.05)
            result = await client.call_tool("search_apis", {"query": "stop a vm"})
            return "\n".join(b.text for b in result.content), bool(list(tmp_path.rglob("search-*.json")))

    text, cached = anyio.run(run)
    assert cached and "stop_virtual_machine" in text
