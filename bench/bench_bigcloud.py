"""A 20,000-VM cloud: counts by state and by zone, and fetch_all, with the server's peak memory.

    python bench/bench_bigcloud.py [--vms 20000] [--baseline DIR]

The simulator runs in a process of its own holding the VMs (spread over three zones and four states).
Each case runs in a fresh `cloudstack-mcp` process over stdio (the SDK's client), so its peak resident
memory (VmHWM) belongs to that case alone:
  count_by state, count_by zonename, count_by zonename+state, and fetch_all=true, all with --max-pages 100
  (pagesize 500: 40 pages). Prints wall time, answer size and the server's peak memory.
`--baseline DIR` runs the same cases on another version of the package side by side (DIR holds its
`cloudstack_mcp`, e.g. `git archive b6b6fad cloudstack_mcp | tar -x -C DIR`: before streaming pages).
"""

from __future__ import annotations

import argparse
import json
import os
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

SIMULATOR = r"""
import json, sys
from cloudstack_mcp.simulator import Simulator
from cloudstack_mcp.simulator.backend.domain.vms import build_vm

count = int(sys.argv[1])
sim = Simulator(job_seconds=0)
store = sim.cloud.store
owner = store.first("AccountResponse", name="admin")
network = next(n for n in store.all("NetworkResponse") if n.get("_owner") == owner["id"])
template = next(t for t in store.all("TemplateResponse") if t.get("templatetype") == "USER")
offering = next(iter(store.all("ServiceOfferingResponse")))
host = next(iter(store.all("HostResponse")))
pool = next(iter(store.all("StoragePoolResponse")))
zone = next(iter(store.all("ZoneResponse")))
states = ["Running", "Running", "Running", "Stopped", "Stopped", "Error", "Starting"]
zones = [zone["name"], "fra-zone2", "lon-zone3"]
for i in range(count):
    vm = build_vm(store, name=f"big-{i}", owner=owner, zone=zone, network=network, template=template,
                  offering=offering, host=host, pool=pool)
    vm["state"] = states[i % len(states)]
    vm["zonename"] = zones[i % 3]
with sim.running() as running:
    admin = running.credentials["admin"]
    print(json.dumps({"endpoint": running.endpoint, "key": admin.api_key, "secret": admin.secret_key}), flush=True)
    sys.stdin.read()
"""

CASES: list[tuple[str, dict[str, Any]]] = [
    ("count_by state", {"count_by": ["state"], "listall": True}),
    ("count_by zonename", {"count_by": ["zonename"], "listall": True}),
    ("count_by zonename+state", {"count_by": ["zonename", "state"], "listall": True}),
    ("fetch_all", {"fetch_all": True, "listall": True}),
]


def peak_rss_mb(marker: str) -> float:
    """VmHWM of the server process whose command line holds `marker` (its own cache dir)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            if marker in cmdline and "cloudstack_mcp" in cmdline:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            continue
    return float("nan")


async def run_case(package: Path, sim: dict[str, str], arguments: dict[str, Any]) -> tuple[float, int, float, bool]:
    cache = tempfile.mkdtemp(prefix="bigcloud-")
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "PYTHONPATH": str(package),
        "CLOUDSTACK_ENDPOINT": sim["endpoint"],
        "CLOUDSTACK_KEY": sim["key"],
        "CLOUDSTACK_SECRET": sim["secret"],
        "XDG_CACHE_HOME": cache,
        "XDG_STATE_HOME": cache,
    }
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "cloudstack_mcp", "--max-pages", "100", "--cache-dir", cache, "--timeout", "120"],
        env=env,
        cwd=cache,  # `python -m` puts the working directory first on sys.path: PYTHONPATH must decide
    )
    async with Client(params) as client:
        await client.list_tools()
        started = time.perf_counter()
        if "count_by" in arguments and not await _has_count_by(client):
            return float("nan"), 0, peak_rss_mb(cache), False
        result = await client.call_tool("list_virtual_machines", arguments)
        elapsed = time.perf_counter() - started
        size = sum(len(b.text.encode()) for b in result.content if hasattr(b, "text"))
        structured = len(json.dumps(result.structured_content or {}).encode())
        peak = peak_rss_mb(cache)
        return elapsed, max(size, structured), peak, not result.is_error


async def _has_count_by(client: Client) -> bool:
    tools = (await client.list_tools()).tools
    vm = next(t for t in tools if t.name == "list_virtual_machines")
    return "count_by" in vm.input_schema.get("properties", {})


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vms", type=int, default=20000)
    parser.add_argument("--baseline", type=Path, help="another version's package folder, run side by side")
    args = parser.parse_args()
    proc = subprocess.Popen(
        [sys.executable, "-c", SIMULATOR, str(args.vms)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        sim = json.loads(proc.stdout.readline())
        versions = [("this", ROOT)] + ([("baseline", args.baseline)] if args.baseline else [])
        print(f"{args.vms:,} VMs (+ the seed's), pagesize 500, --max-pages 100")
        print(f"{'case':<26} {'version':<9} {'seconds':>8} {'answer B':>9} {'peak MB':>8}")
        for name, arguments in CASES:
            for label, package in versions:
                elapsed, size, peak, ok = await run_case(package, sim, arguments)
                if not ok:
                    print(f"{name:<26} {label:<9} {'(not supported)':>27}")
                    continue
                print(f"{name:<26} {label:<9} {elapsed:>8.2f} {size:>9,} {peak:>8.0f}")
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=30)


if __name__ == "__main__":
    anyio.run(main)
