"""Simulator benchmarks: requests per second, list paging over 2,000 VMs, memory, start-up.

    python bench/bench_simulator.py [--runs 5] [--requests 1000]

1. Signed `listZones` from one client (httpx2, keep-alive) against the simulator serving on a
   background thread, and the same call through `ApiProtocol.handle` in process (no HTTP), to show
   what the HTTP layer costs.
2. `listVirtualMachines` with 2,000 VMs in the cloud, pagesize 500 (one page per request, and all
   four pages).
3. Memory: bytes held by 10,000 more entities (5,000 VMs, each with its root volume), by tracemalloc.
4. Start-up: `Simulator()` with the built-in API, and with the 4.20 spec file, in fresh processes.

Prints medians of --runs runs; figures go to BENCHMARKS.md ("Simulator").
"""

from __future__ import annotations

import argparse
import gc
import http.client
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cloudstack_mcp.cloudstack.signing import sign  # noqa: E402
from cloudstack_mcp.simulator import Simulator  # noqa: E402
from cloudstack_mcp.simulator.backend.domain.vms import build_vm  # noqa: E402
from cloudstack_mcp.simulator.wire.protocol import HttpRequest  # noqa: E402
from tests.apidata import bench_spec_420  # noqa: E402

TARGET_RPS = 500
KEY, SECRET = "bench-key", "bench-secret"


def signed(sim: Simulator, command: str, **params: str) -> dict[str, str]:
    cred = sim.credentials["admin"]
    p = {"command": command, "response": "json", "apiKey": cred.api_key, **params}
    p["signature"] = sign(p, cred.secret_key)
    return p


def rate(call, n: int) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for _ in range(n):
        call()
    return n / (time.perf_counter() - started)


def add_vms(sim: Simulator, count: int) -> None:
    store = sim.cloud.store
    zone = next(iter(store.all("ZoneResponse")))
    owner = store.first("AccountResponse", name="admin")
    network = next(n for n in store.all("NetworkResponse") if n.get("_owner") == owner["id"])
    template = next(t for t in store.all("TemplateResponse") if t.get("templatetype") == "USER")
    offering = next(iter(store.all("ServiceOfferingResponse")))
    host = next(iter(store.all("HostResponse")))
    pool = next(iter(store.all("StoragePoolResponse")))
    for i in range(count):
        build_vm(
            store,
            name=f"bench-{i}",
            owner=owner,
            zone=zone,
            network=network,
            template=template,
            offering=offering,
            host=host,
            pool=pool,
        )


def serve_in_process_of_its_own(*extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cloudstack_mcp.simulator",
            "--port",
            "0",
            "--api-key",
            KEY,
            "--secret-key",
            SECRET,
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    proc.stdout.readline()  # type: ignore[union-attr]
    endpoint = proc.stdout.readline().split()[-1]  # type: ignore[union-attr]
    return proc, endpoint


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_requests(runs: int, n: int) -> None:
    params = {"command": "listZones", "response": "json", "apiKey": KEY}
    params["signature"] = sign(params, SECRET)
    query = "/client/api?" + str(httpx.QueryParams(params))
    proc, endpoint = serve_in_process_of_its_own()
    try:
        with httpx.Client() as client:
            assert client.get(endpoint, params=params).status_code == 200
            cpu_before, wall_before = cpu_seconds(proc.pid), time.perf_counter()
            own = [rate(lambda: client.get(endpoint, params=params), n) for _ in range(runs)]
            busy = (cpu_seconds(proc.pid) - cpu_before) / (time.perf_counter() - wall_before)
        port = int(endpoint.split(":")[2].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port)

        def plain() -> None:
            conn.request("GET", query)
            conn.getresponse().read()

        raw = [rate(plain, n) for _ in range(runs)]
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    sim = Simulator(api_key=KEY, secret_key=SECRET)
    with sim.running(), httpx.Client() as client:
        threaded = [rate(lambda: client.get(sim.endpoint, params=params), n // 4) for _ in range(runs)]
    request = HttpRequest("GET", query, {}, b"")
    handle = [rate(lambda: sim.protocol.handle(request), n) for _ in range(runs)]
    o = statistics.median(own)
    print(
        f"signed listZones, simulator in its own process, one httpx2 keep-alive client: {o:,.0f} req/s median "
        f"({o / TARGET_RPS:.1f}x the {TARGET_RPS} req/s aim)"
    )
    print(
        f"  the simulator process was busy {busy:.0%} of one core at that rate (the client is the limit): "
        f"~{o / max(busy, 1e-9):,.0f} req/s per core of server time"
    )
    print(f"  same with http.client (lighter client): {statistics.median(raw):,.0f} req/s")
    print(
        f"  simulator on a thread of the client's process (tests' mode), httpx2: {statistics.median(threaded):,.0f} req/s"
    )
    print(f"  in process, no HTTP (ApiProtocol.handle): {statistics.median(handle):,.0f} req/s")


def bench_list(runs: int) -> None:
    sim = Simulator()
    add_vms(sim, 2000 - sim.cloud.store.count("UserVmResponse"))
    with sim.running(), httpx.Client() as client:
        page1 = signed(sim, "listVirtualMachines", listall="true", pagesize="500", page="1")
        body = client.get(sim.endpoint, params=page1).json()["listvirtualmachinesresponse"]
        assert body["count"] == 2000 and len(body["virtualmachine"]) == 500
        size = len(client.get(sim.endpoint, params=page1).content)
        one = [rate(lambda: client.get(sim.endpoint, params=page1), 20) for _ in range(runs)]
        pages = [signed(sim, "listVirtualMachines", listall="true", pagesize="500", page=str(i)) for i in range(1, 5)]
        every = [rate(lambda: [client.get(sim.endpoint, params=p) for p in pages], 5) for _ in range(runs)]
    print(
        f"listVirtualMachines, 2,000 VMs, pagesize 500: {statistics.median(one):,.1f} pages/s "
        f"({size / 1024:,.0f} KiB a page); all 2,000 VMs (4 pages): {statistics.median(every):,.1f}/s"
    )


def bench_memory() -> None:
    sim = Simulator()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    add_vms(sim, 5000)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    added = after - before
    print(
        f"memory: 10,000 entities (5,000 VMs + root volumes) hold {added / 1024**2:,.1f} MiB ({added / 10000:,.0f} B each); "
        f"store now {len(sim.cloud.store):,} entities"
    )


def bench_startup(runs: int) -> None:
    spec = bench_spec_420()
    code = (
        "import time; t=time.perf_counter(); from cloudstack_mcp.simulator import Simulator; Simulator({arg}); "
        "print(time.perf_counter()-t)"
    )
    for label, arg in (("built-in API", ""), ("4.20 spec file", repr(str(spec)))):
        times = [
            float(
                subprocess.run(
                    [sys.executable, "-c", code.format(arg=arg)], cwd=ROOT, capture_output=True, text=True, check=True
                ).stdout
            )
            for _ in range(runs)
        ]
        print(f"start-up (import + Simulator()), {label}: {statistics.median(times) * 1000:,.0f} ms median")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    bench_requests(args.runs, args.requests)
    bench_list(args.runs)
    bench_memory()
    bench_startup(args.runs)


if __name__ == "__main__":
    main()
