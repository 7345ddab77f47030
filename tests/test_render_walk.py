"""Every API of the 4.20 spec: the simulator's answer renders, and the text names the ids the answer holds.

Each API is called over real HTTP with valid required values (as the simulator walk does);
async calls are followed to their `queryAsyncJobResult` body. The unwrapped answer (what the
pipeline sends as structured content) is rendered and every entity id in it must be in the
text: the id of every list row, of the single object and of its nested parts, of the job.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from cloudstack_mcp.render import render_answer
from cloudstack_mcp.render.objects import MAX_ELEMENTS
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SPEC_420
from tests.simulator_helpers import Signed, required_values, walk_order


def _objects(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        yield value
    elif isinstance(value, list):
        yield from (v for v in value if isinstance(v, Mapping))


def ids_in(body: Any) -> Iterator[str]:
    """Entity ids a reader needs: the answer's own, every list row's, a single object's and its parts'."""
    if not isinstance(body, Mapping):
        return
    for key in ("id", "jobid"):
        if isinstance(body.get(key), (str, int)):
            yield str(body[key])
    if isinstance(body.get("jobresult"), Mapping):
        yield from ids_in(body["jobresult"])
        return
    for value in body.values():
        if isinstance(value, list):  # list rows: their own id (nested parts are summarised)
            for item in _objects(value):
                if isinstance(item.get("id"), (str, int)):
                    yield str(item["id"])
        elif isinstance(value, Mapping):  # a single object: its id and its nested parts' ids
            if isinstance(value.get("id"), (str, int)):
                yield str(value["id"])
            for part in value.values():
                elements = list(_objects(part))
                if len(elements) > MAX_ELEMENTS or any("key" in e for e in elements):
                    continue  # long lists and tag lists are summarised by label
                for e in elements:
                    if isinstance(e.get("id"), (str, int)):
                        yield str(e["id"])


def follow(client: Signed, jobid: str) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while True:
        body = client.ok("queryAsyncJobResult", jobid=jobid)
        if body.get("jobstatus") != 0 or time.monotonic() > deadline:
            return body
        time.sleep(0.01)


@pytest.mark.slow
def test_every_420_answer_renders_and_names_its_ids() -> None:
    sim = Simulator(SPEC_420, job_seconds=0)
    kinds: collections.Counter[str] = collections.Counter()
    checked_ids = 0
    problems: list[str] = []
    with sim.running():
        client = Signed(sim)
        for name in walk_order([n for n in sim.catalog if n not in ("login", "logout")]):
            api = sim.catalog[name]
            response = client.post(name, **required_values(sim, api))
            (body,) = response.json().values()
            if response.status_code == 200 and api.isasync and isinstance(body, dict) and body.get("jobid"):
                body = follow(client, str(body["jobid"]))
                kinds["job"] += 1
            try:
                text = render_answer(api, body, max_rows=100_000)
            except Exception as exc:  # the point of the walk: report every API that breaks, not just the first
                problems.append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            if response.status_code != 200:
                kinds["error"] += 1
                if f"error {response.status_code} (" not in text:
                    problems.append(f"{name}: error {response.status_code} not named in {text[:120]!r}")
                continue
            kinds["list" if api.is_list else "other"] += 1
            for entity_id in ids_in(body):
                checked_ids += 1
                if entity_id not in text:
                    problems.append(f"{name}: id {entity_id} missing from {text[:200]!r}")
        client.close()
    assert not problems, "\n".join(problems[:20])
    assert len(sim.catalog) == 864
    # Not vacuous: hundreds of lists and async jobs, hundreds of ids checked.
    assert kinds["list"] >= 200 and kinds["job"] >= 250, kinds
    assert checked_ids >= 800, checked_ids
