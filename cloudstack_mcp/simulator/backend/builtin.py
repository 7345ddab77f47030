"""The built-in API as a Catalog: signatures from `builtin_apis`, descriptions in our own words."""

from __future__ import annotations

from functools import lru_cache

from cloudstack_mcp.catalog.model import ApiSpec, Catalog, ParamSpec, ResponseField
from cloudstack_mcp.catalog.naming import split_name
from cloudstack_mcp.simulator.backend.builtin_apis import ROWS
from cloudstack_mcp.simulator.backend.builtin_apis_more import MORE_ROWS

__all__ = ["builtin_catalog", "describe"]

_MACROS = {
    "@page": "keyword page:integer pagesize:integer",
    "@owner": "account domainid:uuid=Domain listall:boolean isrecursive:boolean projectid:uuid=Project",
}

# Response fields per entity kind shown in listApis (and used to pick which parameters a created
# entity keeps). Kinds not named here keep every parameter they were created with.
FIELDS: dict[str, str] = {
    "ZoneResponse": "id name description networktype allocationstate dhcpprovider dns1 dns2 internaldns1 internaldns2 "
    "guestcidraddress localstorageenabled securitygroupsenabled zonetoken type tags hasannotations",
    "PodResponse": "id name zoneid zonename gateway netmask startip endip vlanid ipranges allocationstate",
    "ClusterResponse": "id name zoneid zonename podid podname hypervisortype clustertype allocationstate "
    "managedstate arch resourcedetails",
    "HostResponse": "id name type state resourcestate hypervisor hypervisorversion ipaddress zoneid zonename podid "
    "podname clusterid clustername cpunumber cpuspeed cpusockets memorytotal memoryallocated memoryused cpuused "
    "hahost hostha outofbandmanagement version hosttags arch created lastpinged managementserverid events",
    "StoragePoolResponse": "id name type state scope zoneid zonename podid podname clusterid clustername ipaddress "
    "path disksizetotal disksizeallocated disksizeused provider hypervisor tags created overprovisionfactor managed",
    "ImageStoreResponse": "id name zoneid zonename url protocol providername scope readonly disksizetotal disksizeused hasannotations",
    "TemplateResponse": "id name displaytext ispublic isfeatured isready status format hypervisor ostypeid ostypename "
    "zoneid zonename size templatetype passwordenabled isextractable crossZones account domain domainid bootable "
    "created directdownload arch",
    "ServiceOfferingResponse": "id name displaytext cpunumber cpuspeed memory storagetype offerha limitcpuuse "
    "iscustomized issystem systemvmtype provisioningtype state created hosttags tags",
    "DiskOfferingResponse": "id name displaytext disksize iscustomized storagetype provisioningtype state created "
    "tags displayoffering encrypt",
    "NetworkOfferingResponse": "id name displaytext guestiptype traffictype state isdefault specifyvlan forvpc created",
    "NetworkResponse": "id name displaytext zoneid zonename networkofferingid networkofferingname type traffictype "
    "state cidr gateway netmask vlan broadcasturi acltype account domainid domain restartrequired vpcid vpcname created",
    "UserVmResponse": "id name displayname account domainid domain created state haenable zoneid zonename hostid "
    "hostname templateid templatename serviceofferingid serviceofferingname cpunumber cpuspeed memory guestosid "
    "ostypeid osdisplayname nic securitygroup affinitygroup hypervisor instancename details displayvm isoid "
    "isoname group keypairs password tags jobid jobstatus",
    "VolumeResponse": "id name type deviceid virtualmachineid vmname vmstate size state storagetype storage storageid "
    "zoneid zonename account domainid domain diskofferingid diskofferingname hypervisor created destroyed",
    "SnapshotResponse": "id name volumeid volumename volumetype snapshottype intervaltype state zoneid zonename "
    "account domainid domain created physicalsize locationtype",
    "VMSnapshotResponse": "id name displayname description virtualmachineid virtualmachinename state type current "
    "parent zoneid account domainid domain created",
    "AccountResponse": "id name accounttype roleid roletype rolename domainid domain domainpath state created user "
    "networkdomain",
    "UserResponse": "id username firstname lastname email account accountid accounttype roleid roletype rolename "
    "domainid domain state created timezone apikey usersource",
    "ApiKeyPairResponse": "id name description apikey startdate enddate userid username account accountid domainid "
    "domain permissions created",
    "DomainResponse": "id name path level parentdomainid parentdomainname haschild state created networkdomain",
    "IPAddressResponse": "id ipaddress allocated zoneid zonename issourcenat isstaticnat virtualmachineid "
    "virtualmachinename associatednetworkid associatednetworkname vpcid state account domainid domain forvirtualnetwork",
    "FirewallResponse": "id protocol startport endport ipaddressid ipaddress networkid state cidrlist destcidrlist "
    "traffictype icmptype icmpcode fordisplay",
    "FirewallRuleResponse": "id privateport privateendport protocol publicport publicendport virtualmachineid "
    "virtualmachinename ipaddressid ipaddress state cidrlist networkid fordisplay",
    "LoadBalancerResponse": "id name description publicipid publicip publicport privateport algorithm cidrlist "
    "account domainid domain state zoneid networkid protocol",
    "VpcResponse": "id name displaytext cidr vpcofferingid vpcofferingname zoneid zonename state account domainid "
    "domain restartrequired network created",
    "DomainRouterResponse": "id name state role zoneid zonename podid hostid hostname guestnetworkid publicip "
    "guestipaddress templateid requiresupgrade redundantstate version account domainid domain created",
    "SystemVmResponse": "id name systemvmtype state agentstate zoneid zonename podid hostid hostname publicip "
    "privateip linklocalip templateid version created",
}

_DISPLAY = {
    "vm": "VM",
    "vms": "VMs",
    "ha": "HA",
    "drs": "DRS",
    "ip": "IP",
    "ips": "IPs",
    "ipv4": "IPv4",
    "ipv6": "IPv6",
    "iso": "ISO",
    "isos": "ISOs",
    "s3": "S3",
    "vpc": "VPC",
    "vpcs": "VPCs",
    "ssh": "SSH",
    "lb": "LB",
    "ca": "CA",
    "bgp": "BGP",
    "dc": "datacenter",
    "dcs": "datacenters",
    "os": "OS",
    "api": "API",
    "apis": "APIs",
    "vmware": "VMware",
    "globo": "Globo",
    "dns": "DNS",
    "open": "Open",
    "daylight": "Daylight",
}
_VERBS = {
    "list": "Lists",
    "create": "Creates",
    "add": "Adds",
    "delete": "Deletes",
    "remove": "Removes",
    "update": "Updates",
    "get": "Returns",
    "enable": "Enables",
    "disable": "Disables",
    "start": "Starts",
    "stop": "Stops",
    "reboot": "Reboots",
    "destroy": "Destroys",
    "register": "Registers",
    "release": "Releases",
    "dedicate": "Dedicates",
    "configure": "Configures",
    "migrate": "Migrates",
    "declare": "Declares",
    "cancel": "Cancels",
    "copy": "Copies",
    "revoke": "Revokes",
    "upload": "Uploads",
    "issue": "Issues",
    "provision": "Provisions",
    "download": "Downloads",
    "archive": "Archives",
    "generate": "Generates",
    "execute": "Executes",
    "change": "Changes",
    "reset": "Resets",
    "attach": "Attaches",
    "detach": "Detaches",
    "resize": "Resizes",
    "revert": "Reverts",
    "associate": "Acquires",
    "disassociate": "Releases",
    "assign": "Assigns",
    "restart": "Restarts",
    "recover": "Recovers",
    "expunge": "Expunges",
    "scale": "Scales",
    "patch": "Patches",
    "find": "Finds",
    "reconnect": "Reconnects",
    "prepare": "Prepares",
    "lock": "Locks",
}

_DESCRIPTIONS: dict[str, str] = {
    "listApis": "Lists the APIs the caller may call, with their parameters and answers.",
    "queryAsyncJobResult": "Returns the state of an asynchronous job and, once it has finished, its result.",
    "listAsyncJobs": "Lists the caller's asynchronous jobs.",
    "login": "Logs a user in with username and password and opens a session.",
    "logout": "Ends the current session.",
    "listTemplates": "Lists templates; templatefilter chooses which: featured, self, selfexecutable, "
    "sharedexecutable, executable, community or all.",
    "deployVirtualMachine": "Creates a virtual machine with a root volume from a template and, unless startvm is false, starts it.",
    "destroyVirtualMachine": "Destroys a virtual machine; it can be recovered until it is expunged (or at once with expunge=true).",
    "recoverVirtualMachine": "Brings a destroyed virtual machine back, stopped.",
    "expungeVirtualMachine": "Removes a destroyed virtual machine and its volumes for good.",
    "scaleVirtualMachine": "Changes the compute offering of a virtual machine (running, when the offering allows it).",
    "changeServiceForVirtualMachine": "Changes the compute offering of a stopped virtual machine.",
    "prepareHostForMaintenance": "Puts a host into maintenance mode, moving its virtual machines away first.",
    "cancelHostMaintenance": "Takes a host out of maintenance mode.",
    "declareHostAsDegraded": "Marks an unreachable host as degraded so HA can restart its virtual machines elsewhere.",
    "cancelHostAsDegraded": "Removes the degraded mark from a host.",
    "configureHAForHost": "Sets the HA provider of a host.",
    "generateClusterDrsPlan": "Computes a DRS plan: virtual machine migrations that would balance the cluster.",
    "executeClusterDrsPlan": "Carries out the migrations of a cluster DRS plan.",
    "listClusterDrsPlan": "Lists DRS plans of clusters.",
    "updateCloudToUseObjectStore": "Switches secondary storage to an object store; NFS stores become staging stores.",
    "migrateSecondaryStorageData": "Moves data from one secondary storage to others (complete or balance).",
    "migrateResourceToAnotherSecondaryStorage": "Moves chosen templates and snapshots to another secondary storage.",
    "createSecondaryStorageSelector": "Creates a selector: a rule that picks the secondary storage for new templates, ISOs, snapshots or volumes.",
    "removeSecondaryStorageSelector": "Removes a secondary storage selector.",
    "listImageStoreObjects": "Lists the files and folders on a secondary storage.",
    "downloadImageStoreObject": "Makes a file on a secondary storage downloadable and returns its URL.",
    "issueCertificate": "Issues a certificate from the configured CA provider, for a CSR or a domain/IP.",
    "provisionCertificate": "Issues and installs a new certificate on a host or system VM agent.",
    "revokeCertificate": "Revokes a certificate by serial number.",
    "uploadCustomCertificate": "Uploads an SSL certificate (with its chain) for the console proxy and storage VMs.",
    "listCaCertificate": "Returns the CA certificate of the CA provider.",
    "getRouterHealthCheckResults": "Returns the results of the health checks run on a virtual router.",
    "scaleSystemVm": "Changes the compute offering of a system VM.",
    "patchSystemVm": "Applies the latest system VM patches to a system VM.",
    "listSystemVmsUsageHistory": "Lists the resource usage history of system VMs.",
    "registerUserKeys": "Generates a new API key and secret key for a user; the old keys stop working. With a name, "
    "rules (rule, permission allow/deny) or start/end dates, adds a key pair of its own beside them instead.",
    "getUserKeys": "Returns the API key and secret key of a user.",
    "listUserKeys": "Lists the API key pairs of a user, with their rules and validity dates.",
    "deleteUserKeys": "Deletes an API key pair: requests signed with it are refused from then on.",
    "setupUserTwoFactorAuthentication": "Sets up (or turns off) two-factor authentication for a user.",
    "validateUserTwoFactorAuthenticationCode": "Checks the two-factor code of a session that logged in with a password.",
    "listCapabilities": "Lists the capabilities and limits of this cloud.",
    "createIpv4SubnetForZone": "Adds an IPv4 subnet from which routed guest networks of the zone get their ranges.",
}
_PARAM_DOCS: dict[str, str] = {
    "id": "ID of the {noun}",
    "ids": "IDs of the {noun}s, comma separated",
    "name": "name of the {noun}",
    "keyword": "filter by a word in the name or description",
    "page": "the page to return (1-based)",
    "pagesize": "how many items per page (at most 500)",
    "account": "the account owning the resource; use with domainid",
    "domainid": "ID of the domain",
    "projectid": "ID of the project",
    "listall": "true to list everything the caller may see, not only its own",
    "isrecursive": "with domainid: include the subdomains",
    "details": "details as a map, e.g. details[0].key=k&details[0].value=v",
    "tags": "tags as a map, e.g. tags[0].key=env&tags[0].value=prod",
}


def _words(name: str) -> list[str]:
    return [w.lower() for w in split_name(name)]


def _phrase(words: list[str]) -> str:
    return " ".join(_DISPLAY.get(w, w) for w in words).replace("Open Daylight", "OpenDaylight")


def describe(api: str) -> str:
    """A one-line description of an API from its name (our wording), unless a better one is written above."""
    if api in _DESCRIPTIONS:
        return _DESCRIPTIONS[api]
    words = _words(api)
    verb, rest = words[0], words[1:]
    phrase = _phrase(rest) or "objects"
    if verb == "list":
        return f"Lists {phrase}."
    if rest and rest[-1].endswith("s") and not rest[-1].endswith("ss") or "for" in rest:
        article = "the" if "for" in rest else ""
    else:
        article = "an" if phrase[:1].lower() in "aeiou" or phrase.startswith(("HA", "IP", "ISO", "S3", "SSH")) else "a"
    return " ".join(x for x in (_VERBS.get(verb, verb.capitalize() + "s"), article, phrase) if x) + "."


def _param_doc(name: str, noun: str) -> str:
    if name in _PARAM_DOCS:
        return _PARAM_DOCS[name].format(noun=noun)
    if name.endswith("ids"):
        return f"IDs of the {_phrase(_words(name[:-3]))}s, comma separated"
    if name.endswith("id") and len(name) > 2:
        return f"ID of the {name[:-2]}"
    return name.replace("_", " ")


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
    length = 4096 if name in ("userdata", "certificate", "csr", "publickey", "heuristicrule", "url") else 255
    return ParamSpec(
        name=name,
        type=ptype,
        required=required,
        description=_param_doc(name, noun),
        length=length,
        entity=entity,
        collection_type=collection,
    )


def _expand(params: str) -> list[str]:
    out: list[str] = []
    for token in params.split():
        out.extend(_MACROS.get(token, token).split())
    return out


def _spec(name: str, kind: str, mode: str, params: str) -> ApiSpec:
    response_object = kind + "Response" if kind else "SuccessResponse"
    noun = _phrase(_words(kind)) if kind else "object"
    fields = tuple(ResponseField(f, "string", f"{f} of the {noun}") for f in FIELDS.get(response_object, "").split())
    if not kind:
        fields = (ResponseField("success", "boolean", "true when the operation worked"),)
    return ApiSpec(
        name=name,
        description=describe(name),
        isasync=mode == "async",
        params=tuple(_param(t, noun) for t in _expand(params)),
        response=fields,
        response_object=response_object,
    )


@lru_cache(maxsize=1)
def builtin_catalog() -> Catalog:
    """The catalog of the APIs the simulator models itself (built once per process)."""
    return Catalog([_spec(*row) for row in (*ROWS, *MORE_ROWS)], source="builtin", version="4.20.0.0")
