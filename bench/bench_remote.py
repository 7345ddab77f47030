"""Remote load: clients through nginx to three HTTP instances of the server.

    python bench/bench_remote.py [--clients 50] [--calls 20] [--floods 10000]

1. Load: `--clients` concurrent MCP clients (SDK, 2026-07-28, five principals with static tokens), each
   making `--calls` calls: three lists for every async call (deploy_virtual_machine, waiting for its job).
   Errors, p50/p99 per kind, calls per second, resident memory per instance after the load.
2. A smaller load (20 clients x 10 calls) before, while one call waits on a 30-s job (a `job_slow`
   fault on startVirtualMachine; the slice ends before the job does), and after: the others' p50s.
3. `--floods` initialize requests from one principal (handshake era, 20 at a time) while another
   principal opens a session and calls list_zones every 0.2 s: how the flood is answered (statuses)
   and whether the other principal was ever refused.

The simulator runs as its own process; confirmations are off (--confirm-mode allow): this measures the
transport, not the safety dialogue. Needs nginx (Debian: nginx-light). Figures go to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import httpx2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mcp import Client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from cloudstack_mcp.server.auth import hash_token  # noqa: E402
from tests.lb_helpers import cluster, free_port, wait_http  # noqa: E402

KEY, SECRET = "bench-remote-key", "bench-remote-secret"
TOKENS = {f"user{i}": f"tok-bench-{i}-0123456789" for i in range(5)}
FLOODER, OTHER = "flooder", "other"
TOKENS.update({FLOODER: "tok-flood-0123456789", OTHER: "tok-other-0123456789"})


def start_simulator(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    faults = tmp / "faults.json"
    faults.write_text(json.dumps({"faults": [{"api": "startVirtualMachine", "kind": "job_slow", "seconds": 30}]}))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudstack_mcp", "simulator", "--port", str(port), "--api-key", KEY,
         "--secret-key", SECRET, "--faults", str(faults), "--job-seconds", "0.2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}/client/api"
    wait_http(endpoint, proc)
    return proc, endpoint


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def ids(url: str) -> dict[str, str]:
    async with _client(url, TOKENS["user0"]) as (client, _):
        zone = (await client.call_tool("list_zones", {})).structured_content["zone"][0]["id"]
        offer = (await client.call_tool("list_service_offerings", {})).structured_content["serviceoffering"][0]["id"]
        tmpl = (await client.call_tool("list_templates", {"templatefilter": "featured"})).structured_content
        nets = (await client.call_tool("list_networks", {})).structured_content["network"]
        net = next(n["id"] for n in nets if n["name"] == "admin-net")
        return {
            "zoneid": zone,
            "serviceofferingid": offer,
            "templateid": tmpl["template"][0]["id"],
            "networkids": [net],
        }


class _client:
    def __init__(self, url: str, token: str, mode: str = "2026-07-28") -> None:
        self.http = httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {token}"}, timeout=httpx2.Timeout(60, read=120)
        )
        self.client = Client(streamable_http_client(url + "/mcp", http_client=self.http), mode=mode)  # type: ignore[arg-type]

    async def __aenter__(self) -> tuple[Client, httpx2.AsyncClient]:
        await self.http.__aenter__()
        await self.client.__aenter__()
        return self.client, self.http

    async def __aexit__(self, *exc: Any) -> None:
        await self.client.__aexit__(*exc)
        await self.http.__aexit__(*exc)


async def load(url: str, clients: int, calls: int, deploy: dict[str, str], phase: str) -> dict[str, Any]:
    lat: dict[str, list[float]] = {"list": [], "async": []}
    errors: list[str] = []
    lists = [("list_zones", {}), ("list_virtual_machines", {"pagesize": 20}), ("list_service_offerings", {})]

    async def one(n: int) -> None:
        token = TOKENS[f"user{n % 5}"]
        async with _client(url, token) as (client, _):
            for i in range(calls):
                kind = "async" if i % 4 == 3 else "list"
                name, args = (
                    ("deploy_virtual_machine", {**deploy, "name": f"{phase}{n}-{i}"})
                    if kind == "async"
                    else lists[i % 3]
                )
                started = time.perf_counter()
                try:
                    result = await client.call_tool(name, args)
                    if result.is_error:
                        errors.append(f"{name}: {result.content[0].text[:100]}")  # type: ignore[union-attr]
                except Exception as exc:
                    errors.append(f"{name}: {type(exc).__name__}")
                lat[kind].append(time.perf_counter() - started)

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for n in range(clients):
            tg.start_soon(one, n)
    wall = time.perf_counter() - started
    total = len(lat["list"]) + len(lat["async"])
    return {"calls": total, "errors": len(errors), "error_samples": errors[:3], "seconds": round(wall, 1),
            "calls_per_s": round(total / wall, 1),
            **{f"{k}_p50_ms": round(pct(v, 0.5), 1) for k, v in lat.items()},
            **{f"{k}_p99_ms": round(pct(v, 0.99), 1) for k, v in lat.items()}}  # fmt: skip


async def slow_job(url: str, deploy: dict[str, str], out: dict[str, Any]) -> None:
    async with _client(url, TOKENS["user0"]) as (client, _):
        made = await client.call_tool("deploy_virtual_machine", {**deploy, "name": "slow", "startvm": False})
        vm = made.structured_content["jobinstanceid"]
        started = time.perf_counter()
        result = await client.call_tool("start_virtual_machine", {"id": vm})
        out["slow_job_s"] = round(time.perf_counter() - started, 1)
        out["slow_job_error"] = result.is_error


async def flood(url: str, count: int) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    other: list[tuple[bool, float]] = []
    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "f", "version": "1"}}}  # fmt: skip
    headers = {"Authorization": f"Bearer {TOKENS[FLOODER]}", "Accept": "application/json, text/event-stream"}
    remaining = count
    done = anyio.Event()

    async def flooder(http: httpx2.AsyncClient) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            r = await http.post(url + "/mcp", json=hello, headers=headers)
            statuses[r.status_code] += 1

    async def bystander() -> None:
        while not done.is_set():
            started = time.perf_counter()
            try:
                async with _client(url, TOKENS[OTHER], mode="legacy") as (client, _):
                    ok = not (await client.call_tool("list_zones", {})).is_error
            except Exception:
                ok = False
            other.append((ok, time.perf_counter() - started))
            await anyio.sleep(0.2)

    started = time.perf_counter()
    async with httpx2.AsyncClient(timeout=60) as http, anyio.create_task_group() as tg:
        tg.start_soon(bystander)
        async with anyio.create_task_group() as floods:
            for _ in range(20):
                floods.start_soon(flooder, http)
        done.set()
    return {"initialize": count, "seconds": round(time.perf_counter() - started, 1), "statuses": dict(statuses),
            "other_sessions": len(other), "other_refused": sum(1 for ok, _ in other if not ok),
            "other_p50_ms": round(pct([t for _, t in other], 0.5), 1)}  # fmt: skip


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-remote-"))
    tokens = tmp / "tokens.json"
    tokens.write_text(json.dumps({"tokens": [{"name": n, "sha256": hash_token(t), "rights": ["read", "change"]}
                                             for n, t in TOKENS.items()]}))  # fmt: skip
    sim, endpoint = start_simulator(tmp)
    report: dict[str, Any] = {}
    flags = ("--auth-tokens", str(tokens), "--shared-cloudstack-user", "--confirm-mode", "allow", "--rate-limit", "0",
             "--audit-log", "off", "--no-audit-required")  # fmt: skip
    try:
        with cluster(tmp, endpoint, KEY, SECRET, args=flags) as lb:
            report["rss_start_mib"] = [round(k / 1024) for k in lb.rss_kib()]
            deploy = await ids(lb.url)
            report["one_client"] = await load(lb.url, 1, args.calls, deploy, "s")  # the floor: no concurrency
            report["load"] = await load(lb.url, args.clients, args.calls, deploy, "a")
            report["rss_after_load_mib"] = [round(k / 1024) for k in lb.rss_kib()]
            # The same smaller load before, during and after a 30-s job (all of it while the job runs).
            report["slice_before"] = await load(lb.url, 20, 10, deploy, "b")
            slow: dict[str, Any] = {}
            async with anyio.create_task_group() as tg:
                tg.start_soon(slow_job, lb.url, deploy, slow)
                await anyio.sleep(3)  # the slow job is in flight
                began = time.perf_counter()
                report["slice_with_30s_job"] = await load(lb.url, 20, 10, deploy, "c")
                slow["slice_s"] = round(time.perf_counter() - began, 1)
            report["slice_with_30s_job"].update(slow)
            report["slice_after"] = await load(lb.url, 20, 10, deploy, "d")
            report["flood"] = await flood(lb.url, args.floods)
            report["rss_end_mib"] = [round(k / 1024) for k in lb.rss_kib()]
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--floods", type=int, default=10_000)
    report = anyio.run(main_async, parser.parse_args())
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
