"""The `cs` library, used as a plain client, works against the simulator."""

from __future__ import annotations

import pytest
from cs import CloudStack, CloudStackApiException

from cloudstack_mcp.simulator import Simulator


@pytest.fixture(scope="module")
def cloud():
    with Simulator(job_seconds=0.2).running() as sim:
        cred = sim.credentials["admin"]
        yield CloudStack(endpoint=sim.endpoint, key=cred.api_key, secret=cred.secret_key, poll_interval=0.05)


def test_list(cloud):
    zones = cloud.listZones()
    assert zones["count"] == 1 and zones["zone"][0]["name"] == "ams-zone1"
    vms = cloud.listVirtualMachines(listall=True, fetch_list=True)
    assert {"web-01", "db-01", "alice-dev"} <= {vm["name"] for vm in vms}


def test_create_and_follow_the_job(cloud):
    zone = cloud.listZones()["zone"][0]["id"]
    offering = cloud.listServiceOfferings()["serviceoffering"][0]["id"]
    template = cloud.listTemplates(templatefilter="featured")["template"][0]["id"]
    result = cloud.deployVirtualMachine(
        zoneid=zone, serviceofferingid=offering, templateid=template, name="from-cs", fetch_result=True
    )
    vm = result["virtualmachine"]
    assert vm["name"] == "from-cs" and vm["zoneid"] == zone
    assert cloud.listVirtualMachines(id=vm["id"])["virtualmachine"][0]["id"] == vm["id"]


def test_error(cloud):
    with pytest.raises(CloudStackApiException) as err:
        cloud.deployVirtualMachine(serviceofferingid="x")
    assert err.value.error["errorcode"] == 431
    assert "missing parameter zoneid" in err.value.error["errortext"]


def test_cs_mis_signs_tilde(cloud):
    # cs quotes values with urllib (leaving "~" as is) where the server's encoder writes %7E.
    with pytest.raises(CloudStackApiException) as err:
        cloud.listZones(name="a~b")
    assert err.value.error["errorcode"] == 401
