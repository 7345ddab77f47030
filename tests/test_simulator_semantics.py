"""The simulator behaves like a management server for every API, by general rules of the generic engine
(and a few domain handlers): one test per shortcoming found by driving it with a client nobody here
wrote (issue 15), each against the simulator over HTTP, with the built-in API and the 4.20 spec."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from tests.apidata import SPEC_420
from tests.simulator_helpers import Signed

pytestmark = pytest.mark.parametrize("sim", [None, SPEC_420], ids=["builtin", "4.20"], indirect=True)


def call(client: Signed, command: str, **params: Any) -> tuple[int, dict]:
    """(status, answer): an async API's job result once it ends (jobs end at once here)."""
    r = client.get(command, **params)
    (body,) = r.json().values()
    if r.status_code == 200 and "jobid" in body:
        job = client.ok("queryAsyncJobResult", jobid=body["jobid"])
        return (200 if job["jobstatus"] == 1 else int(job["jobresult"]["errorcode"])), job["jobresult"]
    return r.status_code, body


def obj(client: Signed, command: str, **params: Any) -> dict:
    status, body = call(client, command, **params)
    assert status == 200, body
    (value,) = [v for v in body.values() if isinstance(v, dict)]
    return value


def zone_id(admin: Signed) -> str:
    return admin.ok("listZones")["zone"][0]["id"]


# ---- deletes remove, and a second delete says it is gone ---------------------------------------------


def _delete_twice(admin: Signed, create: tuple[str, dict], delete: str, listing: str) -> None:
    made = obj(admin, create[0], **create[1])
    assert call(admin, delete, id=made["id"])[0] == 200
    assert admin.ok(listing, id=made["id"], listall="true") == {}
    status, body = call(admin, delete, id=made["id"])
    assert status == 431 and "deleted already" in body["errortext"]


def test_delete_role(admin):
    _delete_twice(admin, ("createRole", {"name": "gone-role", "type": "User"}), "deleteRole", "listRoles")


def test_delete_instance_group(admin):
    _delete_twice(admin, ("createInstanceGroup", {"name": "gone-group"}), "deleteInstanceGroup", "listInstanceGroups")


def test_delete_network_acl_list(admin):
    vpc = admin.ok("listVPCs", listall="true")["vpc"][0]["id"]
    _delete_twice(
        admin,
        ("createNetworkACLList", {"name": "gone-acl", "vpcid": vpc}),
        "deleteNetworkACLList",
        "listNetworkACLLists",
    )


def test_delete_vpn_gateway(admin):
    vpc = admin.ok("listVPCs", listall="true")["vpc"][0]["id"]
    _delete_twice(admin, ("createVpnGateway", {"vpcid": vpc}), "deleteVpnGateway", "listVpnGateways")


def test_delete_security_group(admin):
    _delete_twice(admin, ("createSecurityGroup", {"name": "gone-sg"}), "deleteSecurityGroup", "listSecurityGroups")


def test_delete_affinity_group(admin):
    _delete_twice(
        admin,
        ("createAffinityGroup", {"name": "gone-ag", "type": "host anti-affinity"}),
        "deleteAffinityGroup",
        "listAffinityGroups",
    )


def test_delete_project(admin):
    _delete_twice(
        admin, ("createProject", {"name": "gone-project", "displaytext": "x"}), "deleteProject", "listProjects"
    )


# ---- creates and updates keep what they are given -----------------------------------------------------


def test_create_zone_keeps_dns2_and_internaldns2(admin):
    zone = obj(
        admin,
        "createZone",
        name="dns-zone",
        networktype="Advanced",
        dns1="9.9.9.9",
        dns2="1.1.1.1",
        internaldns1="10.0.0.2",
        internaldns2="10.0.0.3",
    )
    assert (zone["dns2"], zone["internaldns2"]) == ("1.1.1.1", "10.0.0.3")


def test_create_account_keeps_networkdomain(admin):
    account = obj(
        admin,
        "createAccount",
        username="nd-user",
        password="Secret-123",
        email="nd@example.org",
        firstname="N",
        lastname="D",
        accounttype=0,
        networkdomain="corp.example",
    )
    assert account["networkdomain"] == "corp.example"


def test_create_service_offering_issystem(admin):
    offering = obj(
        admin,
        "createServiceOffering",
        name="router-offering",
        displaytext="router",
        issystem="true",
        systemvmtype="domainrouter",
        cpunumber=1,
        cpuspeed=500,
        memory=256,
    )
    assert offering["issystem"] is True and offering["systemvmtype"] == "domainrouter"


def test_update_template_passwordenabled(admin):
    template = admin.ok("listTemplates", templatefilter="featured")["template"][0]
    updated = obj(
        admin, "updateTemplate", id=template["id"], passwordenabled=str(not template["passwordenabled"]).lower()
    )
    assert updated["passwordenabled"] is (not template["passwordenabled"])


def test_update_network_acl_item_cidrlist(admin):
    vpc = admin.ok("listVPCs", listall="true")["vpc"][0]["id"]
    acl = obj(admin, "createNetworkACLList", name="acl-items", vpcid=vpc)
    item = obj(
        admin, "createNetworkACL", aclid=acl["id"], protocol="tcp", startport=22, endport=22, cidrlist="10.0.0.0/8"
    )
    updated = obj(admin, "updateNetworkACLItem", id=item["id"], cidrlist="192.168.0.0/16,172.16.0.0/12")
    assert updated["cidrlist"] == "192.168.0.0/16,172.16.0.0/12"


def test_update_role_permission_permission(admin, sim):
    role = obj(admin, "createRole", name="perm-role", type="User")
    rule = obj(admin, "createRolePermission", roleid=role["id"], rule="listZones", permission="allow")
    assert call(admin, "updateRolePermission", roleid=role["id"], ruleid=rule["id"], permission="deny")[0] == 200
    listed = admin.ok("listRolePermissions", roleid=role["id"])["rolepermission"]
    assert [r["permission"] for r in listed if r["id"] == rule["id"]] == ["deny"]


# ---- list filters ------------------------------------------------------------------------------------


def test_list_security_groups_by_name(admin):
    obj(admin, "createSecurityGroup", name="named-sg")
    assert [g["name"] for g in admin.ok("listSecurityGroups", securitygroupname="named-sg")["securitygroup"]] == [
        "named-sg"
    ]
    assert admin.ok("listSecurityGroups", securitygroupname="no-such-sg") == {}


def test_list_vpn_connections_by_vpc(admin):
    vpcs = admin.ok("listVPCs", listall="true")["vpc"]
    gateway = obj(admin, "createVpnGateway", vpcid=vpcs[0]["id"])
    customer = obj(
        admin,
        "createVpnCustomerGateway",
        gateway="203.0.113.5",
        cidrlist="192.168.50.0/24",
        ipsecpsk="s3cret-psk",
        ikepolicy="aes128-sha1",
        esppolicy="aes128-sha1",
        name="cgw",
    )
    conn = obj(admin, "createVpnConnection", s2svpngatewayid=gateway["id"], s2scustomergatewayid=customer["id"])
    mine = admin.ok("listVpnConnections", vpcid=vpcs[0]["id"], listall="true")["vpnconnection"]
    assert conn["id"] in {c["id"] for c in mine}
    other = obj(
        admin,
        "createVPC",
        name="other-vpc",
        displaytext="o",
        cidr="10.77.0.0/16",
        zoneid=zone_id(admin),
        vpcofferingid=admin.ok("listVPCOfferings")["vpcoffering"][0]["id"],
    )
    assert conn["id"] not in {
        c["id"] for c in admin.ok("listVpnConnections", vpcid=other["id"]).get("vpnconnection", [])
    }


def test_list_routers_by_network(admin):
    networks = {n["name"]: n["id"] for n in admin.ok("listNetworks", listall="true")["network"]}
    routers = admin.ok("listRouters", networkid=networks["admin-net"], listall="true")["router"]
    assert routers and {r["guestnetworkid"] for r in routers} == {networks["admin-net"]}


def test_list_network_offerings_by_zone_keeps_offerings_for_every_zone(admin):
    every = admin.ok("listNetworkOfferings")["networkoffering"]
    in_zone = admin.ok("listNetworkOfferings", zoneid=zone_id(admin))["networkoffering"]
    assert {o["name"] for o in in_zone} == {o["name"] for o in every}


# ---- lookups answer CloudStack's values ---------------------------------------------------------------


def test_affinity_group_types(admin):
    types = [t["type"] for t in admin.ok("listAffinityGroupTypes")["affinityGroupType"]]
    assert {"host anti-affinity", "host affinity"} <= set(types)


def test_storage_providers(admin):
    primary = {p["name"] for p in admin.ok("listStorageProviders", type="primary")["dataStoreProvider"]}
    image = {p["name"] for p in admin.ok("listStorageProviders", type="image")["dataStoreProvider"]}
    assert "DefaultPrimary" in primary and {"NFS", "S3", "Swift"} <= image


def test_get_user_by_api_key(admin, sim):
    user = admin.ok("getUser", userapikey=sim.credentials["user"].api_key)["user"]
    assert (user["username"], user["account"], user["domain"]) == ("alice", "alice", "Engineering")
    assert user["accountid"] and "secretkey" not in user


def test_guest_os_types_as_cloudstack_names_them(admin):
    types = {o["description"]: o["oscategoryname"] for o in admin.ok("listOsTypes")["ostype"]}
    assert types["CentOS 5.5 (64-bit)"] == "CentOS" and types["Windows Server 2022 (64-bit)"] == "Windows"
    categories = {c["name"] for c in admin.ok("listOsCategories")["oscategory"]}
    assert {"CentOS", "Debian", "Ubuntu", "RedHat", "Windows", "Other"} <= categories


# ---- initial states -------------------------------------------------------------------------------


def test_create_physical_network_is_disabled(admin):
    assert obj(admin, "createPhysicalNetwork", name="new-pnet", zoneid=zone_id(admin))["state"] == "Disabled"


def test_create_vpc_offering_is_disabled(admin):
    offering = obj(admin, "createVPCOffering", name="new-vo", displaytext="vo", supportedservices="Dhcp,Dns,SourceNat")
    assert offering["state"] == "Disabled"


def test_add_vpn_user_without_vpn_is_add(sim):
    alice = Signed(sim, "user")  # alice's account has no remote access VPN
    try:
        user = obj(alice, "addVpnUser", username="vpn-user", password="Secret-123")
        assert user["state"] == "Add" and user["username"] == "vpn-user"
    finally:
        alice.close()


def test_suspend_project(admin):
    project = obj(admin, "createProject", name="to-suspend", displaytext="x")
    assert obj(admin, "suspendProject", id=project["id"])["state"] == "Suspended"
    assert admin.ok("listProjects", id=project["id"])["project"][0]["state"] == "Suspended"
    assert obj(admin, "activateProject", id=project["id"])["state"] == "Active"


# ---- values written as CloudStack writes them -------------------------------------------------------


def test_ssh_key_fingerprint_is_the_keys_md5(admin):
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(range(32))
    key = "ssh-ed25519 " + base64.b64encode(blob).decode() + " me@laptop"
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    expected = ":".join(digest[i : i + 2] for i in range(0, 32, 2))
    assert obj(admin, "registerSSHKeyPair", name="fp-key", publickey=key)["fingerprint"] == expected


def test_create_vpc_keeps_the_cidr_as_given(admin):
    vpc = obj(
        admin,
        "createVPC",
        name="cidr-vpc",
        displaytext="c",
        cidr="10.88.1.0/16",
        zoneid=zone_id(admin),
        vpcofferingid=admin.ok("listVPCOfferings")["vpcoffering"][0]["id"],
    )
    assert vpc["cidr"] == "10.88.1.0/16"


def test_private_gateway_vlan_is_a_broadcast_uri(admin):
    vpc = admin.ok("listVPCs", listall="true")["vpc"][0]["id"]
    gw = obj(
        admin,
        "createPrivateGateway",
        vpcid=vpc,
        vlan="444",
        gateway="10.200.0.1",
        netmask="255.255.255.0",
        ipaddress="10.200.0.5",
    )
    assert gw["vlan"] == "vlan://444" and gw["ipaddress"] == "10.200.0.5"


def test_create_pod_without_endip_runs_to_the_cidr_end(admin):
    pod = obj(
        admin,
        "createPod",
        name="no-end",
        zoneid=zone_id(admin),
        gateway="10.9.0.1",
        netmask="255.255.255.0",
        startip="10.9.0.10",
    )
    assert (pod["startip"], pod["endip"]) == (["10.9.0.10"], ["10.9.0.254"])


def test_create_answers_every_parameter(admin):
    """Missing answer fields: a generic create shows each parameter that is a field of its answer."""
    group = obj(admin, "createInstanceGroup", name="shown-group")
    assert group["name"] == "shown-group" and group["account"] == "admin"
    gateway = obj(
        admin,
        "createVpnCustomerGateway",
        gateway="203.0.113.9",
        cidrlist="192.168.60.0/24",
        ipsecpsk="psk-1",
        ikepolicy="aes128-sha1",
        esppolicy="aes128-sha1",
        name="shown-cgw",
        dpd="true",
        ikelifetime=86400,
    )
    assert (gateway["gateway"], gateway["cidrlist"], gateway["dpd"], gateway["ikelifetime"]) == (
        "203.0.113.9",
        "192.168.60.0/24",
        True,
        86400,
    )


# ---- actions and validations ----------------------------------------------------------------------


def test_add_nic_adds_a_nic_to_the_vm(admin):
    vm = next(v for v in admin.ok("listVirtualMachines", listall="true")["virtualmachine"] if v["name"] == "web-01")
    other = obj(
        admin,
        "createNetwork",
        name="second-net",
        displaytext="second",
        zoneid=zone_id(admin),
        networkofferingid=next(
            o["id"]
            for o in admin.ok("listNetworkOfferings")["networkoffering"]
            if o["guestiptype"] == "Isolated" and not o["forvpc"]
        ),
    )
    count = len(admin.ok("listVirtualMachines", listall="true")["virtualmachine"])
    answer = obj(admin, "addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=other["id"])
    assert answer["id"] == vm["id"] and {n["networkid"] for n in answer["nic"]} >= {other["id"]}
    assert len(admin.ok("listVirtualMachines", listall="true")["virtualmachine"]) == count


def test_deploy_without_networkids_creates_the_accounts_network(sim):
    user = Signed(sim, "domainadmin")  # eng-admin has no network of its own
    try:
        zone = user.ok("listZones")["zone"][0]["id"]
        offering = user.ok("listServiceOfferings")["serviceoffering"][0]["id"]
        template = user.ok("listTemplates", templatefilter="featured")["template"][0]["id"]
        vm = obj(user, "deployVirtualMachine", zoneid=zone, serviceofferingid=offering, templateid=template)
        assert vm["nic"][0]["networkname"] == "eng-admin-network"
        assert [n["name"] for n in user.ok("listNetworks")["network"]] == ["eng-admin-network"]
    finally:
        user.close()


def test_list_by_the_uuid_of_an_expunged_vm_is_empty(admin):
    zone = zone_id(admin)
    offering = admin.ok("listServiceOfferings")["serviceoffering"][0]["id"]
    template = admin.ok("listTemplates", templatefilter="featured")["template"][0]["id"]
    vm = obj(
        admin, "deployVirtualMachine", zoneid=zone, serviceofferingid=offering, templateid=template, name="short-lived"
    )
    assert call(admin, "destroyVirtualMachine", id=vm["id"], expunge="true")[0] == 200
    r = admin.get("listVirtualMachines", id=vm["id"])
    assert r.status_code == 200 and admin.ok("listVirtualMachines", id=vm["id"]) == {}


def test_async_create_validation_refuses_the_request(admin):
    fixed = next(d for d in admin.ok("listDiskOfferings")["diskoffering"] if not d["iscustomized"])
    r = admin.get("createVolume", name="sized", zoneid=zone_id(admin), diskofferingid=fixed["id"], size=10)
    assert r.status_code == 431  # no job: the request itself is refused, with CloudStack's text
    assert r.json()["createvolumeresponse"]["errortext"] == "This disk offering does not allow custom size"
