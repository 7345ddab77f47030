"""Long jobs against client timeouts: the wait budget and its "still running" answer, the job tool, the
follower that records a job's end after a budget answer or a cancelled call, the duplicate guard, and
the polling schedule (added delay at most max(0.5 s, 10% of the job's time)). Real simulator over
HTTP, the server through the SDK's in-process client; jobs of a second or less."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.cloudstack.jobs import poll_gap
from cloudstack_mcp.config import Settings
from cloudstack_mcp.server.app import App, create_server, open_app
from cloudstack_mcp.simulator import FaultRule, Simulator
from tests.apidata import SPEC_420
from tests.core_helpers import text, uuid_for

pytestmark = pytest.mark.anyio


SIM_SPEC = SPEC_420  # the module's simulator (conftest `sim`)


@pytest.fixture(autouse=True)
def _reset(sim: Simulator) -> None:
    sim.faults.clear()
    sim.job_seconds = 0


def settings_for(sim: Simulator, tmp_path: Path, **kw: Any) -> Settings:
    admin = sim.credentials["admin"]
    base: dict[str, Any] = {
        "endpoint": sim.endpoint,
        "api_key": admin.api_key,
        "secret_key": admin.secret_key,
        "cache_dir": tmp_path / "cache",
        "audit_log": tmp_path / "audit.jsonl",
        "poll_interval": 0.01,
        "poll_max": 0.05,
        "retry_backoff": 0.01,
    }
    base.update(kw)
    return Settings(**base)


@contextlib.asynccontextmanager
async def connected(settings: Settings, catalog: Catalog) -> AsyncIterator[tuple[App, Client]]:
    async with open_app(settings, catalog=catalog) as app, Client(create_server(app)) as client:
        yield app, client


def deploy_args(sim: Simulator, catalog: Catalog, name: str) -> dict[str, str]:
    api = catalog["deployVirtualMachine"]
    args = {p: uuid_for(sim, api, p) for p in ("zoneid", "serviceofferingid", "templateid")}
    return {**args, "name": name}


def vms_named(sim: Simulator, name: str) -> list[dict[str, Any]]:
    return [vm for vm in sim.cloud.store.all("UserVmResponse") if vm.get("name") == name]


def deploys_sent(sim: Simulator, before: int) -> int:
    return sum(1 for r in sim.requests[before:] if r.command == "deployVirtualMachine")


def audit(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def until(check: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        await anyio.sleep(0.02)


async def test_budget_answer_is_not_an_error_and_the_job_tool_finishes_it(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    sim.faults.add(FaultRule(api="deployVirtualMachine", kind="job_slow", seconds=1.0, times=1))
    async with connected(settings_for(sim, tmp_path, job_timeout=0.3), catalog) as (_app, client):
        listed = {t.name for t in (await client.list_tools()).tools}
        assert "wait_for_job" in listed  # the default profile has the job tool
        start = time.monotonic()
        first = await client.call_tool("deploy_virtual_machine", deploy_args(sim, catalog, "budget-vm"))
        assert time.monotonic() - start < 0.9  # answered at the budget, not at the job's end
        data = first.structured_content
        jobid = data["jobid"]
        assert not first.is_error and "still running" in text(first) and jobid in text(first)
        assert data["still_running"] is True and data["next_call"] == {
            "tool": "wait_for_job",
            "arguments": {"jobid": jobid},
        }
        assert data["acts_on"]["id"] in text(first) and data["acts_on"]["name"] == "budget-vm"
        assert f"wait_for_job(jobid='{jobid}')" in text(first)
        waits = 0
        while True:  # what a model does: wait again while the answer says it still runs (0.3 s each here)
            done = await client.call_tool("wait_for_job", {"jobid": jobid})
            waits += 1
            if not done.structured_content.get("still_running"):
                break
            assert "still running" in text(done) and waits < 10
        assert not done.is_error and waits >= 2, text(done)
        vm = done.structured_content["jobresult"]["virtualmachine"]
        assert vm["name"] == "budget-vm" and vm["id"] in text(done)
    records = audit(tmp_path)
    assert [(r["record"], r.get("status")) for r in records] == [
        ("intent", None),
        ("outcome", "running"),
        ("outcome", "succeeded"),
    ]
    running, end = records[1], records[2]
    assert running["final"] is False and end["final"] is True and end["followed"] == "budget"
    assert running["job_id"] == end["job_id"] == jobid and end["request_id"] == records[0]["request_id"]
    assert end["job_seconds"] >= 0.9 and end["api"] == "deployVirtualMachine"


async def test_cancelled_call_is_followed_to_its_end_and_audited(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    sim.faults.add(FaultRule(api="deployVirtualMachine", kind="job_slow", seconds=0.8, times=1))
    before = len(sim.requests)
    async with connected(settings_for(sim, tmp_path), catalog) as (app, client):
        with pytest.raises(Exception):  # noqa: B017  # the client gives up (timeout) and sends notifications/cancelled
            await client.call_tool(
                "deploy_virtual_machine", deploy_args(sim, catalog, "cancel-vm"), read_timeout_seconds=0.3
            )
        await until(lambda: any(r.get("final") for r in audit(tmp_path)))
        assert not app.pipeline.jobs.running_jobs and not app.guard.audit.pending
    records = audit(tmp_path)
    assert [(r["record"], r.get("status")) for r in records] == [
        ("intent", None),
        ("outcome", "running"),
        ("outcome", "succeeded"),
    ]
    end = records[2]
    assert end["followed"] == "cancelled" and end["job_seconds"] >= 0.7 and end["job_id"] == records[1]["job_id"]
    assert deploys_sent(sim, before) == 1 and len(vms_named(sim, "cancel-vm")) == 1


async def test_duplicate_change_is_held_until_the_job_ends(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    sim.faults.add(FaultRule(api="deployVirtualMachine", kind="job_slow", seconds=1.0, times=1))
    args = deploy_args(sim, catalog, "dup-vm")
    del args["name"]  # VM names must be unique: without one each deploy makes a VM of its own
    vms_before = len(list(sim.cloud.store.all("UserVmResponse")))
    before = len(sim.requests)
    async with connected(settings_for(sim, tmp_path, job_timeout=0.2), catalog) as (_app, client):
        first = await client.call_tool("deploy_virtual_machine", args)
        jobid = first.structured_content["jobid"]
        again = await client.call_tool("deploy_virtual_machine", args)  # a retry after the "timeout"
        assert not again.is_error and again.structured_content["held"] is True
        assert again.structured_content["duplicate_of"] == jobid and "NOT DONE" in text(again)
        assert f"wait_for_job(jobid='{jobid}')" in text(again) and "allow_duplicate=true" in text(again)
        assert deploys_sent(sim, before) == 1
        other = await client.call_tool("deploy_virtual_machine", {**args, "keyboard": "us"})
        assert "held" not in (other.structured_content or {})  # other arguments: not a duplicate
        while (await client.call_tool("wait_for_job", {"jobid": jobid, "timeout": 5})).structured_content.get(
            "still_running"
        ):
            pass  # each wait is capped at --job-timeout (0.2 s here)
        after_end = await client.call_tool("deploy_virtual_machine", args)  # the first one ended: not held
        assert "held" not in (after_end.structured_content or {})
        forced = await client.call_tool("deploy_virtual_machine", {**args, "allow_duplicate": True})
        assert "held" not in (forced.structured_content or {})
    vms = len(list(sim.cloud.store.all("UserVmResponse"))) - vms_before
    assert deploys_sent(sim, before) == 4 and vms == 4  # the held call made none
    held = [r for r in audit(tmp_path) if r.get("outcome") == "duplicate-held"]
    assert len(held) == 1 and held[0]["record"] == "decision" and held[0]["api"] == "deployVirtualMachine"


async def test_wait_false_job_is_held_while_it_runs(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    sim.job_seconds = 0.6
    args = deploy_args(sim, catalog, "nowait-vm")
    del args["name"]  # unique names would refuse the second deploy anyway
    vms_before = len(list(sim.cloud.store.all("UserVmResponse")))
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        first = await client.call_tool("deploy_virtual_machine", {**args, "wait": False})
        again = await client.call_tool("deploy_virtual_machine", args)  # one poll finds it still running
        assert again.structured_content["duplicate_of"] == first.structured_content["jobid"]
        await anyio.sleep(0.7)
        later = await client.call_tool("deploy_virtual_machine", args)
        assert not later.is_error and "held" not in later.structured_content
    assert len(list(sim.cloud.store.all("UserVmResponse"))) - vms_before == 2


async def test_progress_carries_the_elapsed_time(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    sim.job_seconds = 0.5
    seen: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        seen.append((value, message))

    async with connected(settings_for(sim, tmp_path, poll_interval=0.1), catalog) as (_app, client):
        result = await client.call_tool(
            "deploy_virtual_machine", deploy_args(sim, catalog, "progress-vm"), progress_callback=on_progress
        )
    assert not result.is_error
    values = [v for v, _ in seen]
    assert values == sorted(values) and 0.4 <= values[-1] <= 1.5  # the value is the job's age in seconds
    assert all("running for" in (m or "") for _, m in seen[:-1]) and "succeeded after" in (seen[-1][1] or "")
    assert f"running for {values[0]:.1f} s" in (seen[0][1] or "")


async def test_job_tool_on_unknown_and_foreign_jobs(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path, toolsets=("all",)), catalog) as (_app, client):
        missing = await client.call_tool("wait_for_job", {"jobid": "00000000-0000-0000-0000-000000000000"})
        assert missing.is_error and "OUTCOME UNKNOWN" in text(missing)
        bad = await client.call_tool("wait_for_job", {"jobid": "x", "extra": 1})
        assert bad.is_error and "extra" in text(bad)
    # A job started by someone else (here: straight at the simulator) is waited for too.
    sim.job_seconds = 0.3
    async with connected(settings_for(sim, tmp_path, toolsets=("all",)), catalog) as (app, client):
        started = await app.client.call("deployVirtualMachine", deploy_args(sim, catalog, "foreign-vm"))
        done = await client.call_tool("wait_for_job", {"jobid": started["jobid"]})
        assert not done.is_error and done.structured_content["jobstatus"] == 1


def test_poll_gap_stays_within_half_a_second_or_ten_percent() -> None:
    for age in (0.0, 0.3, 1, 4.9, 5, 12, 30, 100, 599):
        gap = poll_gap(age, floor=0.5, ceiling=60)
        assert gap <= max(0.5, 0.1 * age) + 1e-9 and gap >= 0.5
    assert poll_gap(1000, floor=0.5, ceiling=5) == 5


async def test_added_delay_after_a_job_ends(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    """A 1-s job at the default schedule: answered within 0.5 s of its end, with a few polls."""
    sim.job_seconds = 1.0
    settings = settings_for(sim, tmp_path, poll_interval=Settings().poll_interval, poll_max=Settings().poll_max)
    async with connected(settings, catalog) as (_app, client):
        before = len(sim.requests)
        result = await client.call_tool("deploy_virtual_machine", deploy_args(sim, catalog, "latency-vm"))
        answered = time.monotonic()
    jobid = result.structured_content["jobid"]
    ended = sim.cloud.jobs.get(jobid)["_due"]
    polls = [r for r in sim.requests[before:] if r.command == "queryAsyncJobResult" and r.params.get("jobid") == jobid]
    # 0.5 s is the schedule's bound; the slack is for a loaded test machine (bench/bench_jobs.py measures it)
    assert 0 <= answered - ended <= 0.5 + 0.4 and 2 <= len(polls) <= 4


async def test_wait_false_job_gets_its_outcome_once_waited_for(
    clean_sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    clean_sim.job_seconds = 0.3
    async with connected(settings_for(clean_sim, tmp_path), catalog) as (_app, client):
        started = await client.call_tool(
            "deploy_virtual_machine", {**deploy_args(clean_sim, catalog, "later-vm"), "wait": False}
        )
        jobid = started.structured_content["jobid"]
        done = await client.call_tool("wait_for_job", {"jobid": jobid})
        assert not done.is_error and done.structured_content["jobresult"]["virtualmachine"]["name"] == "later-vm"
    records = audit(tmp_path)
    assert [(r["record"], r.get("status")) for r in records] == [
        ("intent", None),
        ("outcome", "running"),
        ("outcome", "succeeded"),
    ]
    assert records[2]["followed"] == "wait=false" and records[2]["job_id"] == jobid and records[2]["final"] is True
