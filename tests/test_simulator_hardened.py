"""`enforce.post.requests.and.timestamps` in the simulator, set per server through updateConfiguration
and honoured as CloudStack 4.21+ does: changes by POST, signature v3 with `expires` <= 15 minutes."""

from __future__ import annotations

import httpx2 as httpx
import pytest

from cloudstack_mcp.cloudstack.signing import expires_at
from cloudstack_mcp.simulator import Simulator
from tests.simulator_helpers import Signed

KEY = "enforce.post.requests.and.timestamps"


@pytest.fixture
def sim():
    with Simulator(job_seconds=0).running() as running:
        yield running


@pytest.fixture
def admin(sim):
    client = Signed(sim)
    yield client
    client.close()


def _inner(response: httpx.Response) -> dict:
    (inner,) = response.json().values()
    return inner


def _v3(seconds: float) -> dict[str, str]:
    return {"signatureVersion": "3", "expires": expires_at(seconds)}


def _enforce(admin: Signed, value: str) -> httpx.Response:
    return admin.post("updateConfiguration", name=KEY, value=value, **_v3(60))


def test_setting_listed_with_its_real_default_and_not_dynamic(admin):
    (config,) = admin.ok("listConfigurations", name=KEY)["configuration"]
    assert (config["value"], config["defaultvalue"], config["type"], config["isdynamic"]) == (
        "false",
        "false",
        "Boolean",
        False,
    )


def test_off_by_default_changes_by_get_and_v1_signatures_work(admin):
    r = admin.get("createDomain", name="by-get")
    assert r.status_code == 200, r.text


def test_setting_takes_only_true_or_false(admin):
    r = _enforce(admin, "yes")
    assert r.status_code == 431
    assert _inner(r)["errortext"] == "Please enter either 'true' or 'false'."


def test_on_a_change_by_get_is_refused_with_400(admin):
    assert _enforce(admin, "true").status_code == 200
    r = admin.get("createDomain", name="by-get", **_v3(60))
    assert r.status_code == 400
    assert _inner(r)["errortext"] == "State changing command createDomain needs to be sent using POST request"
    assert admin.post("createDomain", name="by-post", **_v3(60)).status_code == 200


def test_on_reads_may_stay_get(admin):
    _enforce(admin, "true")
    assert admin.get("listZones", **_v3(60)).status_code == 200
    assert admin.get("queryAsyncJobResult", jobid="x", **_v3(60)).status_code != 400


@pytest.mark.parametrize(
    ("extra", "status"),
    [({}, 401), ({"signatureVersion": "3"}, 401), ("20 min", 401), ("14 min", 200), ("1 s", 200)],
    ids=["v1", "v3-without-expires", "expires-20-min", "expires-14-min", "expires-1-s"],
)
def test_on_signatures_must_be_v3_within_15_minutes(admin, extra, status):
    _enforce(admin, "true")
    if isinstance(extra, str):
        number, unit = extra.split()
        extra = _v3(int(number) * (60 if unit == "min" else 1))
    r = admin.get("listZones", **extra)
    assert r.status_code == status, r.text
    if status == 401:
        assert _inner(r)["errortext"] == "unable to verify user credentials and/or request signature"


def test_off_again_unchanged(admin):
    _enforce(admin, "true")
    assert _enforce(admin, "false").status_code == 200
    assert admin.get("createDomain", name="again-by-get").status_code == 200
    assert admin.get("listZones", **_v3(3600)).status_code == 200


def test_per_server(sim, admin):
    _enforce(admin, "true")
    with Simulator(job_seconds=0).running() as other:
        client = Signed(other)
        try:
            assert client.get("createDomain", name="other").status_code == 200
        finally:
            client.close()
