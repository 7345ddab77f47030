"""The in-process transport: the simulator's protocol handler called directly, the same answers as over HTTP,
faults keeping their meaning, and no real waiting when a sleep is injected."""

from __future__ import annotations

import time

import httpx2
import pytest

from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.cloudstack.jobs import wait_for_job
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import AnswerTimeout, ApiError, ConnectionDropped
from cloudstack_mcp.simulator import FaultRule, Simulator
from tests.core_helpers import NoWait, in_process
from tests.simulator_helpers import Signed

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("clean_sim")]


def settings(sim: Simulator, **kw: object) -> Settings:
    admin = sim.credentials["admin"]
    base: dict = {"endpoint": sim.endpoint, "api_key": admin.api_key, "secret_key": admin.secret_key, "retries": 0}
    return Settings(**{**base, **kw})


async def test_same_answer_as_over_http(sim: Simulator) -> None:
    async with CloudStackClient(settings(sim)) as http, CloudStackClient(settings(sim), transport=in_process(sim)) as inproc:
        assert await inproc.call("listZones") == await http.call("listZones")
    assert [r.command for r in sim.requests[-2:]] == ["listZones", "listZones"]


async def test_a_wrong_secret_is_refused_like_over_http(sim: Simulator) -> None:
    async with CloudStackClient(settings(sim, secret_key="wrong"), transport=in_process(sim)) as client:
        with pytest.raises(ApiError) as err:
            await client.call("listZones")
    assert err.value.code == 401


async def test_drop_and_latency_past_the_timeout_are_transport_failures(sim: Simulator) -> None:
    no_wait = NoWait()
    async with CloudStackClient(settings(sim, timeout=5.0), transport=in_process(sim, no_wait), sleep=no_wait) as client:
        sim.faults.add(FaultRule(api="listZones", kind="drop", times=1))
        with pytest.raises(ConnectionDropped):
            await client.call("listZones")
        sim.faults.add(FaultRule(api="listZones", kind="latency", seconds=60, times=1))
        started = time.monotonic()
        with pytest.raises(AnswerTimeout):
            await client.call("listZones")
        assert time.monotonic() - started < 2 and 5.0 in no_wait.delays  # waited up to the timeout, not in real time
        sim.faults.add(FaultRule(api="listZones", kind="latency", seconds=1.5, times=1))
        assert (await client.call("listZones"))["zone"] and 1.5 in no_wait.delays


async def test_a_job_followed_without_waiting(sim: Simulator) -> None:
    sim.job_seconds = 0
    vm = next(iter(sim.cloud.store.all("UserVmResponse")))
    no_wait = NoWait()
    async with CloudStackClient(settings(sim), transport=in_process(sim), sleep=no_wait) as client:
        started = await client.call("rebootVirtualMachine", {"id": vm["id"]})
        outcome = await wait_for_job(client, started["jobid"], timeout=30, first_delay=5)
    assert outcome.status == "succeeded" and no_wait.delays == [5]


def test_a_sync_client_gets_the_same_answers(sim: Simulator) -> None:
    signed = Signed(sim)
    try:
        over_http = signed.ok("listZones")
        signed.http = httpx2.Client(transport=in_process(sim))
        assert signed.ok("listZones") == over_http
        sim.faults.add(FaultRule(api="listZones", kind="status", code=503, times=1))
        assert signed.get("listZones").status_code == 503
    finally:
        signed.close()
