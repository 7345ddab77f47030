"""Capabilities, global settings, capacity, infrastructure counts, resource limits, SSH key pairs, tags."""

from __future__ import annotations

import base64
import hashlib
import secrets

from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.engine import list_entities, page
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid

CONFIG, KEYPAIR, TAG = "ConfigurationResponse", "SSHKeyPairResponse", "ResourceTagResponse"
GB = 1024**3


@handles("listCapabilities")
def capabilities(ctx: Context) -> ObjectAnswer:
    expunge = next((c for c in ctx.store.all(CONFIG) if c.get("name") == "allow.user.expunge.recover.vm"), {})
    return ObjectAnswer(
        "capability",
        {
            "cloudstackversion": "4.20.0.0",
            "securitygroupsenabled": False,
            "userpublictemplateenabled": True,
            "supportELB": "false",
            "projectinviterequired": False,
            "allowusercreateprojects": True,
            "customdiskofferingminsize": 1,
            "customdiskofferingmaxsize": 1024,
            "regionsecondaryenabled": False,
            "kvmsnapshotenabled": True,
            "allowuserviewdestroyedvm": True,
            "allowuserexpungerecovervm": expunge.get("value") == "true",
            "allowuserexpungerecovervolume": True,
            "allowuserviewalldomainaccounts": False,
            "allowuserforcestopvm": True,
            "dynamicscalingenabled": True,
            "kubernetesserviceenabled": False,
            "kubernetesclusterexperimentalfeaturesenabled": False,
            "defaultuipagesize": 20,
            "apilimitinterval": 1,
            "apilimitmax": 25,
            "sharedfsvmmincpucount": 2,
            "sharedfsvmminramsize": 1024,
            "instancesstatsretentiontime": 720,
            "instancesstatsuseronly": False,
            "instancesdisksstatsretentionenabled": False,
            "instancesdisksstatsretentiontime": 720,
            "extensionspath": None,
        },
    )


@handles("listConfigurations")
def list_configurations(ctx: Context) -> ListAnswer:
    configs = list(ctx.store.all(CONFIG))
    if ctx.arg("name"):
        configs = [c for c in configs if str(ctx.arg("name")).lower() in c.get("name").lower()]
    if ctx.arg("category"):
        configs = [c for c in configs if c.get("category", "").lower() == str(ctx.arg("category")).lower()]
    if ctx.arg("keyword"):
        configs = [c for c in configs if str(ctx.arg("keyword")).lower() in c.get("name").lower()]
    items, total = page(ctx, configs)
    return ListAnswer("configuration", items, total)


@handles("updateConfiguration")
def update_configuration(ctx: Context) -> ObjectAnswer:
    config = next((c for c in ctx.store.all(CONFIG) if c.get("name") == ctx.arg("name")), None)
    if config is None:
        raise param_error(f"Invalid configuration name: {ctx.arg('name')}; list them with listConfigurations")
    value = ctx.arg("value")
    if config.get("name") == "default.page.size" and not str(value or "").isdigit():
        raise param_error(f"Please enter a positive integer for default.page.size, got {value}")
    if config.get("type") == "Boolean" and str(value).lower() not in ("true", "false"):
        raise param_error("Please enter either 'true' or 'false'.")
    config["value"] = str(value).lower() if config.get("type") == "Boolean" else value
    return ObjectAnswer("configuration", config)


@handles("listCapacity")
def list_capacity(ctx: Context) -> ListAnswer:
    store = ctx.store
    items = []
    for zone in store.all("ZoneResponse"):
        if ctx.arg("zoneid") and zone["id"] != ctx.arg("zoneid"):
            continue
        hosts = [h for h in store.all("HostResponse") if h.get("zoneid") == zone["id"] and h.get("type") == "Routing"]
        vms = [v for v in store.all("UserVmResponse") if v.get("zoneid") == zone["id"] and v.get("state") == "Running"]
        pools = [p for p in store.all("StoragePoolResponse") if p.get("zoneid") == zone["id"]]
        ips = [i for i in store.all("IPAddressResponse") if i.get("zoneid") == zone["id"]]
        figures = [
            (
                0,
                "MEMORY",
                sum(int(v.get("memory") or 0) for v in vms) * 1024**2,
                sum(int(h.get("memorytotal") or 0) for h in hosts),
            ),
            (
                1,
                "CPU",
                sum(int(v.get("cpunumber") or 1) * int(v.get("cpuspeed") or 0) for v in vms),
                sum(int(h.get("cpunumber") or 0) * int(h.get("cpuspeed") or 0) for h in hosts),
            ),
            (
                2,
                "STORAGE",
                sum(int(p.get("disksizeused") or 0) for p in pools),
                sum(int(p.get("disksizetotal") or 0) for p in pools),
            ),
            (4, "VIRTUAL_NETWORK_PUBLIC_IP", len(ips), 230),
            (5, "PRIVATE_IP", len(vms) + 4, 101),
        ]
        for kind, name, used, total in figures:
            if ctx.arg("type") is not None and ctx.arg("type") != kind:
                continue
            items.append(
                {
                    "type": kind,
                    "name": name,
                    "zoneid": zone["id"],
                    "zonename": zone.get("name"),
                    "capacityused": used,
                    "capacitytotal": total,
                    "percentused": f"{100 * used / total:.2f}" if total else "0",
                }
            )
    shown, total = page(ctx, items)
    return ListAnswer("capacity", shown, total, view=lambda e: e)


@handles("listInfrastructure")
def infrastructure(ctx: Context) -> ObjectAnswer:
    count = ctx.store.count
    return ObjectAnswer(
        "infrastructure",
        {
            "zones": count("ZoneResponse"),
            "pods": count("PodResponse"),
            "clusters": count("ClusterResponse"),
            "hosts": count("HostResponse"),
            "storagepools": count("StoragePoolResponse"),
            "imagestores": count("ImageStoreResponse"),
            "objectstores": count("ObjectStoreResponse"),
            "systemvms": count("SystemVmResponse"),
            "routers": count("DomainRouterResponse"),
            "cpusockets": sum(int(h.get("cpusockets") or 0) for h in ctx.store.all("HostResponse")),
            "managementservers": count("ManagementServerResponse"),
            "alerts": count("AlertResponse"),
            "ilbvms": 0,
        },
    )


_LIMITS = (
    "user_vm",
    "public_ip",
    "volume",
    "snapshot",
    "template",
    "project",
    "network",
    "vpc",
    "cpu",
    "memory",
    "primary_storage",
    "secondary_storage",
)


@handles("listResourceLimits")
def resource_limits(ctx: Context) -> ListAnswer:
    account = ctx.caller.account
    items = [
        {
            "resourcetype": str(i),
            "resourcetypename": name,
            "max": -1,
            "account": account.get("name"),
            "domainid": account.get("domainid"),
            "domain": account.get("domain"),
        }
        for i, name in enumerate(_LIMITS)
    ]
    if ctx.arg("resourcetype") is not None:
        items = [i for i in items if i.get("resourcetype") == str(ctx.arg("resourcetype"))]
    shown, total = page(ctx, items)
    return ListAnswer("resourcelimit", shown, total, view=lambda e: e)


@handles("listHypervisors")
def hypervisors(ctx: Context) -> ListAnswer:
    names = sorted({str(c.get("hypervisortype")) for c in ctx.store.all("ClusterResponse") if c.get("hypervisortype")})
    items = [{"name": n} for n in names]
    return ListAnswer("hypervisor", items, len(items), view=lambda e: e)


# ---- SSH key pairs ---------------------------------------------------------------------------------------------


def _fingerprint(material: bytes) -> str:
    """The key's MD5 fingerprint as CloudStack (and `ssh-keygen -l -E md5`) shows it: of the decoded
    key blob, the second field of an OpenSSH public key line."""
    parts = material.split()
    blob = material
    if len(parts) >= 2:
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except ValueError:
            blob = material
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def _owner(ctx: Context) -> Entity:
    if ctx.arg("account") and ctx.arg("domainid"):
        account = ctx.store.first("AccountResponse", name=ctx.arg("account"), domainid=ctx.arg("domainid"))
        if account is None:
            raise param_error(f"Unable to find account {ctx.arg('account')} in domain {ctx.arg('domainid')}")
        ctx.check_access({"id": account["id"], "_owner": account["id"], "_domainpath": account.get("domainpath")})
        return account
    return ctx.caller.account


def _keypair(ctx: Context, owner: Entity, name: str) -> Entity | None:
    return next((k for k in ctx.store.all(KEYPAIR) if k.get("name") == name and k.get("_owner") == owner["id"]), None)


def _new_keypair(ctx: Context, owner: Entity, public_key: str) -> Entity:
    name = str(ctx.arg("name"))
    if _keypair(ctx, owner, name) is not None:
        raise param_error(f"A key pair with name '{name}' already exists for this account.")
    return ctx.store.add(
        KEYPAIR,
        {
            "name": name,
            "fingerprint": _fingerprint(public_key.encode()),
            "account": owner.get("name"),
            "domainid": owner.get("domainid"),
            "domain": owner.get("domain"),
            "_owner": owner["id"],
            "_domainpath": owner.get("domainpath"),
            "_publickey": public_key,
            "hasannotations": False,
        },
    )


@handles("createSSHKeyPair")
def create_keypair(ctx: Context) -> ObjectAnswer:
    owner = _owner(ctx)
    body = base64.b64encode(b"\x00\x00\x00\x07ssh-rsa" + secrets.token_bytes(270)).decode()
    keypair = _new_keypair(ctx, owner, f"ssh-rsa {body} {ctx.arg('name')}")
    private = (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        + base64.encodebytes(secrets.token_bytes(600)).decode()
        + "-----END RSA PRIVATE KEY-----\n"
    )
    view = {k: v for k, v in keypair.items() if not k.startswith("_")} | {"privatekey": private}
    return ObjectAnswer("keypair", view)


@handles("registerSSHKeyPair")
def register_keypair(ctx: Context) -> ObjectAnswer:
    owner = _owner(ctx)
    key = str(ctx.arg("publickey")).strip()
    parts = key.split()
    if len(parts) < 2 or not parts[0].startswith(("ssh-", "ecdsa-")):
        raise param_error("Public key is invalid")
    try:
        base64.b64decode(parts[1], validate=True)
    except ValueError as exc:
        raise param_error("Public key is invalid") from exc
    return ObjectAnswer("keypair", _new_keypair(ctx, owner, key))


@handles("deleteSSHKeyPair")
def delete_keypair(ctx: Context) -> SuccessAnswer:
    owner = _owner(ctx)
    keypair = _keypair(ctx, owner, str(ctx.arg("name")))
    if keypair is None:
        raise param_error(
            f"A key pair with name '{ctx.arg('name')}' does not exist for account {owner['name']} in specified domain id"
        )
    ctx.store.remove(KEYPAIR, keypair["id"])
    return SuccessAnswer()


# ---- tags ---------------------------------------------------------------------------------------------------------

_RESOURCE_KINDS = {
    "uservm": "UserVmResponse",
    "virtualmachine": "UserVmResponse",
    "volume": "VolumeResponse",
    "snapshot": "SnapshotResponse",
    "vmsnapshot": "VMSnapshotResponse",
    "network": "NetworkResponse",
    "template": "TemplateResponse",
    "iso": "TemplateResponse",
    "publicipaddress": "IPAddressResponse",
    "vpc": "VpcResponse",
    "firewallrule": "FirewallRuleResponse",
    "portforwardingrule": "FirewallRuleResponse",
    "loadbalancer": "FirewallRuleResponse",
    "zone": "ZoneResponse",
    "serviceoffering": "ServiceOfferingResponse",
    "diskoffering": "DiskOfferingResponse",
    "project": "ProjectResponse",
    "storage": "StoragePoolResponse",
    "host": "HostResponse",
    "domain": "DomainResponse",
    "account": "AccountResponse",
}


def _targets(ctx: Context) -> tuple[str, list[Entity]]:
    rtype = str(ctx.arg("resourcetype"))
    kind = _RESOURCE_KINDS.get(rtype.lower()) or _RESOURCE_KINDS.get(rtype)
    if kind is None:
        raise param_error(f"Invalid resource type: {rtype}")
    targets = []
    for rid in ctx.arg("resourceids") or []:
        entity = ctx.store.get(kind, rid)
        if entity is None:
            raise param_error(f"Unable to find resource by id {rid} and type {rtype}")
        ctx.check_access(entity)
        targets.append(entity)
    return rtype, targets


@handles("createTags")
def create_tags(ctx: Context) -> SuccessAnswer:
    rtype, targets = _targets(ctx)
    pairs = ctx.args.map_pairs("tags")
    if not pairs:
        raise param_error("Please pass tags as tags[0].key=...&tags[0].value=...")
    for entity in targets:
        existing = {t.get("key") for t in entity.get("tags") or []}
        clash = existing & set(pairs)
        if clash:
            raise param_error(f"A tag with key {sorted(clash)[0]} already exists on resource {entity['id']}")
    for entity in targets:
        for key, value in pairs.items():
            tag = {
                "key": key,
                "value": value,
                "resourcetype": rtype,
                "resourceid": entity["id"],
                "account": entity.get("account"),
                "domainid": entity.get("domainid"),
                "domain": entity.get("domain"),
            }
            entity.setdefault("tags", []).append(tag)
            ctx.store.add(
                TAG, {**tag, "id": new_uuid(), "_owner": entity.get("_owner"), "_domainpath": entity.get("_domainpath")}
            )
    return SuccessAnswer()


@handles("deleteTags")
def delete_tags(ctx: Context) -> SuccessAnswer:
    _, targets = _targets(ctx)
    pairs = ctx.args.map_pairs("tags")
    for entity in targets:
        keep = [
            t
            for t in entity.get("tags") or []
            if pairs and not (t.get("key") in pairs and pairs[t.get("key")] in ("", t.get("value")))
        ]
        entity["tags"] = keep
        for tag in list(ctx.store.all(TAG)):
            if tag.get("resourceid") == entity["id"] and (not pairs or tag.get("key") in pairs):
                ctx.store.remove(TAG, tag["id"])
    return SuccessAnswer()


@handles("listTags")
def list_tags(ctx: Context) -> ListAnswer:
    tags = list_entities(ctx, TAG)
    items, total = page(ctx, tags)
    return ListAnswer("tag", items, total)
