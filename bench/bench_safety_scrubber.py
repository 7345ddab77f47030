"""Safety figures (issue 11): the scrubber on a 20,000-key map and a 1 MB secret (CPU time, retained memory),
and the cost of one confirmation code. Run: PYTHONPATH=. python bench/bench_safety_scrubber.py"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cloudstack_mcp.catalog.model import Catalog  # noqa: E402
from cloudstack_mcp.safety.confirm import Phrases  # noqa: E402
from cloudstack_mcp.safety.secrets import SecretScrubber, mask_params  # noqa: E402
from cloudstack_mcp.tools.schema import encode  # noqa: E402
from tests.apidata import SPEC_420  # noqa: E402


def work(scrubber: SecretScrubber, api: object, args: dict, params: dict) -> None:
    scrubber.learn(args, api)
    shown = mask_params(params, api)
    json.dumps(scrubber.scrub_value({"params": shown, "arguments": mask_params(args, api)}, api))
    scrubber.scrub(json.dumps(shown))


def cpu(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    catalog = Catalog.load(SPEC_420)
    big = {"resourcetype": "UserVm", "resourceid": "x", "details": {f"k{i}": f"v{i}" for i in range(20_000)}}
    secret = {"id": "u-1", "password": "S" + "x9Q-" * 262_144}
    cases = [("20,000-key map", catalog["addResourceDetail"], big), ("1 MB secret", catalog["updateUser"], secret)]
    scrubber = SecretScrubber(["own-secret-key-12345"])
    for label, api, args in cases:
        params = encode(api, args)
        took = cpu(lambda api=api, args=args, params=params: work(scrubber, api, args, params))
        print(f"{label}: {took * 1000:.0f} ms CPU (median of 5)")
    rows = {"rows": [{"name": f"vm-{i}", "state": "Running"} for i in range(500)]}
    print(f"500-row answer after both: {cpu(lambda: scrubber.scrub_value(rows)) * 1000:.1f} ms CPU")
    fresh = SecretScrubber()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for _label, api, args in cases:
        work(fresh, api, args, encode(api, args))
    gc.collect()
    print(f"retained after both: {(tracemalloc.get_traced_memory()[0] - base) / 1e6:.2f} MB")
    tracemalloc.stop()
    phrases, destroy = Phrases(b"k" * 32), catalog["destroyVirtualMachine"]
    n = 20_000
    start = time.process_time()
    for i in range(n):
        phrases.code(destroy, {"id": "vm-1", "expunge": True, "volumeids": [f"{i:07x}"]})
    per = (time.process_time() - start) / n
    print(f"confirmation code: {per * 1e6:.1f} us each (2^24 variations: {per * 2**24 / 60:.1f} min)")


if __name__ == "__main__":
    main()
