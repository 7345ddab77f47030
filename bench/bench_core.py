"""Core server benchmarks: start-up, per-call overhead, memory.

    python bench/bench_core.py [--runs 7] [--calls 300] [--baseline DIR]

1. Spawn to first `tools/list` answer over stdio, with the 4.20 catalog cached (all 864 tools listed,
   with the listing cached and, as after a `sync` or an upgrade, not yet; and the default profile),
   against a bare `mcp` low-level server with no tools, in the same run.
2. Median `list_zones` latency through MCP (stdio, both protocol eras) against a direct `cs` call to
   the same simulator, the calls of every path taken in turn (cs, SDK floor, ours, ...) so machine
   noise hits them alike; also our own client without MCP, our pipeline in process, and the SDK's own
   floor (a stdio server answering a constant result through the SDK's stdio transport).
3. Resident memory of the server with the full catalog listed, after the calls.

`--baseline DIR` also runs another version side by side: DIR holds its `cloudstack_mcp` package, e.g.
`git archive <commit> cloudstack_mcp | tar -x -C DIR`.

The simulator runs as its own process (the 4.20 spec), so it does not share the GIL with the clients.
Prints medians and ratios; figures go to BENCHMARKS.md ("Core server").
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.apidata import bench_spec_420  # noqa: E402

SPEC_420 = bench_spec_420()
KEY, SECRET = "bench-key", "bench-secret"

BARE_SERVER = """
import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

async def list_tools(ctx, params):
    return types.ListToolsResult(tools=[])

async def main():
    server = Server("bare", on_list_tools=list_tools)
    async with stdio_server() as (r, w):
        await server.run(r, w, server.create_initialization_options())

anyio.run(main)
"""


ECHO_SERVER = """
import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

ZONE = {"count": 1, "zone": [{"id": "fa23c9e8-b846-5e50-8c20-c582922816e3", "name": "ams-zone1"}]}

async def list_tools(ctx, params):
    return types.ListToolsResult(tools=[types.Tool(name="list_zones", input_schema={"type": "object"})])

async def call_tool(ctx, params):
    return types.CallToolResult(content=[types.TextContent(type="text", text="count: 1 zone")], structured_content=ZONE)

async def main():
    server = Server("echo", on_list_tools=list_tools, on_call_tool=call_tool)
    async with stdio_server() as (r, w):
        await server.run(r, w, server.create_initialization_options())

anyio.run(main)
"""


# The same constant answer through our stdio transport (cloudstack_mcp/stdio.py, no worker threads).
ECHO_FAST_SERVER = ECHO_SERVER.replace(
    "from mcp.server.stdio import stdio_server", "from cloudstack_mcp.server.stdio import stdio_streams as stdio_server"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_simulator(port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cloudstack_mcp",
            "simulator",
            "--port",
            str(port),
            "--api-spec",
            str(SPEC_420),
            "--api-key",
            KEY,
            "--secret-key",
            SECRET,
            "--job-seconds",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("endpoint:"):
            return proc
    raise SystemExit("the simulator did not start")


def server_env(endpoint: str, home: Path) -> dict[str, str]:
    return {
        "CLOUDSTACK_ENDPOINT": endpoint,
        "CLOUDSTACK_KEY": KEY,
        "CLOUDSTACK_SECRET": SECRET,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "CLOUDSTACK_MCP_CONFIRM_MODE": "allow",
    }


async def spawn_to_list(params: StdioServerParameters, marker: str) -> tuple[float, float, int]:
    """Wall time from spawn to the tools/list answer, and the server's CPU time by then (less load-sensitive)."""
    start = time.perf_counter()
    async with Client(params, mode="legacy") as client:
        tools = await client.list_tools()
        elapsed = time.perf_counter() - start
        pids = server_pids(marker)
        cpu = cpu_seconds(pids[0]) if pids else float("nan")
    return elapsed, cpu, len(tools.tools)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def server_pids(marker: str) -> list[int]:
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            env = (proc / "environ").read_bytes()
        except OSError:
            continue
        if (
            b"\0BENCH_MARKER=" + marker.encode() + b"\0" in b"\0" + env
            and b"simulator" not in cmd
            and b"python" in cmd[0]
        ):
            out.append(int(proc.name))
    return out


async def mcp_latency(
    params: StdioServerParameters, calls: int, mode: str, marker: str = ""
) -> tuple[list[float], float]:
    async with Client(params, mode=mode) as client:
        await client.list_tools()
        for _ in range(20):  # warm up
            await client.call_tool("list_zones", {})
        times = []
        for _ in range(calls):
            t = time.perf_counter()
            result = await client.call_tool("list_zones", {})
            times.append(time.perf_counter() - t)
            assert not result.is_error
        pids = server_pids(marker) if marker else []
        rss = rss_mb(pids[0]) if pids else float("nan")
    return times, rss


async def interleaved_latency(
    endpoint: str, servers: dict[str, tuple[StdioServerParameters, str]], calls: int, mode: str
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """`list_zones` through every server and a direct `cs` call, one call of each in turn.

    Returns the times by path ("cs" and each server) and each server's resident memory after the calls.
    """
    from cs import CloudStack

    cs = CloudStack(endpoint=endpoint, key=KEY, secret=SECRET)
    async with contextlib.AsyncExitStack() as stack:
        clients = {name: await stack.enter_async_context(Client(p, mode=mode)) for name, (p, _) in servers.items()}
        for client in clients.values():
            await client.list_tools()
            for _ in range(20):  # warm up
                await client.call_tool("list_zones", {})
        for _ in range(20):
            cs.listZones()
        times: dict[str, list[float]] = {"cs": [], **{name: [] for name in clients}}
        for _ in range(calls):
            t = time.perf_counter()
            cs.listZones()
            times["cs"].append(time.perf_counter() - t)
            for name, client in clients.items():
                t = time.perf_counter()
                result = await client.call_tool("list_zones", {})
                times[name].append(time.perf_counter() - t)
                assert not result.is_error
        rss = {}
        for name, (_, marker) in servers.items():
            pids = server_pids(marker) if marker else []
            rss[name] = rss_mb(pids[0]) if pids else float("nan")
    return times, rss


def cs_latency(endpoint: str, calls: int) -> list[float]:
    from cs import CloudStack

    cs = CloudStack(endpoint=endpoint, key=KEY, secret=SECRET)
    for _ in range(20):
        cs.listZones()
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        cs.listZones()
        times.append(time.perf_counter() - t)
    return times


async def client_latency(endpoint: str, calls: int) -> list[float]:
    from cloudstack_mcp.cloudstack.client import CloudStackClient
    from cloudstack_mcp.config import Settings

    settings = Settings(endpoint=endpoint, api_key=KEY, secret_key=SECRET)
    async with CloudStackClient(settings) as client:
        for _ in range(20):
            await client.call("listZones")
        times = []
        for _ in range(calls):
            t = time.perf_counter()
            await client.call("listZones")
            times.append(time.perf_counter() - t)
    return times


async def pipeline_latency(endpoint: str, calls: int, home: Path) -> list[float]:
    """The whole pipeline in process (validate, guard, client, render, scrub), without MCP."""
    from cloudstack_mcp.config import Settings
    from cloudstack_mcp.server.app import open_app

    settings = Settings(
        endpoint=endpoint, api_key=KEY, secret_key=SECRET, cache_dir=home / "cache" / "cloudstack-mcp", audit_log=None
    )
    async with open_app(settings) as app:
        tool = app.inventory.get("list_zones")
        assert tool is not None
        for _ in range(20):
            await app.pipeline.call_tool(tool, {})
        times = []
        for _ in range(calls):
            t = time.perf_counter()
            result = await app.pipeline.call_tool(tool, {})
            times.append(time.perf_counter() - t)
            assert not result.is_error
    return times


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.2f} ms"


async def main(runs: int, calls: int, baseline: Path | None) -> None:
    port = free_port()
    sim = start_simulator(port)
    endpoint = f"http://127.0.0.1:{port}/client/api"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            env = server_env(endpoint, home)
            sync = subprocess.run(
                [sys.executable, "-m", "cloudstack_mcp", "sync"],
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                cwd=tmp,
            )
            print(sync.stdout.strip() or sync.stderr.strip())
            versions = {"": None} if baseline is None else {"": None, " (baseline)": str(baseline)}

            def ours(
                *args: str, marker: str = "", path: str | None = None, cache: Path | None = None
            ) -> StdioServerParameters:
                extra = {"PYTHONPATH": path} if path else {}
                if cache is not None:
                    extra["XDG_CACHE_HOME"] = str(cache)
                return StdioServerParameters(
                    command=sys.executable,
                    args=["-m", "cloudstack_mcp", *args],
                    env={**env, "BENCH_MARKER": marker, **extra},
                    cwd=tmp,
                )

            # "Listing not cached" starts from a cache directory of its own holding only the catalog.
            cold = home / "cold-cache"
            (cold / "cloudstack-mcp").mkdir(parents=True)
            for catalog in (home / "cache" / "cloudstack-mcp").glob("catalog-*.json"):
                shutil.copy(catalog, cold / "cloudstack-mcp" / catalog.name)

            def forget_listings() -> None:
                for old in (cold / "cloudstack-mcp").glob("listing-*.json"):
                    old.unlink()

            bare = StdioServerParameters(
                command=sys.executable, args=["-c", BARE_SERVER], env={"BENCH_MARKER": "bench-bare"}, cwd=tmp
            )
            cases: list[tuple[str, StdioServerParameters, str, Any]] = [("bare", bare, "bench-bare", None)]
            for label, path in versions.items():
                tag = "-base" if path else ""
                cases += [
                    (
                        f"all{label}",
                        ours("--toolsets", "all", marker=f"bench-all{tag}", path=path),
                        f"bench-all{tag}",
                        None,
                    ),
                    (
                        f"all, listing not cached{label}",
                        ours("--toolsets", "all", marker=f"bench-cold{tag}", path=path, cache=cold),
                        f"bench-cold{tag}",
                        forget_listings,
                    ),
                    (f"default{label}", ours(marker=f"bench-default{tag}", path=path), f"bench-default{tag}", None),
                ]
            for _name, params, tag, _before in cases[1:]:  # the first start after `sync` caches the listing
                await spawn_to_list(params, tag)
            wall: dict[str, list[float]] = {name: [] for name, *_ in cases}
            cpu: dict[str, list[float]] = {name: [] for name, *_ in cases}
            counts: dict[str, int] = {}
            for _ in range(runs):  # interleaved, so machine noise hits every case alike
                for name, params, tag, before in cases:
                    if before is not None:
                        before()
                    elapsed, used, count = await spawn_to_list(params, tag)
                    wall[name].append(elapsed)
                    cpu[name].append(used)
                    counts[name] = count
            bare_wall = statistics.median(wall["bare"]) * 1000
            bare_cpu = statistics.median(cpu["bare"]) * 1000
            print(f"\nspawn -> first tools/list answer (median of {runs}, stdio, catalog cached)")
            print(
                f"  {'server':<34} {'tools':>5}  {'wall':>8}  {'(+ over bare)':>13}  {'server CPU':>10}  {'(+ over bare)':>13}"
            )
            for name, *_ in cases:
                w = statistics.median(wall[name]) * 1000
                c = statistics.median(cpu[name]) * 1000
                print(
                    f"  {name:<34} {counts[name]:>5}  {w:6.0f} ms  {f'+{w - bare_wall:.0f} ms':>13}  "
                    f"{c:7.0f} ms  {f'+{c - bare_cpu:.0f} ms':>13}"
                )

            own_times = await client_latency(endpoint, calls)
            pipe_times = await pipeline_latency(endpoint, calls, home)
            echo = StdioServerParameters(command=sys.executable, args=["-c", ECHO_SERVER], cwd=tmp)
            echo_fast = StdioServerParameters(command=sys.executable, args=["-c", ECHO_FAST_SERVER], cwd=ROOT)
            servers = {"MCP SDK floor, constant answer": (echo, ""), "  the same, our stdio transport": (echo_fast, "")}
            for label, path in versions.items():
                tag = f"bench-{os.getpid()}{'-base' if path else ''}"
                servers[f"through MCP, stdio{label}"] = (ours("--toolsets", "all", marker=tag, path=path), tag)
            print(f"\nlist_zones latency (median of {calls} calls each, same simulator)")
            print(f"  our client alone (no MCP)                    {ms(own_times)}")
            print(f"  our whole pipeline, in process               {ms(pipe_times)}")
            rss: dict[str, float] = {}
            for mode in ("legacy", "auto"):
                era = "handshake era" if mode == "legacy" else "2026-07-28"
                times, rss = await interleaved_latency(endpoint, servers, calls, mode)
                cs_median = statistics.median(times["cs"])
                print(f"  [{era}, calls taken in turn]")
                for name, values in times.items():
                    label = "direct cs call" if name == "cs" else name
                    added = (statistics.median(values) - cs_median) * 1000
                    print(f"    {label:<42} {ms(values)}" + (f"  (+{added:.2f} ms over cs)" if name != "cs" else ""))
            print(f"\nserver resident memory, all 864 tools listed, after {2 * (calls + 20)} calls")
            for name, mb in rss.items():
                if name.startswith("through MCP"):
                    print(f"  {'ours' + name.removeprefix('through MCP, stdio'):<20} {mb:.0f} MB")
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        if sim.stdout:
            sim.stdout.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--baseline", type=Path, help="a directory holding another cloudstack_mcp package")
    opts = parser.parse_args()
    anyio.run(main, opts.runs, opts.calls, opts.baseline)
