"""Soak: minutes of mixed calls through the MCP server over stdio with injected faults.

    python bench/soak.py [--minutes 10] [--workers 4] [--fault-rate 0.05] [--seed 1] [--json FILE]

The simulator (4.20 spec) runs in this process with fault rules on every API: dropped connections,
HTML 502 pages, empty 503/429 answers, truncated JSON, CloudStack 530 errors and answers slower than
the server's timeout, together `--fault-rate` of all requests; plus async jobs that fail (1% of
deploys) or never end (0.3% of jobs). The server runs as its own process (`python -m cloudstack_mcp`,
timeout 1 s, job timeout 3 s), driven by `--workers` concurrent tasks through one MCP session: reads
(lists, paging, search, job queries), changes (deploy and destroy VMs, create and delete volumes, tag
VMs), and some invalid input. Like a careful agent, after an OUTCOME UNKNOWN a worker runs the check
call the result names and adopts what it finds; it never resends a change.

Checks, printed at the end (exit status 1 if one fails):
- crashes: JSON-RPC errors, "internal error" results, exceptions in the client, server exit or
  tracebacks in its log: all zero;
- duplicate changes: every change carries its own key (VM or volume name, the id it destroys or
  deletes, a tag value); no key reached the simulator twice;
- memory: the server's resident memory (VmRSS from /proc) sampled every 5 s; growth after the
  first minute, and its slope over the last two thirds of the run, must stay small.
Figures go to BENCHMARKS.md ("Reliability").
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shlex
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cloudstack_mcp.catalog.model import Catalog  # noqa: E402
from cloudstack_mcp.simulator import FaultRule, Simulator  # noqa: E402
from tests.apidata import bench_spec_420  # noqa: E402

SPEC_420 = bench_spec_420()
HTTP_FAULTS = [
    {"kind": "drop"},
    {"kind": "html", "code": 502},
    {"kind": "status", "code": 503},
    {"kind": "status", "code": 429},
    {"kind": "malformed"},
    {"kind": "error", "code": 530, "text": "simulated database hiccup"},
    {"kind": "latency", "seconds": 1.5},  # past the server's 1 s timeout
]
# What identifies one change, so a second request for it shows as a duplicate.
CHANGE_KEYS = {
    "deployVirtualMachine": "name",
    "destroyVirtualMachine": "id",
    "createVolume": "name",
    "deleteVolume": "id",
    "createTags": "tags[0].value",
}


def fault_rules(rate: float) -> list[FaultRule]:
    # Each rule fires independently; together they hit `rate` of the requests.
    each = 1 - (1 - rate) ** (1 / len(HTTP_FAULTS))
    rules = [FaultRule(api="*", probability=each, **spec) for spec in HTTP_FAULTS]
    rules.append(FaultRule(api="deployVirtualMachine", kind="job_fail", code=533, probability=0.01))
    rules.append(FaultRule(api="*", kind="job_slow", seconds=None, probability=0.003))
    return rules


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def open_fds(pid: int) -> int | None:
    try:
        return len(list(Path(f"/proc/{pid}/fd").iterdir()))
    except OSError:
        return None


def server_pid() -> int | None:
    """The spawned server: a child of this process running cloudstack_mcp."""
    me = os.getpid()
    for task in Path(f"/proc/{me}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            try:
                cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if b"cloudstack_mcp" in cmd:
                return int(child)
    return None


@dataclass
class Tally:
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    latencies: list[float] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    keys: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    sim_requests: int = 0
    rss: list[tuple[float, int]] = field(default_factory=list)
    fds: list[int] = field(default_factory=list)


@dataclass
class World:
    """What the workers created and may still act on (ids of live VMs and volumes)."""

    zone: str
    offering: str
    template: str
    disk_offering: str
    vms: dict[str, str] = field(default_factory=dict)
    volumes: dict[str, str] = field(default_factory=dict)
    jobs: list[str] = field(default_factory=list)
    serial: int = 0

    def name(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial}"


def text_of(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


async def call(client: Client, tally: Tally, tool: str, args: dict[str, Any]) -> Any:
    tally.calls[tool] += 1
    start = time.monotonic()
    try:
        result = await client.call_tool(tool, args)
    except MCPError as exc:
        tally.crashes.append(f"{tool}: JSON-RPC error {exc.error.code}: {exc.error.message}")
        return None
    except Exception as exc:  # the session broke
        tally.crashes.append(f"{tool}: {type(exc).__name__}: {exc}")
        return None
    tally.latencies.append(time.monotonic() - start)
    message = text_of(result)
    if "internal error in cloudstack-mcp" in message:
        tally.crashes.append(f"{tool}: {message[:300]}")
    if not result.is_error:
        tally.outcomes["ok"] += 1
    elif "OUTCOME UNKNOWN" in message:
        tally.outcomes["outcome unknown"] += 1
    elif message.startswith("invalid arguments"):
        tally.outcomes["invalid input refused"] += 1
    else:
        tally.outcomes["clear error"] += 1
    return result


def vm_from(result: Any) -> dict[str, Any] | None:
    data = result.structured_content or {}
    job = data.get("jobresult") if isinstance(data, dict) else None
    vm = job.get("virtualmachine") if isinstance(job, dict) else None
    return vm if isinstance(vm, dict) else None


async def adopt(client: Client, tally: Tally, tool: str, args: dict[str, Any], kind: str) -> str | None:
    """After OUTCOME UNKNOWN: run the check call and return the id of what it finds (if it happened)."""
    tally.outcomes["check calls run"] += 1
    result = await call(client, tally, tool, args)
    if result is None or result.is_error:
        return None
    rows = (result.structured_content or {}).get(kind) or []
    if rows:
        tally.outcomes["unknown outcomes that had happened"] += 1
        return str(rows[0]["id"])
    return None


async def op_deploy(client: Client, tally: Tally, world: World, rng: random.Random) -> None:
    if len(world.vms) >= 25:
        return await op_destroy(client, tally, world, rng)
    name = world.name("soak-vm")
    args = {"zoneid": world.zone, "serviceofferingid": world.offering, "templateid": world.template, "name": name}
    result = await call(client, tally, "deploy_virtual_machine", args)
    if result is None:
        return
    message = text_of(result)
    vm = vm_from(result)
    if vm is not None:
        world.vms[str(vm["id"])] = name
    elif "OUTCOME UNKNOWN" in message:
        found = await adopt(client, tally, "list_virtual_machines", {"name": name}, "virtualmachine")
        if found:
            world.vms[found] = name
    elif "still running" in message and result.structured_content:
        world.jobs.append(str(result.structured_content.get("jobid")))


async def op_destroy(client: Client, tally: Tally, world: World, rng: random.Random) -> None:
    if not world.vms:
        return
    vm_id = rng.choice(sorted(world.vms))
    world.vms.pop(vm_id)  # never destroyed twice, whatever the outcome
    await call(client, tally, "destroy_virtual_machine", {"id": vm_id, "expunge": True})


async def op_create_volume(client: Client, tally: Tally, world: World, rng: random.Random) -> None:
    if len(world.volumes) >= 25:
        return await op_delete_volume(client, tally, world, rng)
    name = world.name("soak-vol")
    args = {"name": name, "zoneid": world.zone, "diskofferingid": world.disk_offering}
    result = await call(client, tally, "create_volume", args)
    if result is None:
        return
    data = result.structured_content or {}
    volume = (data.get("jobresult") or {}).get("volume") if isinstance(data, dict) else None
    if isinstance(volume, dict):
        world.volumes[str(volume["id"])] = name
    elif "OUTCOME UNKNOWN" in text_of(result):
        found = await adopt(client, tally, "list_volumes", {"name": name}, "volume")
        if found:
            world.volumes[found] = name


async def op_delete_volume(client: Client, tally: Tally, world: World, rng: random.Random) -> None:
    if not world.volumes:
        return
    volume_id = rng.choice(sorted(world.volumes))
    world.volumes.pop(volume_id)
    await call(client, tally, "delete_volume", {"id": volume_id})


async def op_tag(client: Client, tally: Tally, world: World, rng: random.Random) -> None:
    if not world.vms:
        return
    vm_id = rng.choice(sorted(world.vms))
    args = {"resourceids": [vm_id], "resourcetype": "UserVm", "tags": {"soak": world.name("tag")}}
    await call(client, tally, "create_tags", args)


READS: list[tuple[str, dict[str, Any]]] = [
    ("list_zones", {}),
    ("list_virtual_machines", {"fields": ["id", "name", "state"]}),
    ("list_virtual_machines", {"fetch_all": True}),
    ("list_hosts", {}),
    ("list_volumes", {}),
    ("list_service_offerings", {}),
    ("list_templates", {"templatefilter": "featured"}),
    ("list_networks", {}),
    ("list_async_jobs", {"page": 1, "pagesize": 50}),  # the simulator keeps every job: read a page
    ("search_apis", {"query": "stop a virtual machine"}),
]
INVALID: list[tuple[str, dict[str, Any]]] = [
    ("list_zones", {"nosuch": 1}),
    ("deploy_virtual_machine", {"zoneid": "z"}),
    ("list_virtual_machines", {"page": "first"}),
]


async def worker(client: Client, tally: Tally, world: World, seed: int, until: float) -> None:
    rng = random.Random(seed)
    changes = [(op_deploy, 8), (op_destroy, 4), (op_create_volume, 5), (op_delete_volume, 3), (op_tag, 5)]
    while time.monotonic() < until:
        roll = rng.random()
        if roll < 0.72:
            tool, args = rng.choice(READS)
            await call(client, tally, tool, args)
        elif roll < 0.75:
            tool, args = rng.choice(INVALID)
            await call(client, tally, tool, args)
        elif roll < 0.77 and world.jobs:
            await call(client, tally, "query_async_job_result", {"jobid": rng.choice(world.jobs)})
        else:
            op = rng.choices([c[0] for c in changes], weights=[c[1] for c in changes])[0]
            await op(client, tally, world, rng)


def drain(sim: Simulator, tally: Tally) -> None:
    """Count the changes the simulator received (by their key), then drop the records (bounded memory)."""
    records = sim.requests
    n = len(records)
    for record in records[:n]:
        key = CHANGE_KEYS.get(record.command or "")
        if key is not None:
            tally.keys[(record.command or "", record.params.get(key, "?"))] += 1
    del records[:n]
    tally.sim_requests += n


async def monitor(sim: Simulator, tally: Tally, pid: int, start: float, until: float, quiet: bool) -> None:
    next_report = start + 60
    while time.monotonic() < until:
        await anyio.sleep(5)
        drain(sim, tally)
        kb, fds = rss_kb(pid), open_fds(pid)
        if kb is not None:
            tally.rss.append((time.monotonic() - start, kb))
        if fds is not None:
            tally.fds.append(fds)
        if not quiet and time.monotonic() >= next_report:
            next_report += 60
            done = sum(tally.calls.values())
            print(
                f"  {(time.monotonic() - start) / 60:4.1f} min: {done} calls, RSS {kb / 1024 if kb else 0:.1f} MB, "
                f"{fds} open files, {len(tally.crashes)} crashes",
                flush=True,
            )


def slope_mb_per_min(points: list[tuple[float, int]]) -> float:
    if len(points) < 3:
        return 0.0
    xs = [t / 60 for t, _ in points]
    ys = [kb / 1024 for _, kb in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    catalog = Catalog.load(SPEC_420)
    sim = Simulator(catalog, job_seconds=0.05, faults=fault_rules(args.fault_rate))
    sim.faults._random.seed(args.seed)
    with sim.running(), tempfile.TemporaryDirectory() as tmp:
        store = sim.cloud.store
        world = World(
            zone=str(next(iter(store.all("ZoneResponse")))["id"]),
            offering=str(next(iter(store.all("ServiceOfferingResponse")))["id"]),
            template=str(next(iter(store.all("TemplateResponse")))["id"]),
            disk_offering=str(next(iter(store.all("DiskOfferingResponse")))["id"]),
        )
        admin = sim.credentials["admin"]
        log = Path(tmp) / "server.log"
        env = {
            "HOME": tmp,
            "XDG_CACHE_HOME": f"{tmp}/cache",
            "XDG_STATE_HOME": f"{tmp}/state",
            "CLOUDSTACK_ENDPOINT": sim.endpoint,
            "CLOUDSTACK_KEY": admin.api_key,
            "CLOUDSTACK_SECRET": admin.secret_key,
            "CLOUDSTACK_TIMEOUT": "1",
            "CLOUDSTACK_MCP_JOB_TIMEOUT": "3",
            "CLOUDSTACK_MCP_POLL_INTERVAL": "0.05",
            "CLOUDSTACK_MCP_RETRY_BACKOFF": "0.1",
            "CLOUDSTACK_MCP_CONFIRM_MODE": "allow",
            "CLOUDSTACK_MCP_TOOLSETS": "vm,volume,tag",
            "CLOUDSTACK_MCP_TOOLS": "list_zones,list_hosts,list_service_offerings,list_templates,list_networks,"
            "list_async_jobs,query_async_job_result",
            "PATH": os.environ.get("PATH", ""),
        }
        command = f"exec {shlex.quote(sys.executable)} -m cloudstack_mcp --api-spec {shlex.quote(str(SPEC_420))}"
        params = StdioServerParameters(
            command="sh", args=["-c", f"{command} 2>>{shlex.quote(str(log))}"], env=env, cwd=str(ROOT)
        )
        tally = Tally()
        async with Client(params) as client:
            pid = server_pid()
            if pid is None:
                raise SystemExit("could not find the server process")
            await call(client, tally, "list_zones", {})  # warm up: the client fetches tools/list once
            start = time.monotonic()
            until = start + args.minutes * 60
            async with anyio.create_task_group() as tg:
                tg.start_soon(monitor, sim, tally, pid, start, until, args.quiet)
                for i in range(args.workers):
                    tg.start_soon(worker, client, tally, world, args.seed * 100 + i, until)
            elapsed = time.monotonic() - start
            alive = rss_kb(pid) is not None
            final = await call(client, tally, "list_zones", {})
            drain(sim, tally)
        server_log = log.read_text(errors="replace") if log.exists() else ""
    tracebacks = server_log.count("Traceback")
    duplicates = {f"{cmd} {key}": n for (cmd, key), n in tally.keys.items() if n > 1}
    rss = tally.rss
    after_warmup = [p for p in rss if p[0] >= min(60.0, elapsed / 3)] or rss
    tail = [p for p in rss if p[0] >= elapsed / 3] or rss
    lat = sorted(tally.latencies)
    return {
        "minutes": round(elapsed / 60, 2),
        "workers": args.workers,
        "fault_rate": args.fault_rate,
        "calls": sum(tally.calls.values()),
        "calls_per_s": round(sum(tally.calls.values()) / elapsed, 1),
        "changes_sent": sum(tally.keys.values()),
        "simulator_requests": tally.sim_requests,
        "faults_injected": sum(r.applied for r in sim.faults.rules),
        "faults_by_kind": {f"{r.kind}{'-' + str(r.code) if r.code else ''}": r.applied for r in sim.faults.rules},
        "outcomes": dict(tally.outcomes),
        "latency_ms": {
            "median": round(statistics.median(lat) * 1000, 1) if lat else None,
            "p95": round(lat[int(len(lat) * 0.95)] * 1000, 1) if lat else None,
            "max": round(lat[-1] * 1000, 1) if lat else None,
        },
        "crashes": len(tally.crashes) + (0 if alive else 1) + tracebacks + (0 if final and not final.is_error else 1),
        "crash_samples": tally.crashes[:5],
        "server_alive": alive,
        "server_log_tracebacks": tracebacks,
        "duplicate_changes": len(duplicates),
        "duplicate_samples": dict(list(duplicates.items())[:5]),
        "rss_mb": {
            "first_sample": round(rss[0][1] / 1024, 1) if rss else None,
            "after_warmup": round(after_warmup[0][1] / 1024, 1) if after_warmup else None,
            "end": round(rss[-1][1] / 1024, 1) if rss else None,
            "max": round(max(kb for _, kb in rss) / 1024, 1) if rss else None,
            "slope_mb_per_min_last_two_thirds": round(slope_mb_per_min(tail), 3),
        },
        "open_files": {
            "first_sample": tally.fds[0] if tally.fds else None,
            "end": tally.fds[-1] if tally.fds else None,
            "max": max(tally.fds) if tally.fds else None,
        },
        "simulator_internal_errors": len(sim.internal_errors),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    parser.add_argument("--workers", type=int, default=4, help="concurrent callers in the one session (default 4)")
    parser.add_argument("--fault-rate", type=float, default=0.05, help="share of requests that fail (default 0.05)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args()
    print(
        f"soak: {args.minutes:g} min, {args.workers} workers, {args.fault_rate:.0%} faults, seed {args.seed}",
        flush=True,
    )
    report = anyio.run(soak, args)
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    growth = (report["rss_mb"]["end"] or 0) - (report["rss_mb"]["after_warmup"] or 0)
    flat = growth < 20 and report["rss_mb"]["slope_mb_per_min_last_two_thirds"] < 1.0
    ok = report["crashes"] == 0 and report["duplicate_changes"] == 0 and flat
    print(
        f"\ncrashes {report['crashes']}, duplicate changes {report['duplicate_changes']}, "
        f"RSS {report['rss_mb']['after_warmup']} -> {report['rss_mb']['end']} MB "
        f"({report['rss_mb']['slope_mb_per_min_last_two_thirds']:+.3f} MB/min): {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
