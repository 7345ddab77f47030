"""The generic engine: serves any API of a spec from its name and parameters alone.

create/add/register/... make an entity of the API's kind, list returns them (filters, keyword,
paging, ownership), update changes fields, delete/remove drops the entity, other verbs act on
the entity named by `id` (or answer `success`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from cloudstack_mcp.simulator.backend.answers import Answer, ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.defaults import apply_defaults
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.kinds import ApiInfo
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid, now_text

__all__ = ["CREATE_VERBS", "DELETE_VERBS", "generic", "list_entities", "make_entity", "page"]

CREATE_VERBS = frozenset(
    {
        "create",
        "add",
        "register",
        "deploy",
        "associate",
        "allocate",
        "upload",
        "import",
        "acquire",
        "dedicate",
        "generate",
        "issue",
        "copy",
        "provision",
        "assign",
        "clone",
    }
)
DELETE_VERBS = frozenset({"delete", "remove", "destroy", "expunge", "release", "revoke", "disassociate", "purge"})
UPDATE_VERBS = frozenset({"update", "change", "scale", "modify", "edit", "set", "reset", "configure"})
_VERB_STATE = {
    "start": "Running",
    "stop": "Stopped",
    "reboot": "Running",
    "enable": "Enabled",
    "disable": "Disabled",
    "lock": "locked",
    "recover": "Stopped",
    "cancel": "Enabled",
    "prepare": "PrepareForMaintenance",
    "suspend": "Suspended",
    "activate": "Active",
}
# Parameters that steer listing rather than filter on a field.
_LIST_CONTROL = frozenset(
    {
        "page",
        "pagesize",
        "keyword",
        "listall",
        "isrecursive",
        "account",
        "domainid",
        "projectid",
        "details",
        "tags",
        "showicon",
        "showcapacities",
        "showresourceicon",
        "retrieveonlyresourcecount",
        "fetchallversions",
    }
)
DEFAULT_STATE = {
    "UserVmResponse": "Running",
    "VolumeResponse": "Ready",
    "HostResponse": "Up",
    "StoragePoolResponse": "Up",
    "SnapshotResponse": "BackedUp",
    "VMSnapshotResponse": "Ready",
    "NetworkResponse": "Implemented",
    "DomainRouterResponse": "Running",
    "SystemVmResponse": "Running",
    "IPAddressResponse": "Allocated",
    "FirewallRuleResponse": "Active",
    "FirewallResponse": "Active",
    "LoadBalancerResponse": "Active",
    "AccountResponse": "enabled",
    "UserResponse": "enabled",
    "VpcResponse": "Enabled",
    "ProjectResponse": "Active",
    # CloudStack makes these Disabled: an operator enables them once set up.
    "PhysicalNetworkResponse": "Disabled",
    "VpcOfferingResponse": "Disabled",
    "ImageStoreResponse": None,
    "TemplateResponse": None,
    "ZoneResponse": None,
}
_NAMED = frozenset(
    {
        "UserVmResponse",
        "VolumeResponse",
        "HostResponse",
        "ClusterResponse",
        "PodResponse",
        "ZoneResponse",
        "StoragePoolResponse",
        "ImageStoreResponse",
        "TemplateResponse",
        "SnapshotResponse",
        "NetworkResponse",
        "DomainRouterResponse",
        "SystemVmResponse",
        "VpcResponse",
        "AccountResponse",
        "DomainResponse",
        "VMSnapshotResponse",
        "SecondaryStorageHeuristicsResponse",
    }
)
_NAME_PARAMS = ("name", "displayname", "displaytext", "username", "description", "url", "cidr")


def _fields(ctx: Context, kind: str | None) -> frozenset[str]:
    return ctx.cloud.fields_of(kind) if kind else frozenset()


def _stem(kind: str) -> str:
    return kind.removesuffix("Response").lower()


def owner_fields(ctx: Context, entity: Entity, fields: frozenset[str]) -> None:
    """Set the owner of a new entity: `account`+`domainid` parameters, else the caller."""
    account = ctx.caller.account
    name, domain_id = ctx.args.get("account"), ctx.args.get("domainid")
    if name and domain_id:
        found = ctx.store.first("AccountResponse", name=name, domainid=domain_id)
        if found is None:
            raise param_error(f"Unable to find account {name} in domain id={domain_id}")
        account = found
    entity["_owner"] = account["id"]
    entity["_domainpath"] = account["domainpath"]
    if not fields or "account" in fields:
        entity["account"] = account["name"]
    if not fields or "domainid" in fields:
        entity["domainid"] = account["domainid"]
        entity["domain"] = account["domain"]
    if "domainpath" in fields:
        entity["domainpath"] = account["domainpath"]


def make_entity(ctx: Context, kind: str, extra: dict[str, Any] | None = None) -> Entity:
    """An entity built from the call's parameters: the ones that are also response fields, plus
    the names of the entities its uuid parameters point at (`zoneid` -> `zonename`)."""
    fields = _fields(ctx, kind)
    entity: Entity = {"id": new_uuid()}
    for name, value in ctx.args.values.items():
        if isinstance(value, dict) or name in ("account", "domainid", "projectid"):
            continue
        if fields and name not in fields:
            continue
        entity[name] = ",".join(map(str, value)) if isinstance(value, list) else value
        if name.endswith("id") and isinstance(value, str):
            ref = ctx.store.get(None, value)
            label = name[:-2] + "name"
            if ref is not None and (not fields or label in fields):
                entity[label] = ref.get("name") or ref.get("username")
    if "name" in fields and "name" not in entity:
        entity["name"] = next((str(ctx.args.get(p)) for p in _NAME_PARAMS if ctx.args.get(p)), None) or (
            f"{_stem(kind)}-{ctx.store.count(kind) + 1}"
        )
    if "created" in fields or not fields:
        entity["created"] = now_text()
    if "state" in fields or (not fields and kind in DEFAULT_STATE):
        state = DEFAULT_STATE.get(kind, "Enabled")
        if state:
            entity["state"] = state
    if not fields or fields & {"account", "domainid"}:
        owner_fields(ctx, entity, fields)
    if extra:
        entity.update(extra)
    if "name" not in entity and kind in _NAMED:
        entity["name"] = f"{_stem(kind)}-{ctx.store.count(kind) + 1}"
    apply_defaults(kind, entity)
    entity["_variant"] = ctx.info.noun
    return ctx.store.add(kind, entity)


def _visible(ctx: Context, entity: Entity, list_all: bool, by_id: bool) -> bool:
    owner = entity.get("_owner")
    if owner is None:
        return True
    caller = ctx.caller
    if owner == caller.account["id"]:
        return True
    if caller.role == "User":
        return False
    if not (list_all or by_id or ctx.args.get("account") or ctx.args.get("domainid")):
        return False
    return caller.can_see_domain(str(entity.get("_domainpath", "ROOT")))


def _matches(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, list):
        return value in wanted or str(value) in map(str, wanted)
    if isinstance(value, str) and isinstance(wanted, str):
        return value.lower() == wanted.lower()
    if isinstance(value, bool) or isinstance(wanted, bool):
        return bool(value) == bool(wanted)
    return value == wanted or str(value) == str(wanted)


def in_variant(ctx: Context, info: ApiInfo, entity: Entity) -> bool:
    kind = info.kind or ""
    variant = entity.get("_variant", "")
    if variant == info.noun:
        return True
    variants = ctx.cloud.index.variants.get(kind, ())
    return variant not in variants and ctx.cloud.index.primary.get(kind) == info.noun


def list_entities(
    ctx: Context, kind: str, items: Iterable[Entity] | None = None, *, skip: Iterable[str] = ()
) -> list[Entity]:
    """Entities of a kind the caller may see, filtered by the call's parameters."""
    args = ctx.args.values
    list_all = bool(args.get("listall"))
    by_id = "id" in args or "ids" in args
    domain_id, account = args.get("domainid"), args.get("account")
    filters = [(k, v) for k, v in args.items() if k not in _LIST_CONTROL and k not in skip]
    keyword = str(args.get("keyword") or "").lower()
    info = ctx.info
    known = ctx.cloud.fields_of(kind)
    out = []
    for e in ctx.store.all(kind) if items is None else items:
        if info.verb == "list" and info.kind == kind and not in_variant(ctx, info, e):
            continue
        if not _visible(ctx, e, list_all, by_id):
            continue
        if domain_id and "_owner" in e and e.get("domainid") != domain_id and not args.get("isrecursive"):
            continue
        if account and "_owner" in e and str(e.get("account", "")).lower() != str(account).lower():
            continue
        if keyword and not any(
            keyword in str(e.get(f, "")).lower()
            for f in ("name", "displayname", "displaytext", "description", "username")
        ):
            continue
        if all(_filter_keeps(ctx, e, k, v, known, info) for k, v in filters):
            out.append(e)
    return out


# Fields that scope an object rather than relate it: an object without one (an offering for every zone)
# is not restricted by it, so a filter on it keeps the object.
_SCOPE_FIELDS = frozenset({"zoneid", "podid", "clusterid", "hypervisor"})


def _filter_keeps(ctx: Context, e: Entity, k: str, v: Any, known: frozenset[str], info: ApiInfo) -> bool:
    """Whether one filter parameter keeps an entity: the field of that name, else the field it stands for
    (`securitygroupname` -> `name`, `networkid` -> `guestnetworkid`), else through an entity it refers to
    (a VPN connection's `vpcid` is its gateway's)."""
    if k == "ids":
        return e["id"] in v
    if k in e:
        if e[k] in (None, "", []) and k in _SCOPE_FIELDS:
            return True
        return _matches(e[k], v)
    if k in _SCOPE_FIELDS and (k in known or not known):
        return True
    stem = info.noun.lower()
    if k == stem + "name" and ("name" in e or "name" in known):
        return _matches(e.get("name"), v)
    ending = [f for f in known | e.keys() if f.endswith(k) and f != k and not f.startswith("_")]
    if ending:
        return any(f in e and _matches(e[f], v) for f in ending)
    if k.endswith("id") and isinstance(v, str):
        for f, ref_id in e.items():
            if f.endswith("id") and f != "id" and isinstance(ref_id, str) and not f.startswith("_"):
                ref = ctx.store.get(None, ref_id)
                if ref is not None and k in ref:
                    return _matches(ref[k], v)
    return k not in known  # a filter on a field this entity does not have


def page(ctx: Context, items: list[Entity]) -> tuple[list[Entity], int]:
    """The requested page of `items` and the total count."""
    size = ctx.args.get("pagesize")
    number = ctx.args.get("page")
    total = len(items)
    if size is None or size == -1:
        if number and size is None and number > 1:
            return items[500 * (number - 1) : 500 * number], total
        return items, total
    start = size * (number - 1) if number and number > 0 else 0
    return items[start : start + size], total


def _label(info: ApiInfo) -> str:
    """`deleteNetworkACLList` -> "network acl list" (for messages)."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]*|[a-z]+", info.spec.name)[1:]
    return " ".join(w.lower() for w in words) or info.noun


def _target(ctx: Context) -> Entity | None:
    """The entity an action API acts on: `id`, or the first uuid parameter of the API's own kind (the kind
    of its answer, or for an API answering `success`, the kind its name's noun stands for)."""
    info = ctx.info
    own = info.kind or ctx.cloud.index.kind_for_noun(info.noun)
    candidates = ["id"] + [n for n, k in info.param_kinds.items() if k == own and n != "id"]
    for name in candidates:
        value = ctx.args.get(name)
        if isinstance(value, str):
            found = ctx.store.get(own, value) if own else None
            if found is None:
                found = ctx.store.get(None, value)
            if found is not None:
                return found
    return None


def _named_existing(ctx: Context) -> Entity | None:
    """For an add/assign/... whose name goes on ("addNicToVirtualMachine"), the existing entity of the
    answer's kind that one of its uuid parameters names."""
    info = ctx.info
    if info.spec.name[len(info.verb) :].lower() == info.noun and info.kind is None:
        return None
    for name, k in info.param_kinds.items():
        value = ctx.args.get(name)
        if k == info.kind and name != "id" and isinstance(value, str):
            found = ctx.store.get(info.kind, value)
            if found is not None:
                return found
    return None


def _answer(ctx: Context, entity: Entity | None) -> Answer:
    info = ctx.info
    if info.kind is None or entity is None:
        return SuccessAnswer()
    return ObjectAnswer(info.object_name, entity)


def generic(ctx: Context) -> Answer:
    """Serve an API by its verb (the engine's whole behaviour for APIs without a domain handler)."""
    info = ctx.info
    verb, kind = info.verb, info.kind
    if verb == "list" and kind:
        items, total = page(ctx, list_entities(ctx, kind))
        return ListAnswer(info.item_key, items, total)
    if verb in CREATE_VERBS and kind:
        existing = _named_existing(ctx)
        if existing is not None:  # addNicToVirtualMachine & co: an action on that object, not a new one
            return ObjectAnswer(info.object_name, existing)
        return ObjectAnswer(info.object_name, make_entity(ctx, kind))
    target = _target(ctx)
    if verb in DELETE_VERBS:
        gone_kind = kind or info.param_kinds.get("id")
        if target is None and gone_kind and ctx.store.was_removed(gone_kind, str(ctx.args.get("id"))):
            raise param_error(f"Unable to find {_label(info)} with id {ctx.args.get('id')}: it was deleted already")
        if target is not None and gone_kind is not None and ctx.store.kind_of(target["id"]) == gone_kind:
            ctx.store.remove(gone_kind, target["id"])
            if verb in ("destroy", "expunge") and "state" in target:
                target["state"] = "Destroyed" if verb == "destroy" else "Expunging"
        return _answer(ctx, target) if kind and target is not None else SuccessAnswer()
    if target is not None:
        fields = _fields(ctx, ctx.store.kind_of(target["id"]))
        if verb in UPDATE_VERBS:
            for name, value in ctx.args.values.items():
                if name == "id" or isinstance(value, dict) or (fields and name not in fields):
                    continue
                target[name] = ",".join(map(str, value)) if isinstance(value, list) else value
        elif verb in _VERB_STATE and "state" in target:
            target["state"] = _VERB_STATE[verb]
        elif verb in ("enable", "disable") and "allocationstate" in target:
            target["allocationstate"] = _VERB_STATE[verb]
        return _answer(ctx, target)
    if kind and (verb in ("get", "find", "query") or verb in UPDATE_VERBS):
        return ObjectAnswer(
            info.object_name,
            {"id": new_uuid(), **{k: v for k, v in ctx.args.values.items() if isinstance(v, (str, int, bool))}},
        )
    return _answer(ctx, None) if kind is None else ObjectAnswer(info.object_name, _synthetic(ctx))


def _synthetic(ctx: Context) -> Entity:
    """An answer object for an action that names no entity: its scalar parameters and an id."""
    body: Entity = {"id": new_uuid()}
    for k, v in ctx.args.values.items():
        if isinstance(v, (str, int, float, bool)):
            body[k] = v
    return body
