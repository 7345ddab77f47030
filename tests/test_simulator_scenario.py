"""A VM's life through the `cs` library (a client nobody here wrote), on both seed profiles: deploy,
list, stop, a data disk attached, an unknown template refused, destroy and recover, expunge (then the
VM lists as empty)."""

from __future__ import annotations

import pytest
from cs import CloudStack, CloudStackApiException

from cloudstack_mcp.simulator import Simulator

PROFILES = {
    "default": ("ams-zone1", "Ubuntu 22.04 LTS", "Small Instance"),
    "sandbox": ("Sandbox-simulator-advanced", "CentOS 5.6 (64-bit) no GUI (Simulator)", "Small Instance"),
}


@pytest.fixture(params=sorted(PROFILES), scope="module")
def cloud(request):
    with Simulator(job_seconds=0.05, seed=request.param).running() as sim:
        cred = sim.credentials["admin"]
        client = CloudStack(endpoint=sim.endpoint, key=cred.api_key, secret=cred.secret_key, poll_interval=0.02)
        yield request.param, client


def _ids(cloud: CloudStack, profile: str) -> dict[str, str]:
    zone_name, template_name, offering_name = PROFILES[profile]
    zone = next(z for z in cloud.listZones(fetch_list=True) if z["name"] == zone_name)
    template = next(
        t
        for t in cloud.listTemplates(templatefilter="featured", zoneid=zone["id"], fetch_list=True)
        if t["name"] == template_name
    )
    offering = next(o for o in cloud.listServiceOfferings(fetch_list=True) if o["name"] == offering_name)
    return {"zoneid": zone["id"], "templateid": template["id"], "serviceofferingid": offering["id"]}


def test_vm_life(cloud):
    profile, cs = cloud
    ids = _ids(cs, profile)
    vm = cs.deployVirtualMachine(name=f"life-{profile}", fetch_result=True, **ids)["virtualmachine"]
    assert vm["state"] == "Running" and vm["zoneid"] == ids["zoneid"]
    listed = cs.listVirtualMachines(id=vm["id"])["virtualmachine"]
    assert [v["name"] for v in listed] == [f"life-{profile}"]

    stopped = cs.stopVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]
    assert stopped["state"] == "Stopped"

    offering = next(o for o in cs.listDiskOfferings(fetch_list=True) if o["name"] == "Small")
    volume = cs.createVolume(
        name=f"data-{profile}", diskofferingid=offering["id"], zoneid=ids["zoneid"], fetch_result=True
    )["volume"]
    attached = cs.attachVolume(id=volume["id"], virtualmachineid=vm["id"], fetch_result=True)["volume"]
    assert attached["virtualmachineid"] == vm["id"] and attached["type"] == "DATADISK"
    volumes = cs.listVolumes(virtualmachineid=vm["id"], fetch_list=True)
    assert sorted(v["type"] for v in volumes) == ["DATADISK", "ROOT"]

    with pytest.raises(CloudStackApiException) as err:
        cs.deployVirtualMachine(
            zoneid=ids["zoneid"],
            serviceofferingid=ids["serviceofferingid"],
            templateid="00000000-0000-0000-0000-000000000000",
        )
    assert err.value.error["errorcode"] == 431 and "templateid" in err.value.error["errortext"]

    destroyed = cs.destroyVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]
    assert destroyed["state"] == "Destroyed"
    recovered = cs.recoverVirtualMachine(id=vm["id"])["virtualmachine"]
    assert recovered["state"] == "Stopped"

    cs.detachVolume(id=volume["id"], fetch_result=True)
    cs.destroyVirtualMachine(id=vm["id"], expunge=True, fetch_result=True)
    assert cs.listVirtualMachines(id=vm["id"]) == {}
    assert cs.listVirtualMachines(name=f"life-{profile}", listall=True) == {}


def test_sandbox_has_the_containers_infrastructure():
    with Simulator(job_seconds=0, seed="sandbox").running() as sim:
        cred = sim.credentials["admin"]
        cs = CloudStack(endpoint=sim.endpoint, key=cred.api_key, secret=cred.secret_key, poll_interval=0.02)
        zones = {z["name"]: z for z in cs.listZones(fetch_list=True)}
        assert {n: z["networktype"] for n, z in zones.items()} == {
            "Sandbox-simulator-advanced": "Advanced",
            "Sandbox-simulator-basic": "Basic",
        }
        assert zones["Sandbox-simulator-basic"]["securitygroupsenabled"] is True
        assert {p["name"] for p in cs.listPods(fetch_list=True)} == {"POD0"}
        adv = zones["Sandbox-simulator-advanced"]["id"]
        assert sorted(c["name"] for c in cs.listClusters(zoneid=adv, fetch_list=True)) == ["C0", "C1"]
        hosts = cs.listHosts(type="Routing", fetch_list=True)
        assert len(hosts) == 5 and {h["hypervisor"] for h in hosts} == {"Simulator"}
        assert sorted(p["name"] for p in cs.listStoragePools(zoneid=adv, fetch_list=True)) == ["PS0", "PS1", "PS2"]
        assert {o["name"] for o in cs.listDiskOfferings(fetch_list=True)} == {"Small", "Medium", "Large", "Custom"}
        assert cs.listVirtualMachines(listall=True) == {}  # a fresh cloud
        basic = zones["Sandbox-simulator-basic"]["id"]
        template = cs.listTemplates(templatefilter="featured", zoneid=basic)["template"][0]
        small = next(o for o in cs.listServiceOfferings(fetch_list=True) if o["name"] == "Small Instance")
        vm = cs.deployVirtualMachine(
            zoneid=basic, templateid=template["id"], serviceofferingid=small["id"], fetch_result=True
        )["virtualmachine"]
        assert vm["nic"][0]["networkname"] == "defaultGuestNetwork" and vm["nic"][0]["type"] == "Shared"
