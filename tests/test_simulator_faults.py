"""Fault injection over real HTTP: each kind, and probability / times / after, and the faults file."""

from __future__ import annotations

import json
import time

import httpx2 as httpx
import pytest

from cloudstack_mcp.simulator import FaultError, FaultRule, FaultSet, Simulator
from tests.simulator_helpers import Signed

pytestmark = pytest.mark.usefixtures("clean_sim")


def test_error_answers_like_cloudstack(sim, admin):
    sim.faults.add(FaultRule(api="listZones", kind="error", code=534, text="Resource unavailable", times=1))
    r = admin.get("listZones")
    assert r.status_code == 534
    assert r.json() == {
        "listzonesresponse": {
            "uuidList": [],
            "errorcode": 534,
            "cserrorcode": 9999,
            "errortext": "Resource unavailable",
        }
    }
    assert admin.get("listZones").status_code == 200  # times=1: used up


def test_latency_adds_up_and_still_answers(sim, admin):
    sim.faults.add(FaultRule(api="*", kind="latency", seconds=0.2))
    sim.faults.add(FaultRule(api="listZones", kind="latency", seconds=0.1))
    started = time.perf_counter()
    r = admin.get("listZones")
    assert r.status_code == 200 and time.perf_counter() - started >= 0.3


def test_drop_closes_the_connection_without_an_answer(sim, admin):
    sim.faults.add(FaultRule(api="listZones", kind="drop", times=1))
    with pytest.raises(httpx.TransportError):
        admin.get("listZones")
    assert admin.get("listZones").status_code == 200  # a new connection works
    assert sim.requests[-2].status == 0  # recorded as unanswered


def test_malformed_body_is_truncated_json(sim, admin):
    sim.faults.add(FaultRule(api="listZones", kind="malformed", times=1))
    r = admin.get("listZones")
    assert r.status_code == 200 and r.text.startswith('{"listzonesresponse"')
    with pytest.raises(ValueError):
        json.loads(r.text)


def test_html_error_page_and_bare_status(sim, admin):
    sim.faults.add(FaultRule(api="listZones", kind="html", code=503, times=1))
    r = admin.get("listZones")
    assert (
        r.status_code == 503
        and r.headers["content-type"] == "text/html"
        and "<h1>503 Service Unavailable</h1>" in r.text
    )
    sim.faults.add(FaultRule(api="listZones", kind="status", code=429, times=1))
    r = admin.get("listZones")
    assert r.status_code == 429 and r.content == b"" and r.headers["retry-after"] == "1"


def test_after_skips_first_matches_and_probability(sim, admin):
    sim.faults.add(FaultRule(api="listZones", kind="error", code=530, after=2, times=1))
    assert [admin.get("listZones").status_code for _ in range(4)] == [200, 200, 530, 200]
    sim.faults.clear()
    never = sim.faults.add(FaultRule(api="listZones", kind="error", probability=0.0))
    assert all(admin.get("listZones").status_code == 200 for _ in range(5))
    assert never.matched == 5 and never.applied == 0


def _deploy(client: Signed) -> dict:
    zone = client.ok("listZones")["zone"][0]["id"]
    offering = client.ok("listServiceOfferings")["serviceoffering"][0]["id"]
    template = client.ok("listTemplates", templatefilter="featured")["template"][0]["id"]
    return client.ok("deployVirtualMachine", zoneid=zone, serviceofferingid=offering, templateid=template)


def test_job_fail_and_job_slow(sim, admin):
    sim.faults.add(
        FaultRule(api="deployVirtualMachine", kind="job_fail", code=533, text="Insufficient capacity", times=1)
    )
    failed = admin.ok("queryAsyncJobResult", jobid=_deploy(admin)["jobid"])
    assert failed["jobstatus"] == 2 and failed["jobresult"] == {"errorcode": 533, "errortext": "Insufficient capacity"}
    sim.faults.add(FaultRule(api="deployVirtualMachine", kind="job_slow", seconds=None, times=1))
    stuck = _deploy(admin)["jobid"]
    time.sleep(0.1)
    assert admin.ok("queryAsyncJobResult", jobid=stuck)["jobstatus"] == 0  # never ends
    sim.faults.add(FaultRule(api="deployVirtualMachine", kind="job_slow", seconds=0.3, times=1))
    slow = _deploy(admin)["jobid"]
    assert admin.ok("queryAsyncJobResult", jobid=slow)["jobstatus"] == 0
    time.sleep(0.35)
    assert admin.ok("queryAsyncJobResult", jobid=slow)["jobstatus"] == 1


def test_faults_file(tmp_path):
    path = tmp_path / "faults.json"
    path.write_text(json.dumps({"faults": [{"api": "listZones", "kind": "status", "code": 503, "times": 1}]}))
    with Simulator(faults=path).running() as sim:
        client = Signed(sim)
        assert client.get("listZones").status_code == 503
        assert client.get("listZones").status_code == 200
        client.close()


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"faults": {"api": "x"}}', "expected a list of rules"),
        ('[{"api": "x", "kind": "explode"}]', "unknown fault kind 'explode'"),
        ('[{"api": "x", "kind": "error", "colour": 1}]', "unknown fault field(s) colour"),
        ('[{"kind": "latency"}]', "a latency fault needs seconds"),
        ('[{"kind": "error", "probability": 2}]', "between 0 and 1"),
    ],
)
def test_bad_faults_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "faults.json"
    path.write_text(content)
    with pytest.raises(FaultError, match=message.replace("(", r"\(").replace(")", r"\)")):
        FaultSet.load(path)


def test_missing_faults_file(tmp_path):
    with pytest.raises(FaultError, match="cannot read faults file"):
        Simulator(faults=tmp_path / "nope.json")
