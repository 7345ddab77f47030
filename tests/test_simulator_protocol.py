"""The simulator's wire protocol: signatures, sessions, roles, parameter checks, envelopes, jobs."""

from __future__ import annotations

import json
import time

import httpx2 as httpx
import pytest

from cloudstack_mcp.cloudstack.signing import expires_at, sign
from cloudstack_mcp.simulator import FaultRule, Simulator
from tests.apidata import SIGNATURE_VECTORS
from tests.simulator_helpers import Signed

VECTORS = json.loads(SIGNATURE_VECTORS.read_text())


SIM_JOB_SECONDS = 0.3


def _inner(response: httpx.Response) -> dict:
    (inner,) = response.json().values()
    return inner


# ---- signatures -----------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["params"]["command"])
def test_signature_vectors_verify(vector):
    with Simulator(api_key="foo", secret_key=VECTORS["secret"]).running() as sim:
        params = dict(vector["params"], signature=vector["signature"])
        good = httpx.get(sim.endpoint, params=params)
        assert good.status_code != 401, good.text  # verified; the command itself may still be unknown (432)
        params["signature"] = vector["signature"][:-2] + ("A=" if vector["signature"][-2] != "A" else "B=")
        bad = httpx.get(sim.endpoint, params=params)
        assert bad.status_code == 401


def test_value_with_tilde_space_star_plus_unicode(admin):
    name = "a b*c~d+e é€"
    r = admin.get("listZones", name=name, signatureVersion="3", expires=expires_at(60))
    assert r.status_code == 200, r.text
    assert _inner(r) == {}  # no zone has that name: empty list answer


def test_bad_signature_unknown_key_and_missing_signature_are_401(sim, admin):
    params = admin.params("listZones")
    params["signature"] = sign(params, "not-the-secret")
    r = httpx.get(sim.endpoint, params=params)
    assert r.status_code == 401
    assert r.json() == {
        "listzonesresponse": {
            "uuidList": [],
            "errorcode": 401,
            "errortext": "unable to verify user credentials and/or request signature",
        }
    }
    unknown = {"command": "listZones", "response": "json", "apiKey": "nobody"}
    unknown["signature"] = sign(unknown, "x")
    assert httpx.get(sim.endpoint, params=unknown).status_code == 401
    assert httpx.get(sim.endpoint, params={"command": "listZones", "response": "json"}).status_code == 401


def test_signature_version_3_expiry(sim, admin):
    assert admin.get("listZones", signatureVersion="3", expires=expires_at(300)).status_code == 200
    assert admin.get("listZones", signatureVersion="3", expires=expires_at(-5)).status_code == 401
    assert admin.get("listZones", signatureVersion="3").status_code == 401  # expires is required with v3
    assert admin.get("listZones", signatureVersion="3", expires="tomorrow").status_code == 401
    # Without signatureVersion=3 an expired `expires` is not checked at all.
    assert admin.get("listZones", expires=expires_at(-5)).status_code == 200


def test_post_form_is_signed_like_get(admin):
    r = admin.post("listZones", name="ams-zone1")
    assert r.status_code == 200
    assert _inner(r)["zone"][0]["name"] == "ams-zone1"


# ---- sessions ---------------------------------------------------------------------------------------


def test_login_session_and_logout(sim):
    cred = sim.credentials["user"]
    with httpx.Client() as http:
        r = http.get(
            sim.endpoint,
            params={"command": "login", "username": cred.username, "password": cred.password, "response": "json"},
        )
        assert r.status_code == 405
        form = {
            "command": "login",
            "username": cred.username,
            "password": "wrong",
            "domain": cred.domain,
            "response": "json",
        }
        r = http.post(sim.endpoint, data=form)
        assert r.status_code == 531 and "failed to authenticate" in _inner(r)["errortext"]
        r = http.post(sim.endpoint, data=dict(form, password=cred.password))
        assert r.status_code == 200, r.text
        login = r.json()["loginresponse"]
        assert login["username"] == cred.username and login["type"] == "0"
        key = login["sessionkey"]
        assert "JSESSIONID" in http.cookies and http.cookies["sessionkey"] == key
        r = http.get(sim.endpoint, params={"command": "listVirtualMachines", "response": "json", "sessionkey": key})
        assert r.status_code == 200
        assert [vm["name"] for vm in _inner(r)["virtualmachine"]] == ["alice-dev"]  # a user sees only its own
        # The session key must also come as a parameter (CookieAndParameter); failing drops the session.
        r = http.get(sim.endpoint, params={"command": "listZones", "response": "json"})
        assert r.status_code == 401 and _inner(r)["errortext"] == "unable to verify user credentials"
        r = http.get(sim.endpoint, params={"command": "listZones", "response": "json", "sessionkey": key})
        assert r.status_code == 401
        r = http.post(sim.endpoint, data=dict(form, password=cred.password))
        key = r.json()["loginresponse"]["sessionkey"]
        r = http.post(sim.endpoint, data={"command": "logout", "response": "json", "sessionkey": key})
        assert r.json() == {"logoutresponse": {"description": "success"}}
        r = http.get(sim.endpoint, params={"command": "listZones", "response": "json", "sessionkey": key})
        assert r.status_code == 401


# ---- roles and listApis ----------------------------------------------------------------------------


def test_list_apis_by_role(sim420):
    admin, user = Signed(sim420, "admin"), Signed(sim420, "user")
    all_apis = admin.ok("listApis")
    user_apis = user.ok("listApis")
    assert all_apis["count"] == 864 == len(all_apis["api"])
    names = {a["name"] for a in user_apis["api"]}
    assert "listVirtualMachines" in names and "deployVirtualMachine" in names
    assert "addHost" not in names and "listHosts" not in names
    assert 100 < user_apis["count"] < 864
    one = admin.ok("listApis", name="listZones")
    assert one["count"] == 1 and one["api"][0]["name"] == "listZones"
    assert {p["name"] for p in one["api"][0]["params"]} >= {"id", "name", "keyword", "page", "pagesize"}
    r = user.get("addHost", zoneid="x", url="http://h", username="root", password="p", podid="x", hypervisor="KVM")
    assert r.status_code == 432 and "errorresponse" in r.json()
    admin.close()
    user.close()


# ---- parameters -------------------------------------------------------------------------------------


def test_parameter_checks(admin):
    r = admin.get("deployVirtualMachine")
    assert r.status_code == 431
    assert (
        _inner(r)["errortext"] == "Unable to execute API command deployvirtualmachine due to missing parameter zoneid"
    )
    assert _inner(r)["cserrorcode"] == 9999 and r.headers["X-Description"]
    r = admin.get("listZones", id="00000000-0000-0000-0000-000000000000")
    assert r.status_code == 431 and "Invalid parameter id value=00000000-" in _inner(r)["errortext"]
    host = admin.ok("listHosts")["host"][0]["id"]
    r = admin.get("listZones", id=host)  # a real uuid, but of a host: not a zone
    assert r.status_code == 431
    r = admin.get("listZones", page="two")
    assert r.status_code == 431 and _inner(r)["errortext"].endswith("due to invalid value two for parameter page")
    assert admin.get("listZones", pagesize="501").status_code == 431
    assert admin.get("listZones", pagesize="-1", page="1").status_code == 431
    assert admin.get("listZones", pagesize="-1").status_code == 200
    r = admin.get("listZones", name="x" * 256)
    assert r.status_code == 431 and "max allowed length 255" in _inner(r)["errortext"]
    r = admin.get("listZones", **{"tags[x].key": "a"})
    assert r.status_code == 430 and "Unable to decode parameter tags[x].key" in _inner(r)["errortext"]


def test_list_and_uuid_list_parameters(admin):
    vms = admin.ok("listVirtualMachines", listall="true")["virtualmachine"]
    ids = [vm["id"] for vm in vms]
    picked = admin.ok("listVirtualMachines", listall="true", ids=",".join(ids[:2]))
    assert picked["count"] == 2 and {vm["id"] for vm in picked["virtualmachine"]} == set(ids[:2])


def test_paging_and_count(admin):
    everything = admin.ok("listVirtualMachines", listall="true")
    first = admin.ok("listVirtualMachines", listall="true", page="1", pagesize="2")
    second = admin.ok("listVirtualMachines", listall="true", page="2", pagesize="2")
    assert first["count"] == second["count"] == everything["count"] >= 3
    assert len(first["virtualmachine"]) == 2
    assert [v["id"] for v in first["virtualmachine"] + second["virtualmachine"]] == [
        v["id"] for v in everything["virtualmachine"]
    ][:4]


def test_admin_sees_own_resources_unless_listall(admin):
    own = {vm["name"] for vm in admin.ok("listVirtualMachines")["virtualmachine"]}
    everything = {vm["name"] for vm in admin.ok("listVirtualMachines", listall="true")["virtualmachine"]}
    assert "alice-dev" not in own and "alice-dev" in everything


# ---- transport ----------------------------------------------------------------------------------------


def test_xml_no_command_and_wrong_path(sim, admin):
    params = admin.params("listZones")
    params.pop("response")
    params["signature"] = sign(params, admin.cred.secret_key)
    r = httpx.get(sim.endpoint, params=params)
    assert r.status_code == 400 and "response=json" in r.text and r.headers["content-type"].startswith("text/xml")
    r = httpx.get(sim.endpoint, params={"response": "json"})
    assert r.status_code == 400 and r.json() == {
        "errorresponse": {"uuidList": [], "errorcode": 400, "errortext": "no command specified"}
    }
    assert httpx.get(sim.endpoint.replace("/client/api", "/nothing")).status_code == 404


# ---- envelopes and item keys (4.20 spec) --------------------------------------------------------------


def test_envelopes_item_keys_and_empty_lists(sim420):
    admin = Signed(sim420)
    r = admin.get("listAsyncJobs")
    assert r.json() == {"listasyncjobsresponse": {}}
    vm = admin.ok("listSystemVms")["systemvm"][0]
    r = admin.get(
        "scaleSystemVm", id=vm["id"], serviceofferingid=admin.ok("listServiceOfferings")["serviceoffering"][0]["id"]
    )
    assert list(r.json()) == ["changeserviceforsystemvmresponse"] and "jobid" in _inner(r)
    assert "asyncjobs" in admin.ok("listAsyncJobs")
    assert "imagestore" in admin.ok("listImageStores")
    assert "virtualmachine" in admin.ok("listVirtualMachinesMetrics", listall="true")
    assert "zoneipv4subnet" in admin.ok("listIpv4SubnetsForZone")
    zone = admin.ok("listZones")["zone"][0]["id"]
    added = admin.ok("addImageStore", provider="NFS", zoneid=zone, url="nfs://10.0.40.77/export/spare")["imagestore"]
    r = admin.get("deleteImageStore", id=added["id"])
    assert r.json() == {"deleteimagestoreresponse": {"success": True}}
    admin.close()


# ---- async jobs -----------------------------------------------------------------------------------------


def _deploy(admin: Signed, **extra) -> dict:
    zone = admin.ok("listZones")["zone"][0]["id"]
    offering = admin.ok("listServiceOfferings")["serviceoffering"][0]["id"]
    template = admin.ok("listTemplates", templatefilter="featured")["template"][0]["id"]
    r = admin.get("deployVirtualMachine", zoneid=zone, serviceofferingid=offering, templateid=template, **extra)
    assert r.status_code == 200, r.text
    return r.json()["deployvirtualmachineresponse"]


def test_async_job_pending_then_success(sim, admin):
    sim.job_seconds = 0.3
    started = _deploy(admin, name="job-test")
    assert set(started) == {"id", "jobid"}
    pending = admin.ok("queryAsyncJobResult", jobid=started["jobid"])
    assert pending["jobstatus"] == 0 and pending["jobresultcode"] == 0 and "jobresult" not in pending
    assert pending["cmd"].startswith("org.apache.cloudstack.api.command.")
    deadline = time.monotonic() + 5
    while (result := admin.ok("queryAsyncJobResult", jobid=started["jobid"]))["jobstatus"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert result["jobstatus"] == 1 and result["jobresulttype"] == "object"
    assert result["jobresult"]["virtualmachine"]["id"] == started["id"]
    assert result["jobinstanceid"] == started["id"] and result["completed"]
    listed = admin.ok("listVirtualMachines", id=started["id"])
    assert listed["virtualmachine"][0]["name"] == "job-test"
    jobs = admin.ok("listAsyncJobs")["asyncjobs"]
    assert started["jobid"] in {j["jobid"] for j in jobs}


def test_async_job_failure_fields(sim, admin):
    sim.job_seconds = 0
    sim.faults.add(FaultRule(api="deployVirtualMachine", kind="job_fail", code=530, text="No capacity left", times=1))
    try:
        started = _deploy(admin)
        result = admin.ok("queryAsyncJobResult", jobid=started["jobid"])
        assert result["jobstatus"] == 2 and result["jobresultcode"] == 530
        assert result["jobresult"] == {"errorcode": 530, "errortext": "No capacity left"}
    finally:
        sim.faults.clear()
        sim.job_seconds = 0.3


def test_requests_are_recorded(sim, admin):
    before = len(sim.requests)
    admin.get("listZones")
    record = sim.requests[before]
    assert record.command == "listZones" and record.method == "GET" and record.status == 200
    assert record.params["apiKey"] == admin.cred.api_key


@pytest.mark.anyio
async def test_serve_on_the_current_event_loop():
    sim = Simulator()
    async with sim.serve() as running:
        cred = running.credentials["admin"]
        params = {"command": "listZones", "response": "json", "apiKey": cred.api_key}
        params["signature"] = sign(params, cred.secret_key)
        async with httpx.AsyncClient() as http:
            r = await http.get(running.endpoint, params=params)
        assert r.status_code == 200 and r.json()["listzonesresponse"]["count"] == 1
