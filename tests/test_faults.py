"""Faults through the MCP server (SDK client over our real server object) against the simulator's fault
injection: every failure gives a clear result (or the right one after a retry), the next call works, and
a call that changes something reaches the simulator at most once (counted in `sim.requests`)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.server.app import App, create_server, open_app
from cloudstack_mcp.simulator import FaultRule, Simulator
from tests.apidata import SPEC_420
from tests.core_helpers import text, uuid_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("clean_sim")]
SIM_SPEC = SPEC_420


TOOLS = ("list_zones", "list_hosts", "list_virtual_machines", "deploy_virtual_machine", "query_async_job_result")


def settings_for(sim: Simulator, tmp_path: Path, **kw: Any) -> Settings:
    admin = sim.credentials["admin"]
    base: dict[str, Any] = {
        "endpoint": sim.endpoint,
        "api_key": admin.api_key,
        "secret_key": admin.secret_key,
        "cache_dir": tmp_path / "cache",
        "audit_log": tmp_path / "audit.jsonl",
        "confirm_mode": "allow",
        "tools": TOOLS,  # the default profile plus these: a short tools/list keeps each test quick
        "poll_interval": 0.01,
        "poll_max": 0.05,
        "retry_backoff": 0.01,
        "timeout": 5.0,
    }
    base.update(kw)
    return Settings(**base)


@contextlib.asynccontextmanager
async def connected(settings: Settings, catalog: Catalog) -> AsyncIterator[tuple[App, Client]]:
    async with open_app(settings, catalog=catalog) as app, Client(create_server(app)) as client:
        yield app, client


def sent(sim: Simulator, command: str, since: int) -> list[Any]:
    return [r for r in sim.requests[since:] if (r.command or "").lower() == command.lower()]


_names = iter(range(10**6))


def deploy_args(sim: Simulator, catalog: Catalog) -> dict[str, str]:
    api = catalog["deployVirtualMachine"]
    args = {name: uuid_for(sim, api, name) for name in ("zoneid", "serviceofferingid", "templateid")}
    return {**args, "name": f"fault-vm-{next(_names)}"}


def vms_named(sim: Simulator, name: str) -> list[dict[str, Any]]:
    return [vm for vm in sim.cloud.store.all("UserVmResponse") if vm.get("name") == name]


# -- read-only calls: retried, then a clear error -------------------------------------------------------

TRANSIENT = {
    "html-502": FaultRule(api="listZones", kind="html", code=502, times=2),
    "status-503": FaultRule(api="listZones", kind="status", code=503, times=1),
    "status-429": FaultRule(api="listZones", kind="status", code=429, times=1),
    "drop": FaultRule(api="listZones", kind="drop", times=2),
    "malformed": FaultRule(api="listZones", kind="malformed", times=2),
    "error-530": FaultRule(api="listZones", kind="error", code=530, text="db hiccup", times=1),
    "slow": FaultRule(api="listZones", kind="latency", seconds=1.5, times=1),
}


@pytest.mark.parametrize("name", list(TRANSIENT))
async def test_reads_recover_from_transient_faults(sim: Simulator, catalog: Catalog, tmp_path: Path, name: str) -> None:
    rule = TRANSIENT[name]
    async with connected(settings_for(sim, tmp_path, timeout=0.5), catalog) as (_app, client):
        before = len(sim.requests)
        sim.faults.add(rule)
        result = await client.call_tool("list_zones", {})
        assert not result.is_error, text(result)
        assert result.structured_content["zone"]
        assert len(sent(sim, "listZones", before)) == rule.times + 1  # the failed tries, then the good one


PERSISTENT = {
    "html-502": (FaultRule(api="listZones", kind="html", code=502), ["HTTP 502", "HTML page"]),
    "status-503": (FaultRule(api="listZones", kind="status", code=503), ["HTTP 503", "empty body", "try again"]),
    "drop": (FaultRule(api="listZones", kind="drop"), ["closed the connection"]),
    "malformed": (FaultRule(api="listZones", kind="malformed"), ["HTTP 200", "not valid JSON"]),
    "error-530": (FaultRule(api="listZones", kind="error", code=530, text="db down"), ["530", "db down"]),
}


@pytest.mark.parametrize("name", list(PERSISTENT))
async def test_reads_give_up_with_a_clear_error(sim: Simulator, catalog: Catalog, tmp_path: Path, name: str) -> None:
    rule, needles = PERSISTENT[name]
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        before = len(sim.requests)
        sim.faults.add(rule)
        bad = await client.call_tool("list_zones", {})
        assert bad.is_error
        for needle in [*needles, "tried 3 times"]:
            assert needle in text(bad), text(bad)
        if rule.kind != "error":
            assert sim.endpoint in text(bad)  # names the endpoint
        assert len(sent(sim, "listZones", before)) == 3  # 1 + --retries 2
        sim.faults.clear()
        assert not (await client.call_tool("list_zones", {})).is_error


async def test_rate_limit_waits_for_retry_after(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        sim.faults.add(FaultRule(api="listZones", kind="status", code=429, times=1))  # answers Retry-After: 1
        start = time.monotonic()
        result = await client.call_tool("list_zones", {})
        assert not result.is_error and time.monotonic() - start >= 1.0


async def test_timeouts_are_retried_once_only(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path, timeout=0.3, retries=5), catalog) as (_app, client):
        before = len(sim.requests)
        sim.faults.add(FaultRule(api="listZones", kind="latency", seconds=1.0))
        slow = await client.call_tool("list_zones", {})
        assert slow.is_error and "did not answer listZones within 0.3 s" in text(slow) and "tried 2 times" in text(slow)
        assert len(sent(sim, "listZones", before)) == 2
        sim.faults.clear()
        assert not (await client.call_tool("list_zones", {})).is_error


async def test_cloudstack_verdicts_are_not_retried(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        before = len(sim.requests)
        sim.faults.add(FaultRule(api="listZones", kind="error", code=431, text="Unable to execute API command"))
        bad = await client.call_tool("list_zones", {})
        assert bad.is_error and "431" in text(bad) and "tried" not in text(bad)
        assert len(sent(sim, "listZones", before)) == 1


async def test_retries_zero_sends_once(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path, retries=0), catalog) as (_app, client):
        before = len(sim.requests)
        sim.faults.add(FaultRule(api="listZones", kind="status", code=503, times=1))
        assert (await client.call_tool("list_zones", {})).is_error
        assert len(sent(sim, "listZones", before)) == 1


# -- changes: sent at most once, the outcome said plainly --------------------------------------------------

# fault on deployVirtualMachine -> (what the result must say, did the simulator run it?)
CHANGE_FAULTS = {
    "drop": (FaultRule(api="deployVirtualMachine", kind="drop"), ["OUTCOME UNKNOWN", "closed before"], False),
    "html-502": (
        FaultRule(api="deployVirtualMachine", kind="html", code=502),
        ["OUTCOME UNKNOWN", "HTTP 502"],
        False,
    ),
    "status-503": (FaultRule(api="deployVirtualMachine", kind="status", code=503), ["OUTCOME UNKNOWN"], False),
    "slow": (
        FaultRule(api="deployVirtualMachine", kind="latency", seconds=1.5),
        ["OUTCOME UNKNOWN", "no answer came back in time"],
        True,
    ),
    "malformed": (
        FaultRule(api="deployVirtualMachine", kind="malformed"),
        ["OUTCOME UNKNOWN", "cut short"],
        True,
    ),
    "status-429": (
        FaultRule(api="deployVirtualMachine", kind="status", code=429),
        ["HTTP 429", "Nothing changed", "refused before CloudStack ran it"],
        False,
    ),
    "error-530": (
        FaultRule(api="deployVirtualMachine", kind="error", code=530, text="hypervisor said no"),
        ["530", "hypervisor said no"],
        False,
    ),
    "error-431": (
        FaultRule(api="deployVirtualMachine", kind="error", code=431, text="bad parameter"),
        ["431", "bad parameter"],
        False,
    ),
}


@pytest.mark.parametrize("name", list(CHANGE_FAULTS))
async def test_changes_are_sent_at_most_once(sim: Simulator, catalog: Catalog, tmp_path: Path, name: str) -> None:
    rule, needles, ran = CHANGE_FAULTS[name]
    async with connected(settings_for(sim, tmp_path, timeout=0.5), catalog) as (_app, client):
        args = deploy_args(sim, catalog)
        before = len(sim.requests)
        sim.faults.add(rule)
        result = await client.call_tool("deploy_virtual_machine", args)
        assert result.is_error
        for needle in needles:
            assert needle in text(result), text(result)
        assert len(sent(sim, "deployVirtualMachine", before)) == 1
        assert len(vms_named(sim, args["name"])) == (1 if ran else 0)
        if "OUTCOME UNKNOWN" in needles:
            check = f"list_virtual_machines(name={args['name']!r})"
            assert check in text(result) and "not sent again" in text(result)
            # The suggested check tells the truth about what happened.
            listing = await client.call_tool("list_virtual_machines", {"name": args["name"]})
            assert not listing.is_error
            assert (listing.structured_content.get("count", 0) == 1) is ran
        sim.faults.clear()
        again = await client.call_tool("deploy_virtual_machine", deploy_args(sim, catalog))
        assert not again.is_error, text(again)
        assert len(sent(sim, "deployVirtualMachine", before)) == 2


async def test_refused_connection_then_restart(catalog: Catalog, tmp_path: Path) -> None:
    """A management server that goes away and comes back: clear errors meanwhile, nothing changed, then normal."""
    server = Simulator(catalog, job_seconds=0)
    with server.running() as sim:
        port = sim.port
        settings = settings_for(sim, tmp_path)
        args = deploy_args(sim, catalog)
    async with connected(settings, catalog) as (_app, client):  # the simulator is down now
        start = time.monotonic()
        down = await client.call_tool("list_zones", {})
        assert down.is_error and "cannot connect to CloudStack" in text(down) and str(port) in text(down)
        assert "tried 3 times" in text(down) and time.monotonic() - start < 3
        change = await client.call_tool("deploy_virtual_machine", args)
        assert change.is_error and "Nothing changed: the request never left this machine" in text(change)
        with server.running(port=port):
            before = len(server.requests)
            assert not (await client.call_tool("list_zones", {})).is_error
            assert not (await client.call_tool("deploy_virtual_machine", args)).is_error
            assert len(sent(server, "deployVirtualMachine", before)) == 1
            assert len(vms_named(server, args["name"])) == 1


async def test_a_slow_call_does_not_hold_up_others(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        assert not (await client.call_tool("list_zones", {})).is_error  # the client fetches tools/list once
        sim.faults.add(FaultRule(api="listHosts", kind="latency", seconds=1.5))
        finished: dict[str, float] = {}
        start = time.monotonic()

        async def slow() -> None:
            assert not (await client.call_tool("list_hosts", {})).is_error
            finished["slow"] = time.monotonic() - start

        async def quick(i: int) -> None:
            await anyio.sleep(0.1)
            assert not (await client.call_tool("list_zones", {})).is_error
            finished[f"quick{i}"] = time.monotonic() - start

        async with anyio.create_task_group() as tg:
            tg.start_soon(slow)
            for i in range(5):
                tg.start_soon(quick, i)
        assert finished["slow"] >= 1.5
        assert all(t < 1.0 for k, t in finished.items() if k.startswith("quick")), finished


# -- async jobs ------------------------------------------------------------------------------------------


async def test_failing_job_reports_cloudstacks_error(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        before = len(sim.requests)
        sim.faults.add(FaultRule(api="deployVirtualMachine", kind="job_fail", code=535, text="no free IP address"))
        failed = await client.call_tool("deploy_virtual_machine", deploy_args(sim, catalog))
        assert failed.is_error and "535" in text(failed) and "no free IP address" in text(failed)
        assert failed.structured_content["jobid"] in text(failed)
        assert len(sent(sim, "deployVirtualMachine", before)) == 1
        sim.faults.clear()
        assert not (await client.call_tool("deploy_virtual_machine", deploy_args(sim, catalog))).is_error


async def test_job_that_never_ends_gives_its_id(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path, job_timeout=0.4), catalog) as (_app, client):
        before = len(sim.requests)
        sim.faults.add(FaultRule(api="deployVirtualMachine", kind="job_slow", seconds=None))
        start = time.monotonic()
        stuck = await client.call_tool("deploy_virtual_machine", deploy_args(sim, catalog))
        assert time.monotonic() - start < 3
        jobid = stuck.structured_content["jobid"]
        assert "still running" in text(stuck) and f"query_async_job_result(jobid='{jobid}')" in text(stuck)
        assert len(sent(sim, "deployVirtualMachine", before)) == 1
        follow = await client.call_tool("query_async_job_result", {"jobid": jobid})
        assert not follow.is_error and follow.structured_content["jobstatus"] == 0


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule(api="queryAsyncJobResult", kind="status", code=503, times=2),  # Retry-After: 1 s each
        FaultRule(api="queryAsyncJobResult", kind="drop", times=4),
        FaultRule(api="queryAsyncJobResult", kind="html", code=504, times=3),
        FaultRule(api="queryAsyncJobResult", kind="error", code=530, times=4),
    ],
    ids=["503", "drop", "html-504", "530"],
)
async def test_job_polling_survives_transient_failures(
    sim: Simulator, catalog: Catalog, tmp_path: Path, rule: FaultRule
) -> None:
    sim.job_seconds = 0.2
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        before = len(sim.requests)
        args = deploy_args(sim, catalog)
        sim.faults.add(rule)
        result = await client.call_tool("deploy_virtual_machine", args)
        assert not result.is_error, text(result)
        assert result.structured_content["jobresult"]["virtualmachine"]["name"] == args["name"]
        assert rule.applied == rule.times  # the polls really failed that often
        assert len(sent(sim, "deployVirtualMachine", before)) == 1
        assert len(vms_named(sim, args["name"])) == 1


async def test_job_polling_failing_for_good_says_outcome_unknown(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    sim.job_seconds = 0.2
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        before = len(sim.requests)
        args = deploy_args(sim, catalog)
        sim.faults.add(FaultRule(api="queryAsyncJobResult", kind="html", code=502))
        result = await client.call_tool("deploy_virtual_machine", args)
        jobid = result.structured_content["jobid"]
        assert result.is_error and "OUTCOME UNKNOWN" in text(result) and f"async job {jobid}" in text(result)
        assert f"query_async_job_result(jobid='{jobid}')" in text(result)
        assert f"list_virtual_machines(name={args['name']!r})" in text(result)
        assert len(sent(sim, "deployVirtualMachine", before)) == 1
        sim.faults.clear()
        await anyio.sleep(0.3)
        follow = await client.call_tool("query_async_job_result", {"jobid": jobid})
        assert not follow.is_error and follow.structured_content["jobstatus"] == 1


# -- sessions and signatures ---------------------------------------------------------------------------


def login_settings(sim: Simulator, tmp_path: Path, **kw: Any) -> Settings:
    admin = sim.credentials["admin"]
    return settings_for(
        sim,
        tmp_path,
        api_key=None,
        secret_key=None,
        username=admin.username,
        password=admin.password,
        domain=admin.domain,
        **kw,
    )


async def test_expired_session_renewed_once_for_concurrent_calls(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    async with connected(login_settings(sim, tmp_path), catalog) as (_app, client):
        assert not (await client.call_tool("list_zones", {})).is_error
        sim.cloud.accounts.sessions.clear()  # the management server restarted: every session is gone
        before = len(sim.requests)
        results: list[Any] = []

        async def one() -> None:
            results.append(await client.call_tool("list_zones", {}))

        async with anyio.create_task_group() as tg:
            for _ in range(6):
                tg.start_soon(one)
        assert all(not r.is_error for r in results) and len(results) == 6
        assert len(sent(sim, "login", before)) == 1


async def test_login_is_retried_like_a_read(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(login_settings(sim, tmp_path), catalog) as (_app, client):
        before = len(sim.requests)
        sim.faults.add(FaultRule(api="login", kind="drop", times=1))
        assert not (await client.call_tool("list_zones", {})).is_error
        assert [r.status for r in sent(sim, "login", before)] == [0, 200]  # dropped, then logged in
        sim.faults.add(FaultRule(api="login", kind="html", code=502, times=1))
        sim.cloud.accounts.sessions.clear()  # the session is gone: the next call logs in again
        assert not (await client.call_tool("list_zones", {})).is_error
        assert [r.status for r in sent(sim, "login", before)] == [0, 200, 502, 200]


async def test_session_renewal_never_loops(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(login_settings(sim, tmp_path), catalog) as (_app, client):
        assert not (await client.call_tool("list_zones", {})).is_error
        before = len(sim.requests)
        sim.faults.add(FaultRule(api="listZones", kind="error", code=401, text="unable to verify user credentials"))
        bad = await client.call_tool("list_zones", {})
        assert bad.is_error and "401" in text(bad)
        assert len(sent(sim, "login", before)) == 1 and len(sent(sim, "listZones", before)) == 2
        sim.faults.clear()
        assert not (await client.call_tool("list_zones", {})).is_error


async def test_change_resent_after_a_renewed_session_runs_once(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    async with connected(login_settings(sim, tmp_path), catalog) as (_app, client):
        assert not (await client.call_tool("list_zones", {})).is_error
        sim.cloud.accounts.sessions.clear()
        before = len(sim.requests)
        args = deploy_args(sim, catalog)
        assert not (await client.call_tool("deploy_virtual_machine", args)).is_error
        statuses = [r.status for r in sent(sim, "deployVirtualMachine", before)]
        assert statuses == [401, 200]  # refused unauthenticated (nothing ran), then run once
        assert len(vms_named(sim, args["name"])) == 1


async def test_clock_behind_the_server_is_diagnosed(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    # expires an hour in the past = this machine's clock an hour behind the server's
    async with connected(settings_for(sim, tmp_path, expiration=-3600), catalog) as (_app, client):
        before = len(sim.requests)
        for _ in range(2):
            bad = await client.call_tool("list_zones", {})
            assert bad.is_error and "401" in text(bad)
            assert "clocks disagree" in text(bad) and "NTP" in text(bad) and "CLOUDSTACK_EXPIRATION" in text(bad)
        assert len(sent(sim, "listCapabilities", before)) == 1  # one diagnosis for the burst
        probe = sent(sim, "listCapabilities", before)[0]
        assert "expires" not in probe.params and probe.status == 200


async def test_wrong_secret_is_not_blamed_on_the_clock(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path, secret_key="not-the-secret"), catalog) as (_app, client):
        before = len(sim.requests)
        bad = await client.call_tool("list_zones", {})
        assert bad.is_error and "401" in text(bad)
        assert "Check the API key and secret" in text(bad) and "clocks disagree" not in text(bad)
        assert len(sent(sim, "listZones", before)) == 1  # a 401 is a verdict: not retried
