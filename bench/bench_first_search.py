"""The first `search_apis` call against later ones, over stdio, on a freshly started server.

    python bench/bench_first_search.py [--runs 5] [--think 0.5]

Each run spawns `cloudstack-mcp` (the 4.20 catalog, the embedded simulator), initializes, lists the
tools, waits `--think` seconds (a model reads the listing before it calls anything: real clients take
seconds here), then times the first search and five more, all different queries. Also with
--think 0 (a search right after tools/list), each with the index cached (a warm cache dir, filled by
the first run) and on a first start (a new cache dir per run). Prints medians of first and later calls.
The search index is built in a thread 0.2 s after start-up (tools/search.py `prebuild`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ["stop a vm", "create a firewall rule", "hosts in maintenance", "add s3 secondary storage",
           "reset a vm password", "list volumes of a vm"]  # fmt: skip


def spec_420() -> Path:
    for base in (os.environ.get("CLOUDSTACK_MCP_SHARED"), str(ROOT.parent / "shared")):
        path = Path(base or "") / "cloudstack-api" / "4.20.0.0" / "listApis.json"
        if base and path.exists():
            return path
    raise SystemExit("needs the 4.20 listApis with descriptions: ../shared/cloudstack-api or $CLOUDSTACK_MCP_SHARED")


async def one_run(spec: Path, think: float, cache: str) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CLOUDSTACK_MCP_CONFIRM_MODE": "allow", "XDG_CACHE_HOME": cache}
    for name in ("CLOUDSTACK_ENDPOINT", "CLOUDSTACK_KEY", "CLOUDSTACK_SECRET", "CLOUDSTACK_CONFIG"):
        env.pop(name, None)
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "cloudstack_mcp", "--api-spec", str(spec)], env=env
    )
    async with Client(params) as client:
        await client.list_tools()
        await anyio.sleep(think)
        times = []
        for query in QUERIES:
            started = time.perf_counter()
            result = await client.call_tool("search_apis", {"query": query})
            times.append(time.perf_counter() - started)
            assert not result.is_error, result
    return times[0], statistics.median(times[1:])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--think", type=float, default=0.5)
    args = parser.parse_args()
    spec = spec_420()
    warm = tempfile.mkdtemp(prefix="first-search-")
    for label, think, cold in (
        ("cached index", args.think, False),
        ("cached index", 0.0, False),
        ("first start (no cache)", args.think, True),
        ("first start (no cache)", 0.0, True),
    ):
        firsts, laters = [], []
        for _ in range(args.runs):
            first, later = await one_run(spec, think, tempfile.mkdtemp(prefix="first-search-") if cold else warm)
            firsts.append(first)
            laters.append(later)
        print(
            f"{label}, think {think:.1f} s: first search {statistics.median(firsts) * 1000:.1f} ms, later "
            f"{statistics.median(laters) * 1000:.1f} ms, first - later {statistics.median(firsts) * 1000 - statistics.median(laters) * 1000:+.1f} ms "
            f"(median of {args.runs} runs)"
        )


if __name__ == "__main__":
    anyio.run(main)
