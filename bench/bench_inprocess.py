"""The simulator in process vs over HTTP: median latency of one signed call through our client.

    python bench/bench_inprocess.py [--calls 300] [--runs 5]

Both paths use the same CloudStackClient (signing, parsing) and the same simulator protocol handler;
the in-process one skips the socket, the HTTP parsing and the simulator's event-loop thread. Prints
medians (ms per call) and their ratio; figures go to BENCHMARKS.md ("Test transport").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import anyio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cloudstack_mcp.cloudstack.client import CloudStackClient  # noqa: E402
from cloudstack_mcp.config import Settings  # noqa: E402
from cloudstack_mcp.simulator import Simulator  # noqa: E402
from cloudstack_mcp.simulator.wire.inprocess import InProcessTransport  # noqa: E402


async def per_call(client: CloudStackClient, calls: int) -> float:
    await client.call("listZones")  # warm: connection, caches
    started = time.perf_counter()
    for _ in range(calls):
        await client.call("listZones")
    return (time.perf_counter() - started) / calls * 1000


async def main_async(calls: int, runs: int) -> None:
    with Simulator(job_seconds=0).running() as sim:
        admin = sim.credentials["admin"]
        settings = Settings(endpoint=sim.endpoint, api_key=admin.api_key, secret_key=admin.secret_key)
        http, inproc = [], []
        async with (
            CloudStackClient(settings) as over_http,
            CloudStackClient(settings, transport=InProcessTransport(sim.protocol)) as in_process,
        ):
            for _ in range(runs):  # interleaved, so machine noise hits both alike
                http.append(await per_call(over_http, calls))
                inproc.append(await per_call(in_process, calls))
    h, i = statistics.median(http), statistics.median(inproc)
    print(f"listZones through CloudStackClient, median of {runs} runs x {calls} calls")
    print(f"  over HTTP (127.0.0.1)  {h:6.2f} ms/call")
    print(f"  in process             {i:6.2f} ms/call   ({h / i:.1f}x faster)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    anyio.run(main_async, args.calls, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
