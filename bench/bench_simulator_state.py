"""What the embedded simulator's state file costs per request (simulator/backend/persist.py).

    python bench/bench_simulator_state.py [--runs 5] [--requests 300]

Signed requests from one keep-alive client against the simulator on a background thread, in memory
and with a state file: a read (`listZones`: lock, stat, pickle to compare, no write) and a write
(`createTags` on a VM: lock, stat, pickle, atomic write). Also the file's size and the time a second
simulator takes to load it. Prints medians of --runs runs; figures go to BENCHMARKS.md
("Simulator state file").
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx2 as httpx

from cloudstack_mcp.cloudstack.signing import sign
from cloudstack_mcp.simulator import Simulator


def _per_request(sim: Simulator, command: str, n: int, **extra: str) -> float:
    cred = sim.credentials["admin"]
    with httpx.Client(timeout=10) as http:
        started = time.perf_counter()
        for i in range(n):
            params = {"command": command, "response": "json", "apiKey": cred.api_key}
            params.update({k: v.format(i=i) for k, v in extra.items()})
            params["signature"] = sign(params, cred.secret_key)
            assert http.post(sim.endpoint, data=params).status_code == 200
        return (time.perf_counter() - started) / n * 1e6


def _one_run(n: int, state: Path | None) -> dict[str, float]:
    with Simulator(job_seconds=0, state_dir=state).running() as sim:
        vm = next(iter(sim.cloud.store.all("UserVmResponse")))["id"]
        out = {
            "read": _per_request(sim, "listZones", n),
            "write": _per_request(
                sim,
                "createTags",
                n,
                resourcetype="UserVm",
                **{"resourceids": vm, "tags[0].key": "k{i}", "tags[0].value": "v"},
            ),
        }
    if state is not None:
        path = next(state.glob("simulator-*.state"))
        out["bytes"] = path.stat().st_size
        started = time.perf_counter()
        Simulator(state_dir=state)
        out["load_ms"] = (time.perf_counter() - started) * 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()
    memory, persisted = [], []
    for _ in range(args.runs):
        memory.append(_one_run(args.requests, None))
        with tempfile.TemporaryDirectory() as tmp:
            persisted.append(_one_run(args.requests, Path(tmp)))

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    for key in ("read", "write"):
        a, b = med(memory, key), med(persisted, key)
        print(f"{key:<6} in memory {a:7.0f} us   state file {b:7.0f} us   x{b / a:.2f}   (+{b - a:.0f} us)")
    print(
        f"state file {med(persisted, 'bytes') / 1024:.0f} KiB after {args.requests} tags; "
        f"a new simulator loads it in {med(persisted, 'load_ms'):.0f} ms (seeding + load)"
    )


if __name__ == "__main__":
    main()
