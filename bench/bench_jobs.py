"""Job latency: how soon after an async job ends its call answers, and how many polls that takes.

    python bench/bench_jobs.py [--durations 1,5,30] [--runs 3] [--json]

For each job duration (the simulator's `job_seconds`: the job ends that long after it was submitted),
`--runs` deploys run at once through the server (the SDK's in-process client over our real Server,
default settings: polls every max(0.45 s, 9% of the job's age), at most 5 s apart; wait budget 40 s).
Measured per job:

- added delay: the moment the call's answer reaches the client minus the moment the simulator's
  job ended (both `time.monotonic()` of this one process);
- polls: the `queryAsyncJobResult` requests the simulator received for that job id.

Prints medians and the bound max(0.5 s, 10% of the duration); figures go to BENCHMARKS.md ("Job latency").
All durations run at the same time, so the whole run takes about the longest duration.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mcp import Client  # noqa: E402

from cloudstack_mcp.config import Settings  # noqa: E402
from cloudstack_mcp.server.app import create_server, open_app  # noqa: E402
from cloudstack_mcp.simulator import FaultRule, Simulator  # noqa: E402


def deploy_args(sim: Simulator) -> dict[str, str]:
    store = sim.cloud.store
    pick = {
        "zoneid": "ZoneResponse",
        "serviceofferingid": "ServiceOfferingResponse",
        "templateid": "TemplateResponse",
    }
    return {name: str(next(iter(store.all(kind)))["id"]) for name, kind in pick.items()}


async def run(durations: list[float], runs: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, Simulator(job_seconds=0).running() as sim:
        # The fault layer's job_slow, one rule per duration: the first `runs` deploys get the first duration...
        sim.faults.add(FaultRule(api="deployVirtualMachine", kind="job_slow", seconds=0, times=1))  # warm-up
        for seconds in durations:
            sim.faults.add(FaultRule(api="deployVirtualMachine", kind="job_slow", seconds=seconds, times=runs))
        admin = sim.credentials["admin"]
        settings = Settings(
            endpoint=sim.endpoint,
            api_key=admin.api_key,
            secret_key=admin.secret_key,
            cache_dir=Path(tmp) / "cache",
            audit_log=Path(tmp) / "audit.jsonl",
            toolsets=("all",),
        )
        base = deploy_args(sim)
        async with open_app(settings, catalog=sim.catalog) as app, Client(create_server(app)) as client:

            async def one(seconds: float, index: int) -> None:
                args = {**base, "name": f"bench-{str(seconds).replace('.', '-')}-{index}"}
                result = await client.call_tool("deploy_virtual_machine", args)
                answered = time.monotonic()
                data = result.structured_content or {}
                jobid = str(data.get("jobid"))
                job = sim.cloud.jobs.get(jobid)
                polls = sum(
                    1 for r in sim.requests if r.command == "queryAsyncJobResult" and r.params.get("jobid") == jobid
                )
                rows.append(
                    {
                        "duration": seconds,
                        "status": data.get("jobstatus"),
                        "added": answered - job["_due"] if job else None,
                        "polls": polls,
                    }
                )

            await client.call_tool("deploy_virtual_machine", {**base, "name": "bench-warm-up"})  # first-call costs
            # Rules apply in the order the deploys arrive: start each duration's runs together, in order.
            async with anyio.create_task_group() as tg:
                for seconds in durations:
                    for index in range(runs):
                        tg.start_soon(one, seconds, index)
                        await anyio.sleep(0.05)  # keep the arrival order = the rules' order
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", default="1,5,30", help="job durations in seconds (comma-separated)")
    parser.add_argument("--runs", type=int, default=3, help="jobs per duration (run at once)")
    parser.add_argument("--json", action="store_true", help="one JSON line per duration")
    args = parser.parse_args(argv)
    durations = [float(d) for d in args.durations.split(",") if d.strip()]
    rows = anyio.run(run, durations, args.runs)
    print(f"{'job':>6} | {'added delay (median, max)':>26} | {'bound':>6} | {'polls (median)':>14} | {'polls/s':>7}")
    for seconds in durations:
        mine = [r for r in rows if r["duration"] == seconds and r["added"] is not None]
        if not mine:
            print(f"{seconds:>5g}s | no answer")
            continue
        added = [r["added"] for r in mine]
        polls = [r["polls"] for r in mine]
        summary = {
            "duration_s": seconds,
            "runs": len(mine),
            "succeeded": sum(1 for r in mine if r["status"] == 1),
            "added_median_s": round(statistics.median(added), 3),
            "added_max_s": round(max(added), 3),
            "bound_s": max(0.5, 0.1 * seconds),
            "polls_median": statistics.median(polls),
        }
        if args.json:
            print(json.dumps(summary))
        else:
            print(
                f"{seconds:>5g}s | {summary['added_median_s']:>12.3f} s, {summary['added_max_s']:.3f} s | "
                f"{summary['bound_s']:>5.1f}s | {summary['polls_median']:>14g} | {summary['polls_median'] / seconds:>7.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
