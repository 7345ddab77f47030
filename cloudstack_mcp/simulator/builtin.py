"""The built-in API: what the simulator serves without a spec file.

Signatures are declared here in a compact form, descriptions in our own words. A parameter is
`name[*][:type][=Entity]`: `*` = required, type defaults to string, `=Zone` names the entity a
uuid (or list of uuids, type `uuids`) refers to (`ZoneResponse`).
"""

from __future__ import annotations

from functools import lru_cache

from cloudstack_mcp.catalog import ApiSpec, Catalog, ParamSpec, ResponseField

__all__ = ["builtin_catalog"]

_PAGING = "keyword page:integer pagesize:integer"
_OWNER = "account domainid:uuid=Domain projectid:uuid=Project listall:boolean isrecursive:boolean"

# Response fields per entity kind (what answers show), space separated.
FIELDS: dict[str, str] = {
    "ZoneResponse": "id name description networktype allocationstate dhcpprovider dns1 dns2 internaldns1 "
    "guestcidraddress localstorageenabled securitygroupsenabled zonetoken type tags hasannotations",
    "PodResponse": "id name zoneid zonename gateway netmask startip endip allocationstate",
    "ClusterResponse": "id name zoneid zonename podid podname hypervisortype clustertype allocationstate managedstate arch",
    "HostResponse": "id name type state resourcestate hypervisor ipaddress zoneid zonename podid podname clusterid "
    "clustername cpunumber cpuspeed memorytotal memoryused cpuused hahost hostha version hosttags arch created",
    "StoragePoolResponse": "id name type state scope zoneid zonename podid podname clusterid clustername ipaddress path "
    "disksizetotal disksizeallocated disksizeused provider hypervisor tags created",
    "ImageStoreResponse": "id name zoneid zonename url protocol providername scope readonly disksizetotal disksizeused",
    "TemplateResponse": "id name displaytext ispublic isfeatured isready status format hypervisor ostypeid ostypename "
    "zoneid zonename size templatetype passwordenabled isextractable crossZones account domain domainid bootable created",
    "ServiceOfferingResponse": "id name displaytext cpunumber cpuspeed memory storagetype offerha limitcpuuse "
    "iscustomized issystem provisioningtype state created",
    "DiskOfferingResponse": "id name displaytext disksize iscustomized storagetype provisioningtype state created",
    "NetworkOfferingResponse": "id name displaytext guestiptype traffictype state isdefault specifyvlan forvpc created",
    "NetworkResponse": "id name displaytext zoneid zonename networkofferingid networkofferingname type traffictype "
    "state cidr gateway netmask vlan broadcasturi acltype account domainid domain restartrequired created",
    "UserVmResponse": "id name displayname account domainid domain created state haenable zoneid zonename hostid "
    "hostname templateid templatename serviceofferingid serviceofferingname cpunumber cpuspeed memory guestosid "
    "ostypeid osdisplayname nic securitygroup affinitygroup hypervisor instancename details displayvm tags jobid jobstatus",
    "VolumeResponse": "id name type deviceid virtualmachineid vmname vmstate size state storagetype storage storageid "
    "zoneid zonename account domainid domain diskofferingid diskofferingname hypervisor created destroyed",
    "AccountResponse": "id name accounttype roleid roletype rolename domainid domain domainpath state created",
    "UserResponse": "id username firstname lastname email account accountid accounttype roleid roletype rolename "
    "domainid domain state created timezone apikey usersource",
    "DomainResponse": "id name path level parentdomainid parentdomainname haschild state created",
}

_SPECS: list[tuple[str, str, str, str]] = [
    # (name, kind or "" / "Success", "async" or "", params), descriptions in _DESCRIPTIONS
    (
        "listZones",
        "ZoneResponse",
        "",
        f"id:uuid=Zone ids:uuids=Zone name available:boolean networktype showcapacities:boolean {_PAGING}",
    ),
    ("listPods", "PodResponse", "", f"id:uuid=Pod name zoneid:uuid=Zone allocationstate {_PAGING}"),
    (
        "listClusters",
        "ClusterResponse",
        "",
        f"id:uuid=Cluster name zoneid:uuid=Zone podid:uuid=Pod hypervisor allocationstate {_PAGING}",
    ),
    (
        "listHosts",
        "HostResponse",
        "",
        f"id:uuid=Host name type state zoneid:uuid=Zone podid:uuid=Pod clusterid:uuid=Cluster resourcestate hypervisor {_PAGING}",
    ),
    (
        "listStoragePools",
        "StoragePoolResponse",
        "",
        f"id:uuid=StoragePool name zoneid:uuid=Zone podid:uuid=Pod clusterid:uuid=Cluster scope status {_PAGING}",
    ),
    (
        "listImageStores",
        "ImageStoreResponse",
        "",
        f"id:uuid=ImageStore name zoneid:uuid=Zone protocol provider readonly:boolean {_PAGING}",
    ),
    (
        "listTemplates",
        "TemplateResponse",
        "",
        f"templatefilter* id:uuid=Template ids:uuids=Template name zoneid:uuid=Zone hypervisor {_OWNER} {_PAGING}",
    ),
    (
        "listIsos",
        "TemplateResponse",
        "",
        f"id:uuid=Template name zoneid:uuid=Zone isofilter bootable:boolean ispublic:boolean {_OWNER} {_PAGING}",
    ),
    (
        "listServiceOfferings",
        "ServiceOfferingResponse",
        "",
        f"id:uuid=ServiceOffering name virtualmachineid:uuid=UserVm issystem:boolean zoneid:uuid=Zone {_PAGING}",
    ),
    ("listDiskOfferings", "DiskOfferingResponse", "", f"id:uuid=DiskOffering name zoneid:uuid=Zone {_PAGING}"),
    (
        "listNetworkOfferings",
        "NetworkOfferingResponse",
        "",
        f"id:uuid=NetworkOffering name guestiptype state forvpc:boolean zoneid:uuid=Zone {_PAGING}",
    ),
    (
        "listNetworks",
        "NetworkResponse",
        "",
        f"id:uuid=Network name zoneid:uuid=Zone type traffictype vpcid:uuid=Vpc {_OWNER} {_PAGING}",
    ),
    (
        "listVirtualMachines",
        "UserVmResponse",
        "",
        f"id:uuid=UserVm ids:uuids=UserVm name state zoneid:uuid=Zone hostid:uuid=Host networkid:uuid=Network templateid:uuid=Template serviceofferingid:uuid=ServiceOffering details:list {_OWNER} {_PAGING}",
    ),
    (
        "deployVirtualMachine",
        "UserVmResponse",
        "async",
        "zoneid*:uuid=Zone serviceofferingid*:uuid=ServiceOffering templateid:uuid=Template name displayname networkids:uuids=Network diskofferingid:uuid=DiskOffering size:long rootdisksize:long hostid:uuid=Host startvm:boolean keypair userdata details:map account domainid:uuid=Domain",
    ),
    ("startVirtualMachine", "UserVmResponse", "async", "id*:uuid=UserVm hostid:uuid=Host"),
    ("stopVirtualMachine", "UserVmResponse", "async", "id*:uuid=UserVm forced:boolean"),
    ("rebootVirtualMachine", "UserVmResponse", "async", "id*:uuid=UserVm forced:boolean"),
    ("destroyVirtualMachine", "UserVmResponse", "async", "id*:uuid=UserVm expunge:boolean volumeids:uuids=Volume"),
    (
        "listVolumes",
        "VolumeResponse",
        "",
        f"id:uuid=Volume ids:uuids=Volume name type virtualmachineid:uuid=UserVm zoneid:uuid=Zone storageid {_OWNER} {_PAGING}",
    ),
    ("listAccounts", "AccountResponse", "", f"id:uuid=Account name accounttype:integer state {_OWNER} {_PAGING}"),
    ("listUsers", "UserResponse", "", f"id:uuid=User username accounttype:integer state {_OWNER} {_PAGING}"),
    ("listDomains", "DomainResponse", "", f"id:uuid=Domain name level:integer listall:boolean {_PAGING}"),
    ("listApis", "ApiDiscoveryResponse", "", "name"),
    ("queryAsyncJobResult", "AsyncJobResponse", "", "jobid*:uuid=AsyncJob"),
    ("listAsyncJobs", "AsyncJobResponse", "", f"startdate:date {_OWNER} {_PAGING}"),
    ("login", "LoginCmdResponse", "", "username* password* domain domainId:long"),
    ("logout", "LogoutCmdResponse", "", ""),
]

_DESCRIPTIONS: dict[str, str] = {
    "listZones": "Lists the zones the caller can use.",
    "listPods": "Lists pods (racks) of the zones.",
    "listClusters": "Lists clusters of hosts.",
    "listHosts": "Lists hosts: hypervisors and system hosts.",
    "listStoragePools": "Lists primary storage pools.",
    "listImageStores": "Lists secondary storage (image stores).",
    "listTemplates": "Lists templates the caller can see; templatefilter says which (featured, self, selfexecutable, sharedexecutable, executable, community, all).",
    "listIsos": "Lists ISO images the caller can see.",
    "listServiceOfferings": "Lists compute offerings.",
    "listDiskOfferings": "Lists disk offerings.",
    "listNetworkOfferings": "Lists network offerings.",
    "listNetworks": "Lists guest networks.",
    "listVirtualMachines": "Lists virtual machines (instances).",
    "deployVirtualMachine": "Creates a virtual machine and, unless startvm=false, starts it.",
    "startVirtualMachine": "Starts a stopped virtual machine.",
    "stopVirtualMachine": "Stops a running virtual machine.",
    "rebootVirtualMachine": "Restarts a running virtual machine.",
    "destroyVirtualMachine": "Destroys a virtual machine; it can be recovered until it is expunged.",
    "listVolumes": "Lists volumes (root and data disks).",
    "listAccounts": "Lists accounts.",
    "listUsers": "Lists users.",
    "listDomains": "Lists domains.",
    "listApis": "Lists the APIs the caller may call, with their parameters and answers.",
    "queryAsyncJobResult": "Returns the status of an asynchronous job and, once finished, its result.",
    "listAsyncJobs": "Lists the caller's asynchronous jobs.",
    "login": "Logs a user in with username and password and starts a session.",
    "logout": "Ends the session of the logged-in user.",
}

_PARAM_DOCS: dict[str, str] = {
    "id": "the ID of the {noun}",
    "ids": "the IDs of the {noun}s, comma separated",
    "name": "the name of the {noun}",
    "keyword": "filter by a word in the name or description",
    "page": "the page to return (1-based)",
    "pagesize": "the number of items per page (at most 500)",
    "account": "the account owning the resources; use with domainid",
    "domainid": "the ID of the domain",
    "projectid": "the ID of the project",
    "listall": "true to list everything the caller may see, not only its own",
    "isrecursive": "with domainid: include subdomains",
    "zoneid": "the ID of the zone",
}


def _param(token: str, noun: str) -> ParamSpec:
    entity = None
    if "=" in token:
        token, entity = token.split("=", 1)
        entity += "Response"
    name, _, ptype = token.partition(":")
    required = name.endswith("*")
    name = name.rstrip("*")
    ptype = ptype or "string"
    collection = None
    if ptype == "uuids":
        ptype, collection = "list", "uuid"
    doc = _PARAM_DOCS.get(name, "{name}").format(
        noun=noun, name=name.replace("id", " ID") if name.endswith("id") else name
    )
    return ParamSpec(
        name=name, type=ptype, required=required, description=doc, entity=entity, collection_type=collection
    )


def _spec(name: str, kind: str, mode: str, params: str) -> ApiSpec:
    noun = kind.removesuffix("Response").lower() or "object"
    fields = tuple(ResponseField(f, "string", f"the {f} of the {noun}") for f in FIELDS.get(kind, "").split())
    return ApiSpec(
        name=name,
        description=_DESCRIPTIONS.get(name, ""),
        isasync=mode == "async",
        params=tuple(_param(t, noun) for t in params.split()),
        response=fields,
        response_object=kind or "SuccessResponse",
    )


@lru_cache(maxsize=1)
def builtin_catalog() -> Catalog:
    """The catalog of the APIs the simulator models itself (built once per process)."""
    return Catalog([_spec(*row) for row in _SPECS], source="builtin", version="4.20.0.0")
