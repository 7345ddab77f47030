"""Safety layer benchmarks: what classification, confirmation, masking and auditing cost.

    python bench/bench_safety.py [--runs 7] [--calls 200]

1. Classifying every API of the 4.20 spec (`policy.classify`), and one call's policy (`for_call`)
   and confirmation phrase (`confirm.phrase_for`, a keyed MAC).
2. The guard's own time per call (`review` + `after`, audit record written), for a read and for a
   confirmed change, without any network.
3. `listZones` through the pipeline against the simulator: the real guard against a pass-through guard
   (no checks, no masking, no audit), side by side.
4. Masking a 500-VM answer (`SecretScrubber.scrub_value`: names masked, remembered values removed),
   against `json.dumps` of the same answer as a yardstick.

Prints medians and ratios; figures go to BENCHMARKS.md ("Safety").
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cloudstack_mcp.catalog.model import Catalog  # noqa: E402
from cloudstack_mcp.config import Settings  # noqa: E402
from cloudstack_mcp.pipeline.guard import Guard  # noqa: E402
from cloudstack_mcp.pipeline.steps import Outcome, ToolCall  # noqa: E402
from cloudstack_mcp.policy import classify as policy  # noqa: E402
from cloudstack_mcp.policy.classify import classify, for_call  # noqa: E402
from cloudstack_mcp.safety.audit import AuditLog  # noqa: E402
from cloudstack_mcp.safety.confirm import phrase_for  # noqa: E402
from cloudstack_mcp.safety.secrets import SecretScrubber  # noqa: E402
from tests.apidata import bench_shared_api  # noqa: E402

SHARED = bench_shared_api("the masking figures render the shared samples")
SPEC_420 = SHARED / "4.20.0.0" / "listApis.json"


def median_seconds(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class PassThroughGuard(Guard):
    """The guard with every step removed: the baseline for the guard's cost."""

    async def review(self, call: ToolCall, ctx: Any) -> None:
        return None

    async def after(self, call: ToolCall, outcome: Outcome, ctx: Any) -> None:
        return None


def make_call(catalog: Catalog, name: str, args: dict[str, Any], controls: dict[str, Any]) -> ToolCall:
    api = catalog[name]
    return ToolCall(
        tool=name, api=api, arguments=args, controls=controls, policy=for_call(api, args),
        base_policy=classify(api), params={k: str(v) for k, v in args.items()},
    )  # fmt: skip


async def guard_overhead(catalog: Catalog, tmp: Path, calls: int) -> tuple[float, float]:
    settings = Settings(endpoint="http://127.0.0.1:1/client/api", api_key="k" * 20, secret_key="s" * 20,
                        audit_log=tmp / "guard-audit.jsonl", confirm_key_file=tmp / "confirm.key")  # fmt: skip
    guard = Guard(settings)
    from cloudstack_mcp.render.results import text_result

    async def one(name: str, args: dict[str, Any], confirm: bool) -> float:
        api = catalog[name]
        controls = {"confirm": guard.phrases.phrase(api, args)} if confirm else {}
        call = make_call(catalog, name, args, controls)
        start = time.perf_counter()
        verdict = await guard.review(call, None)
        assert verdict is None, verdict
        await guard.after(call, Outcome(text_result("ok", data={"id": "x", "jobid": "y"}), 0.001), None)
        return time.perf_counter() - start

    read = statistics.median([await one("listZones", {}, False) for _ in range(calls)])
    change = statistics.median([await one("deleteNetwork", {"id": "9b1d-net"}, True) for _ in range(calls)])
    guard.audit.close()
    return read, change


async def pipeline_side_by_side(catalog: Catalog, tmp: Path, calls: int) -> tuple[float, float]:
    from cloudstack_mcp.server.app import open_app
    from cloudstack_mcp.simulator import Simulator

    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        admin = sim.credentials["admin"]
        settings = Settings(endpoint=sim.endpoint, api_key=admin.api_key, secret_key=admin.secret_key,
                            cache_dir=tmp / "cache", audit_log=tmp / "pipe-audit.jsonl")  # fmt: skip
        async with (
            open_app(settings, catalog=catalog, guard_factory=Guard) as real,
            open_app(settings, catalog=catalog, guard_factory=PassThroughGuard) as bare,
        ):
            apps = {"guard": real, "pass-through": bare}
            times: dict[str, list[float]] = {label: [] for label in apps}
            for i in range(calls + 10):  # interleaved, so load on the machine hits both alike
                for label, app in apps.items():
                    start = time.perf_counter()
                    await app.pipeline.call_api("listZones", {})
                    if i >= 10:  # the first calls warm the connection pools
                        times[label].append(time.perf_counter() - start)
            results = {label: statistics.median(t) for label, t in times.items()}
    return results["guard"], results["pass-through"]


def vm_answer() -> dict[str, Any]:
    sample = json.loads((SHARED / "samples" / "listVirtualMachines.cloudstack-go.json").read_text())
    (inner,) = sample.values()
    vm = inner["virtualmachine"][0]
    return {"count": 500, "virtualmachine": [dict(vm, id=f"vm-{i}", password=f"pw-{i:06d}") for i in range(500)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    ns = parser.parse_args()
    catalog = Catalog.load(SPEC_420)
    apis = list(catalog.values())

    def cold() -> None:
        policy._classify.cache_clear()
        policy.parse_name.cache_clear()
        for a in apis:
            classify(a)

    whole = median_seconds(cold, ns.runs)
    warm = median_seconds(lambda: [classify(a) for a in apis], ns.runs)
    destroy = catalog["destroyVirtualMachine"]
    one_call = median_seconds(lambda: [for_call(destroy, {"id": "x", "expunge": "true"}) for _ in range(1000)], ns.runs)
    key = b"bench-key-" * 4
    phrase = median_seconds(
        lambda: [phrase_for(destroy, {"id": "x", "expunge": "true"}, key=key) for _ in range(1000)], ns.runs
    )
    print(
        f"classify all {len(apis)} APIs of 4.20: {whole * 1000:.1f} ms cold ({whole / len(apis) * 1e6:.1f} us per API), "
        f"{warm * 1000:.2f} ms cached"
    )
    print(f"for_call (destroyVirtualMachine expunge=true): {one_call * 1000:.1f} us")
    print(f"phrase_for: {phrase * 1000:.1f} us")

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        read, change = anyio.run(guard_overhead, catalog, tmp, ns.calls)
        print(f"guard review+after, read (listZones): {read * 1e6:.0f} us; confirmed change with audit record "
              f"(deleteNetwork): {change * 1e6:.0f} us")  # fmt: skip
        real, bare = anyio.run(pipeline_side_by_side, catalog, tmp, ns.calls)
        print(f"listZones through the pipeline against the simulator: guard {real * 1000:.2f} ms, pass-through "
              f"{bare * 1000:.2f} ms, ratio {real / bare:.2f}")  # fmt: skip
        audit = AuditLog(tmp / "bench-audit.jsonl")
        audit.open()
        record = {"api": "deleteNetwork", "arguments": {"id": "x"}, "outcome": "allowed"}
        write = median_seconds(lambda: [audit.write(record) for _ in range(1000)], ns.runs)
        audit.close()
        print(f"audit record written and flushed: {write * 1000:.1f} us")

    with_pw = vm_answer()
    plain = {
        **with_pw,
        "virtualmachine": [{k: v for k, v in vm.items() if k != "password"} for vm in with_pw["virtualmachine"]],
    }
    scrubber = SecretScrubber(["own-secret-key-1234567890"])
    dumped = median_seconds(lambda: json.dumps(plain), ns.runs)
    for label, answer in (("500 VMs, no secret", plain), ("500 VMs, each with a password", with_pw)):
        masked = median_seconds(lambda a=answer: scrubber.scrub_value(a, "listVirtualMachines"), ns.runs)
        print(f"scrub_value of {label}: {masked * 1000:.1f} ms; json.dumps of the answer: {dumped * 1000:.1f} ms; "
              f"ratio {masked / dumped:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
