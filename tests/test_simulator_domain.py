"""Domain semantics: state changes show in later lists, invalid transitions fail as CloudStack fails them."""

from __future__ import annotations

import pytest

from tests.apidata import SPEC_420
from tests.simulator_helpers import Signed

pytestmark = pytest.mark.parametrize("sim", [None, SPEC_420], ids=["builtin", "4.20"], indirect=True)


def job(client: Signed, command: str, **params) -> dict:
    """Run an async command (jobs end at once with job_seconds=0) and return the job."""
    started = client.ok(command, **params)
    return client.ok("queryAsyncJobResult", jobid=started["jobid"])


def first(client: Signed, command: str, key: str, **params) -> dict:
    return client.ok(command, **params)[key][0]


def deploy(admin: Signed, name: str, **extra) -> dict:
    zone = first(admin, "listZones", "zone")["id"]
    offering = first(admin, "listServiceOfferings", "serviceoffering")["id"]
    template = first(admin, "listTemplates", "template", templatefilter="featured")["id"]
    result = job(
        admin, "deployVirtualMachine", zoneid=zone, serviceofferingid=offering, templateid=template, name=name, **extra
    )
    assert result["jobstatus"] == 1, result
    return result["jobresult"]["virtualmachine"]


def test_vm_lifecycle_and_invalid_transitions(admin):
    vm = deploy(admin, "life-1")
    assert vm["state"] == "Running" and vm["hostid"]
    root = first(admin, "listVolumes", "volume", virtualmachineid=vm["id"])
    assert root["type"] == "ROOT" and root["vmstate"] == "Running"
    again = job(admin, "startVirtualMachine", id=vm["id"])
    assert again["jobstatus"] == 2 and again["jobresultcode"] == 530
    assert again["jobresult"]["errorcode"] == 431 and "already running" in again["jobresult"]["errortext"]
    assert job(admin, "stopVirtualMachine", id=vm["id"])["jobresult"]["virtualmachine"]["state"] == "Stopped"
    assert job(admin, "rebootVirtualMachine", id=vm["id"])["jobstatus"] == 2  # only a running VM reboots
    assert job(admin, "expungeVirtualMachine", id=vm["id"])["jobstatus"] == 2  # destroy first
    destroyed = job(admin, "destroyVirtualMachine", id=vm["id"])["jobresult"]["virtualmachine"]
    assert destroyed["state"] == "Destroyed"
    assert first(admin, "listVirtualMachines", "virtualmachine", id=vm["id"])["state"] == "Destroyed"
    recovered = admin.ok("recoverVirtualMachine", id=vm["id"])["virtualmachine"]
    assert recovered["state"] == "Stopped"
    job(admin, "destroyVirtualMachine", id=vm["id"])
    assert job(admin, "expungeVirtualMachine", id=vm["id"])["jobstatus"] == 1
    # Gone, but the server still resolves a removed entity's uuid (issue 15): the lists are empty, not 431.
    assert admin.ok("listVirtualMachines", id=vm["id"]) == {}
    assert admin.ok("listVolumes", id=root["id"]) == {}


def test_change_offering_needs_a_stopped_vm(admin):
    vm = deploy(admin, "scale-1")
    other = [o for o in admin.ok("listServiceOfferings")["serviceoffering"] if o["id"] != vm["serviceofferingid"]][0]
    r = admin.get("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=other["id"])
    assert (
        r.status_code == 431
        and "make sure the virtual machine is stopped"
        in r.json()["changeserviceforvirtualmachineresponse"]["errortext"]
    )
    job(admin, "stopVirtualMachine", id=vm["id"])
    changed = admin.ok("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=other["id"])["virtualmachine"]
    assert changed["serviceofferingid"] == other["id"] and changed["memory"] == other["memory"]


def test_volumes_attach_detach_and_snapshots(admin):
    vm = deploy(admin, "vol-1")
    offering = next(o for o in admin.ok("listDiskOfferings")["diskoffering"] if not o["iscustomized"])
    volume = job(admin, "createVolume", name="data-1", diskofferingid=offering["id"], zoneid=vm["zoneid"])["jobresult"][
        "volume"
    ]
    assert volume["state"] == "Allocated" and "virtualmachineid" not in volume
    attached = job(admin, "attachVolume", id=volume["id"], virtualmachineid=vm["id"])["jobresult"]["volume"]
    assert attached["virtualmachineid"] == vm["id"] and attached["deviceid"] >= 1
    r = admin.get("deleteVolume", id=volume["id"])
    assert r.status_code == 431 and "not attached to any VM" in r.json()["deletevolumeresponse"]["errortext"]
    root = next(v for v in admin.ok("listVolumes", virtualmachineid=vm["id"])["volume"] if v["type"] == "ROOT")
    assert job(admin, "detachVolume", id=root["id"])["jobstatus"] == 2
    snap = job(admin, "createSnapshot", volumeid=volume["id"])["jobresult"]["snapshot"]
    assert snap["state"] == "BackedUp" and snap["volumeid"] == volume["id"]
    assert first(admin, "listSnapshots", "snapshot", id=snap["id"])["state"] == "BackedUp"
    job(admin, "detachVolume", id=volume["id"])
    assert admin.ok("deleteVolume", id=volume["id"]) == {"success": True}
    vmsnap = job(admin, "createVMSnapshot", virtualmachineid=vm["id"])["jobresult"]["vmsnapshot"]
    assert vmsnap["state"] == "Ready"
    assert (
        job(admin, "revertToVMSnapshot", vmsnapshotid=vmsnap["id"])["jobstatus"] == 2
    )  # disk-only: VM must be stopped


def test_networks_ips_and_rules(admin):
    zone = first(admin, "listZones", "zone")["id"]
    offering = next(
        o
        for o in admin.ok("listNetworkOfferings")["networkoffering"]
        if o["guestiptype"] == "Isolated" and not o["forvpc"]
    )
    net = admin.ok("createNetwork", name="web-net", displaytext="web", zoneid=zone, networkofferingid=offering["id"])[
        "network"
    ]
    assert net["state"] == "Allocated"
    vm = deploy(admin, "net-vm", networkids=net["id"])
    assert first(admin, "listNetworks", "network", id=net["id"])["state"] == "Implemented"
    ip = job(admin, "associateIpAddress", networkid=net["id"])["jobresult"]["ipaddress"]
    assert ip["associatednetworkid"] == net["id"] and not ip["issourcenat"]
    rule = job(
        admin,
        "createPortForwardingRule",
        ipaddressid=ip["id"],
        privateport=22,
        publicport=2222,
        protocol="tcp",
        virtualmachineid=vm["id"],
    )["jobresult"]["portforwardingrule"]
    assert rule["virtualmachineid"] == vm["id"] and rule["state"] == "Active"
    # createLoadBalancerRule is a BaseAsyncCreateCmd: its conflict check runs before the job is queued,
    # so the request itself is refused (issue 15: was a failed job).
    clash = admin.get(
        "createLoadBalancerRule",
        name="lb",
        algorithm="roundrobin",
        privateport=22,
        publicport=2222,
        publicipid=ip["id"],
    )
    assert clash.status_code == 537 and clash.json()["createloadbalancerruleresponse"]["errorcode"] == 537
    fw = job(
        admin,
        "createFirewallRule",
        ipaddressid=ip["id"],
        protocol="tcp",
        startport=2222,
        endport=2222,
        cidrlist="203.0.113.0/24",
    )["jobresult"]["firewallrule"]
    assert fw["cidrlist"] == "203.0.113.0/24"
    assert {r["id"] for r in admin.ok("listPortForwardingRules", ipaddressid=ip["id"])["portforwardingrule"]} == {
        rule["id"]
    }
    assert {r["id"] for r in admin.ok("listFirewallRules", ipaddressid=ip["id"])["firewallrule"]} == {fw["id"]}
    sources = [
        i
        for i in admin.ok("listPublicIpAddresses", listall="true")["publicipaddress"]
        if i.get("associatednetworkid") == net["id"] and i["issourcenat"]
    ]
    assert len(sources) == 1
    assert job(admin, "disassociateIpAddress", id=sources[0]["id"])["jobstatus"] == 2
    assert job(admin, "deleteNetwork", id=net["id"])["jobstatus"] == 2  # a VM still uses it


def test_vpc_and_routing_firewall(admin):
    zone = first(admin, "listZones", "zone")["id"]
    vpc_offering = first(admin, "listVPCOfferings", "vpcoffering")["id"]
    vpc = job(admin, "createVPC", name="vpc-1", zoneid=zone, vpcofferingid=vpc_offering, cidr="10.50.0.0/16")[
        "jobresult"
    ]["vpc"]
    routers = admin.ok("listRouters", listall="true")["router"]
    assert any(r.get("vpcid") == vpc["id"] for r in routers)
    tier_offering = next(o for o in admin.ok("listNetworkOfferings")["networkoffering"] if o["forvpc"])
    tier = admin.ok(
        "createNetwork",
        name="tier-1",
        zoneid=zone,
        networkofferingid=tier_offering["id"],
        vpcid=vpc["id"],
        gateway="10.50.1.1",
        netmask="255.255.255.0",
    )["network"]
    assert tier["vpcid"] == vpc["id"]
    assert job(admin, "deleteVPC", id=vpc["id"])["jobstatus"] == 2
    nat_net = next(n for n in admin.ok("listNetworks")["network"] if n["name"] == "admin-net")
    routed = next(n for n in admin.ok("listNetworks")["network"] if n["name"] == "routed-net")
    # A BaseAsyncCreateCmd: refused before any job is queued (issue 15: was a failed job).
    assert admin.get("createRoutingFirewallRule", networkid=nat_net["id"], protocol="tcp").status_code == 431
    rule = job(admin, "createRoutingFirewallRule", networkid=routed["id"], protocol="tcp", startport=443, endport=443)
    assert rule["jobstatus"] == 1
    listed = admin.ok("listRoutingFirewallRules", networkid=routed["id"])
    assert rule["jobresult"]["firewallrule"]["id"] in {r["id"] for r in listed["firewallrule"]}


def test_hosts_maintenance_ha_and_degraded(admin):
    hosts = admin.ok("listHosts")["host"]
    busy = next(h for h in hosts if h["name"] == "kvm-host-01")
    running = [v for v in admin.ok("listVirtualMachines", listall="true", hostid=busy["id"]).get("virtualmachine", [])]
    result = job(admin, "prepareHostForMaintenance", id=busy["id"])["jobresult"]["host"]
    assert result["resourcestate"] == "Maintenance"
    assert admin.ok("listVirtualMachines", listall="true", hostid=busy["id"]) == {}
    assert running  # the VMs moved elsewhere
    assert job(admin, "prepareHostForMaintenance", id=busy["id"])["jobstatus"] == 2
    assert job(admin, "cancelHostMaintenance", id=busy["id"])["jobresult"]["host"]["resourcestate"] == "Enabled"
    assert job(admin, "enableHAForHost", hostid=busy["id"])["jobstatus"] == 2  # no provider configured yet
    assert job(admin, "configureHAForHost", hostid=busy["id"], provider="kvmhaprovider")["jobstatus"] == 1
    ha = job(admin, "enableHAForHost", hostid=busy["id"])["jobresult"]["hostha"]
    assert ha["haenable"] is True and ha["hastate"] == "Available"
    assert first(admin, "listHostHAResources", "hostha", hostid=busy["id"])["haprovider"] == "kvmhaprovider"
    up = next(h for h in hosts if h["name"] == "kvm-host-02")
    down = next(h for h in hosts if h["state"] == "Disconnected")
    assert job(admin, "declareHostAsDegraded", id=up["id"])["jobstatus"] == 2
    assert job(admin, "declareHostAsDegraded", id=down["id"])["jobresult"]["host"]["resourcestate"] == "Degraded"
    assert job(admin, "cancelHostAsDegraded", id=down["id"])["jobresult"]["host"]["resourcestate"] == "Enabled"


def test_cluster_drs_plan(admin):
    cluster = next(c for c in admin.ok("listClusters")["cluster"] if c["name"] == "cluster-kvm-1")
    hosts = [h for h in admin.ok("listHosts", clusterid=cluster["id"])["host"] if h["state"] == "Up"]

    def load(host: dict) -> int:
        vms = admin.ok("listVirtualMachines", listall="true", hostid=host["id"]).get("virtualmachine", [])
        return sum(v["memory"] for v in vms if v["state"] == "Running")

    target = hosts[0]
    for i in range((load(hosts[1]) - load(target)) // 1024 + 3):  # make the first host clearly the busiest
        deploy(admin, f"drs-{i}", hostid=target["id"])
    plan = admin.ok("generateClusterDrsPlan", id=cluster["id"], migrations=2)["drsplan"]
    assert plan["clusterid"] == cluster["id"] and plan["migrations"]
    moves = {m["virtualmachineid"]: m["destinationhostid"] for m in plan["migrations"]}
    mapping = {}
    for i, (vm_id, host_id) in enumerate(moves.items()):
        mapping[f"migrateto[{i}].vm"] = vm_id
        mapping[f"migrateto[{i}].host"] = host_id
    done = job(admin, "executeClusterDrsPlan", id=cluster["id"], **mapping)["jobresult"]["drsplan"]
    assert done["status"] == "COMPLETED"
    for vm_id, host_id in moves.items():
        assert first(admin, "listVirtualMachines", "virtualmachine", id=vm_id)["hostid"] == host_id
    assert admin.ok("listClusterDrsPlan", clusterid=cluster["id"])["count"] >= 1


def test_zone_ipv4_subnets(admin):
    zone = first(admin, "listZones", "zone")["id"]
    subnet = job(admin, "createIpv4SubnetForZone", zoneid=zone, subnet="172.16.0.0/20")["jobresult"]["zoneipv4subnet"]
    overlap = job(admin, "createIpv4SubnetForZone", zoneid=zone, subnet="172.16.8.0/24")
    assert overlap["jobstatus"] == 2 and "overlaps" in overlap["jobresult"]["errortext"]
    domain = first(admin, "listDomains", "domain")["id"]
    dedicated = job(admin, "dedicateIpv4SubnetForZone", id=subnet["id"], domainid=domain)["jobresult"]["zoneipv4subnet"]
    assert dedicated["domainid"] == domain
    assert job(admin, "releaseIpv4SubnetForZone", id=subnet["id"])["jobstatus"] == 1
    assert job(admin, "releaseIpv4SubnetForZone", id=subnet["id"])["jobstatus"] == 2
    assert subnet["id"] in {s["id"] for s in admin.ok("listIpv4SubnetsForZone", zoneid=zone)["zoneipv4subnet"]}


def test_image_stores_selectors_and_migration(admin):
    zone = first(admin, "listZones", "zone")["id"]
    seeded = first(admin, "listImageStores", "imagestore")
    assert seeded["providername"] == "NFS"
    r = admin.get("deleteImageStore", id=seeded["id"])
    assert (
        r.status_code == 431
        and r.json()["deleteimagestoreresponse"]["errortext"]
        == "Cannot delete image store with active templates backup!"
    )
    second = admin.ok(
        "addImageStore", provider="NFS", zoneid=zone, url="nfs://10.0.40.21/export/secondary2", name="nfs-2"
    )["imagestore"]
    files = admin.ok("listImageStoreObjects", id=seeded["id"], path="template")["datastoreobject"]
    assert files and all(not f["isdirectory"] for f in files)
    moved = job(
        admin, "migrateSecondaryStorageData", srcpool=seeded["id"], destpools=second["id"], migrationtype="Complete"
    )
    assert moved["jobstatus"] == 1
    assert admin.ok("listImageStoreObjects", id=seeded["id"], path="template") == {}
    assert admin.ok("deleteImageStore", id=seeded["id"]) == {"success": True}
    staging = admin.ok("createSecondaryStagingStore", url="nfs://10.0.40.30/export/staging", zoneid=zone)[
        "secondarystorage"
    ]
    assert staging["id"] in {s["id"] for s in admin.ok("listSecondaryStagingStores")["imagestore"]}
    assert staging["id"] not in {s["id"] for s in admin.ok("listImageStores")["imagestore"]}
    selector = admin.ok(
        "createSecondaryStorageSelector",
        name="iso-sel",
        description="ISOs to nfs-2",
        zoneid=zone,
        type="iso",
        heuristicrule=f"'{second['id']}'",
    )["heuristics"]
    assert selector["type"] == "ISO"
    assert (
        admin.get(
            "createSecondaryStorageSelector", name="x", description="y", zoneid=zone, type="ISO", heuristicrule="z"
        ).status_code
        == 431
    )
    assert admin.ok("removeSecondaryStorageSelector", id=selector["id"]) == {"success": True}
    assert admin.ok("listSecondaryStorageSelectors", zoneid=zone) == {}


def test_certificates(admin):
    assert first(admin, "listCAProviders", "caprovider")["name"] == "root"
    assert admin.ok("listCaCertificate")["cacertificates"]["certificates"].startswith("-----BEGIN CERTIFICATE-----")
    issued = job(admin, "issueCertificate", domain="vm1.example.org")
    assert issued["jobstatus"] == 1 and "privatekey" in str(issued["jobresult"])
    assert job(admin, "issueCertificate")["jobstatus"] == 2
    zone = first(admin, "listZones", "zone")["id"]
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    cert = admin.ok(
        "uploadTemplateDirectDownloadCertificate", certificate=pem, name="repo-ca", hypervisor="KVM", zoneid=zone
    )
    assert cert["directdownloadcertificate"]["alias"] == "repo-ca"
    assert (
        admin.get(
            "uploadTemplateDirectDownloadCertificate", certificate=pem, name="x", hypervisor="VMware", zoneid=zone
        ).status_code
        == 431
    )
    assert admin.ok("listTemplateDirectDownloadCertificates", zoneid=zone)["count"] == 1


def test_register_user_keys_then_sign_with_them(sim, admin):
    user = sim.credentials["user"]
    alice = next(u for u in admin.ok("listUsers", listall="true")["user"] if u["username"] == user.username)
    keys = admin.ok("registerUserKeys", id=alice["id"])["userkeys"]
    assert keys["apikey"] != user.api_key
    from cloudstack_mcp.simulator import Credentials

    fresh = Signed(
        sim, credentials=Credentials(keys["apikey"], keys["secretkey"], user.username, user.password, user.domain)
    )
    assert fresh.get("listVirtualMachines").status_code == 200
    old = Signed(sim, credentials=user)
    assert old.get("listVirtualMachines").status_code == 401  # the old keys stopped working
    assert sim.credentials["user"].api_key == keys["apikey"]  # the handle shows the current ones
    fresh.close()
    old.close()


def test_accounts_users_and_roles(sim, admin):
    domain = admin.ok("createDomain", name="Sales")["domain"]
    account = admin.ok(
        "createAccount",
        username="bob",
        password="pw",
        email="bob@example.org",
        firstname="Bob",
        lastname="B",
        accounttype=0,
        domainid=domain["id"],
    )["account"]
    assert account["name"] == "bob" and account["user"][0]["username"] == "bob"
    assert (
        admin.get(
            "createAccount",
            username="bob",
            password="pw",
            email="b@x",
            firstname="B",
            lastname="B",
            accounttype=0,
            domainid=domain["id"],
        ).status_code
        == 431
    )
    assert job(admin, "deleteDomain", id=domain["id"])["jobstatus"] == 2  # it still has an account
    me = next(u for u in admin.ok("listUsers")["user"] if u["username"] == "admin")
    assert admin.get("deleteUser", id=me["id"]).status_code == 431
    user = Signed(sim, "user")
    assert (
        user.get(
            "createAccount", username="eve", password="pw", email="e@x", firstname="E", lastname="E", accounttype=0
        ).status_code
        == 432
    )  # not an API of the user role
    assert [a["name"] for a in user.ok("listAccounts")["account"]] == ["alice"]
    user.close()


def test_user_cannot_touch_others_vms(sim, admin):
    user = Signed(sim, "user")
    web = next(v for v in admin.ok("listVirtualMachines", listall="true")["virtualmachine"] if v["name"] == "web-01")
    r = user.get("stopVirtualMachine", id=web["id"])
    assert r.status_code == 531
    user.close()


def test_tags_and_keypairs(admin):
    vm = first(admin, "listVirtualMachines", "virtualmachine", name="web-01")
    assert (
        job(
            admin,
            "createTags",
            resourcetype="UserVm",
            resourceids=vm["id"],
            **{"tags[0].key": "env", "tags[0].value": "prod"},
        )["jobstatus"]
        == 1
    )
    assert {"key": "env", "value": "prod"}.items() <= first(
        admin, "listVirtualMachines", "virtualmachine", id=vm["id"]
    )["tags"][0].items()
    created = admin.ok("createSSHKeyPair", name="ci")["keypair"]
    assert created["privatekey"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert admin.get("createSSHKeyPair", name="ci").status_code == 431
    assert admin.get("registerSSHKeyPair", name="bad", publickey="not a key").status_code == 431
    assert admin.ok("deleteSSHKeyPair", name="ci") == {"success": True}


def test_domain_admin_manages_its_domain_only(sim):
    dadmin = Signed(sim, "domainadmin")
    names = {a["name"] for a in dadmin.ok("listAccounts", listall="true")["account"]}
    assert names == {"eng-admin", "alice"}
    made = dadmin.ok(
        "createAccount",
        username="carol",
        password="pw",
        email="c@example.org",
        firstname="C",
        lastname="D",
        accounttype=0,
    )["account"]
    assert made["domain"] == "Engineering"
    root = next(d for d in Signed(sim).ok("listDomains")["domain"] if d["level"] == 0)
    r = dadmin.get(
        "createAccount",
        username="dave",
        password="pw",
        email="d@x",
        firstname="D",
        lastname="E",
        accounttype=0,
        domainid=root["id"],
    )
    assert r.status_code == 531
    dadmin.close()
