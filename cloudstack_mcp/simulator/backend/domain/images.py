"""Secondary storage: image stores (NFS, S3, Swift), staging stores, storage selectors, browsing,
data migration; templates and ISOs that live on them."""

from __future__ import annotations

from typing import Any

from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.engine import list_entities, make_entity, page
from cloudstack_mcp.simulator.backend.errors import ApiError, param_error
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid, now_text, public

STORE, SELECTOR, TEMPLATE, SNAPSHOT = (
    "ImageStoreResponse",
    "SecondaryStorageHeuristicsResponse",
    "TemplateResponse",
    "SnapshotResponse",
)
GB = 1024**3
SELECTOR_TYPES = ("ISO", "SNAPSHOT", "TEMPLATE", "VOLUME")
FORMATS = ("QCOW2", "RAW", "VHD", "VHDX", "OVA", "VMDK", "ISO", "TAR", "ZIP", "BZIP2", "GZIP")


def _role(store: Entity) -> str:
    return str(store.get("_role") or "image")


def _stores(ctx: Context, role: str) -> list[Entity]:
    return [s for s in ctx.store.all(STORE) if _role(s) == role]


def _new_store(
    ctx: Context,
    *,
    name: str,
    url: str,
    provider: str,
    zone: Entity | None,
    role: str = "image",
    details: dict[str, str] | None = None,
) -> Entity:
    scope = "ZONE" if zone is not None else "REGION"
    protocol = url.split("://", 1)[0].lower() if "://" in url else "nfs"
    store = make_entity(
        ctx,
        STORE,
        {
            "name": name,
            "url": url,
            "protocol": protocol,
            "providername": provider,
            "scope": scope,
            "readonly": False,
            "zoneid": zone["id"] if zone else None,
            "zonename": zone.get("name") if zone else None,
            "disksizetotal": 4096 * GB if provider == "NFS" else None,
            "disksizeused": 0 if provider == "NFS" else None,
            "hasannotations": False,
            "_role": role,
            "_details": details or {},
        },
    )
    for key in ("account", "domain", "domainid", "_owner"):
        store.pop(key, None)
    return store


def _nfs_url(url: str) -> None:
    if not url.lower().startswith("nfs://") or "/" not in url[6:]:
        raise param_error(f"{url} is not a valid NFS URL; use nfs://<server>/<export path>")


def _same_url(ctx: Context, url: str) -> None:
    if any(s.get("url") == url for s in ctx.store.all(STORE)):
        raise param_error(f"An image store with the URL {url} already exists")


@handles("addImageStore")
def add_image_store(ctx: Context) -> ObjectAnswer:
    provider = {"nfs": "NFS", "s3": "S3", "swift": "Swift"}.get(str(ctx.arg("provider")).lower())
    if provider is None:
        raise param_error(f"Unable to find image store provider {ctx.arg('provider')}; use NFS, S3 or Swift")
    details = ctx.args.map_pairs("details") or ctx.args.map_merged("details")
    url = ctx.arg("url")
    zone = ctx.maybe("ZoneResponse", "zoneid")
    if provider == "NFS":
        if not url or zone is None:
            raise param_error("url and zoneid are required to add an NFS image store")
        _nfs_url(url)
    elif provider == "S3":
        missing = [k for k in ("accesskey", "secretkey", "bucket", "endpoint") if k not in {d.lower() for d in details}]
        if missing:
            raise param_error(f"S3 image store details are missing: {', '.join(missing)} (pass details[i].key/value)")
        lowered = {k.lower(): v for k, v in details.items()}
        url = url or f"https://{lowered['endpoint']}/{lowered['bucket']}"
        zone = None
    elif not url:
        raise param_error("url is required to add a Swift image store")
    _same_url(ctx, str(url))
    store = _new_store(
        ctx, name=ctx.arg("name") or str(url), url=str(url), provider=provider, zone=zone, details=details
    )
    return ObjectAnswer("imagestore", store)


@handles("addImageStoreS3")
def add_s3(ctx: Context) -> ObjectAnswer:
    url = f"https://{ctx.arg('endpoint')}/{ctx.arg('bucket')}"
    _same_url(ctx, url)
    store = _new_store(
        ctx,
        name=f"s3-{ctx.arg('bucket')}",
        url=url,
        provider="S3",
        zone=None,
        details={"bucket": ctx.arg("bucket"), "endpoint": ctx.arg("endpoint"), "accesskey": ctx.arg("accesskey")},
    )
    return ObjectAnswer("imagestore", store)


@handles("addSwift")
def add_swift(ctx: Context) -> ObjectAnswer:
    url = str(ctx.arg("url"))
    _same_url(ctx, url)
    store = _new_store(
        ctx, name=url, url=url, provider="Swift", zone=None, details={"account": ctx.arg("account") or ""}
    )
    return ObjectAnswer("imagestore", store)


@handles("addSecondaryStorage")
def add_secondary(ctx: Context) -> ObjectAnswer:
    url = str(ctx.arg("url"))
    zone = ctx.maybe("ZoneResponse", "zoneid")
    if zone is None:
        raise param_error("zoneid is required to add secondary storage")
    _nfs_url(url)
    _same_url(ctx, url)
    return ObjectAnswer("secondarystorage", _new_store(ctx, name=url, url=url, provider="NFS", zone=zone))


def _objects_on(ctx: Context, store: Entity) -> list[Entity]:
    return [e for kind in (TEMPLATE, SNAPSHOT) for e in ctx.store.all(kind) if e.get("_store") == store["id"]]


@handles("deleteImageStore")
def delete_image_store(ctx: Context) -> SuccessAnswer:
    store = ctx.entity(STORE, "id")
    if _role(store) != "image":
        raise param_error(f"Image store {store['name']} is a staging store: use deleteSecondaryStagingStore")
    if any(e.get("_kind") == TEMPLATE for e in _objects_on(ctx, store)):
        raise param_error("Cannot delete image store with active templates backup!")
    if _objects_on(ctx, store):
        raise param_error("Cannot delete image store with active snapshots backup!")
    ctx.store.remove(STORE, store["id"])
    return SuccessAnswer()


def _list_stores(role: str, provider: str | None = None):  # type: ignore[no-untyped-def]
    def handler(ctx: Context) -> ListAnswer:
        stores = [
            s
            for s in list_entities(ctx, STORE, _stores(ctx, role), skip=("provider",))
            if provider is None or s.get("providername") == provider
        ]
        if ctx.arg("provider"):
            stores = [s for s in stores if str(s.get("providername")).lower() == str(ctx.arg("provider")).lower()]
        items, total = page(ctx, stores)
        return ListAnswer("imagestore", items, total)

    return handler


handles("listImageStores")(_list_stores("image"))
handles("listSwifts")(_list_stores("image", "Swift"))
handles("listSecondaryStagingStores")(_list_stores("staging"))


@handles("updateImageStore")
def update_image_store(ctx: Context) -> ObjectAnswer:
    store = ctx.entity(STORE, "id")
    if ctx.arg("name"):
        store["name"] = ctx.arg("name")
    if "readonly" in ctx.args:
        store["readonly"] = ctx.arg("readonly")
    if ctx.arg("capacitybytes"):
        store["disksizetotal"] = ctx.arg("capacitybytes")
    if not any(k in ctx.args for k in ("name", "readonly", "capacitybytes")):
        raise param_error("Nothing to update: pass name, readonly or capacitybytes")
    return ObjectAnswer("imagestore", store)


@handles("updateCloudToUseObjectStore")
def use_object_store(ctx: Context) -> ObjectAnswer:
    provider = {"s3": "S3", "swift": "Swift"}.get(str(ctx.arg("provider")).lower())
    if provider is None:
        raise param_error(f"Unsupported object store provider {ctx.arg('provider')}: use S3 or Swift")
    details = ctx.args.map_pairs("details") or ctx.args.map_merged("details")
    lowered = {k.lower(): v for k, v in details.items()}
    url = ctx.arg("url") or (f"https://{lowered.get('endpoint')}/{lowered.get('bucket')}" if provider == "S3" else None)
    if not url:
        raise param_error("url (or S3 endpoint and bucket details) is required")
    for nfs in _stores(ctx, "image"):
        if nfs.get("providername") == "NFS":
            nfs["_role"] = "staging"  # existing NFS stores become cache (staging) stores
            nfs["_variant"] = "secondarystagingstore"
    store = _new_store(
        ctx, name=ctx.arg("name") or str(url), url=str(url), provider=provider, zone=None, details=details
    )
    return ObjectAnswer("imagestore", store)


@handles("createSecondaryStagingStore")
def create_staging(ctx: Context) -> ObjectAnswer:
    url = str(ctx.arg("url"))
    _nfs_url(url)
    _same_url(ctx, url)
    zone = ctx.maybe("ZoneResponse", "zoneid")
    if zone is None and str(ctx.arg("scope") or "zone").lower() == "zone":
        raise param_error("zoneid is required for a zone-wide staging store")
    store = _new_store(ctx, name=url, url=url, provider=ctx.arg("provider") or "NFS", zone=zone, role="staging")
    return ObjectAnswer("secondarystorage", store)


@handles("deleteSecondaryStagingStore")
def delete_staging(ctx: Context) -> SuccessAnswer:
    store = ctx.entity(STORE, "id")
    if _role(store) != "staging":
        raise param_error(f"Image store {store['name']} is not a staging store: use deleteImageStore")
    ctx.store.remove(STORE, store["id"])
    return SuccessAnswer()


# ---- selectors --------------------------------------------------------------------------------------------------


@handles("createSecondaryStorageSelector")
def create_selector(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity("ZoneResponse", "zoneid")
    kind = str(ctx.arg("type")).upper()
    if kind not in SELECTOR_TYPES:
        raise param_error(
            f"The given heuristic type [{ctx.arg('type')}] is not valid; use one of {', '.join(SELECTOR_TYPES)}"
        )
    if not str(ctx.arg("heuristicrule")).strip():
        raise param_error("The heuristic rule can not be empty")
    for other in ctx.store.all(SELECTOR):
        if other.get("zoneid") == zone["id"] and other.get("type") == kind and not other.get("removed"):
            raise param_error(
                f"There is already a heuristic rule in the specified zone [{zone['name']}] with the type [{kind}]."
            )
    selector = ctx.store.add(
        SELECTOR,
        {
            "name": ctx.arg("name"),
            "description": ctx.arg("description"),
            "zoneid": zone["id"],
            "type": kind,
            "heuristicrule": ctx.arg("heuristicrule"),
            "created": now_text(),
            "_variant": "secondarystorageselector",
        },
    )
    return ObjectAnswer("heuristics", selector)


@handles("updateSecondaryStorageSelector")
def update_selector(ctx: Context) -> ObjectAnswer:
    selector = ctx.entity(SELECTOR, "id")
    if selector.get("removed"):
        raise param_error(f"Unable to find an active selector with id {selector['id']}")
    if not str(ctx.arg("heuristicrule")).strip():
        raise param_error("The heuristic rule can not be empty")
    selector["heuristicrule"] = ctx.arg("heuristicrule")
    return ObjectAnswer("heuristics", selector)


@handles("removeSecondaryStorageSelector", "deleteSecondaryStorageSelector")
def remove_selector(ctx: Context) -> SuccessAnswer:
    selector = ctx.entity(SELECTOR, "id")
    if selector.get("removed"):
        raise param_error(f"Selector {selector['name']} has already been removed")
    selector["removed"] = now_text()
    return SuccessAnswer()


@handles("listSecondaryStorageSelectors")
def list_selectors(ctx: Context) -> ListAnswer:
    zone = ctx.entity("ZoneResponse", "zoneid")
    kind = str(ctx.arg("type") or "").upper()
    items = [
        s
        for s in ctx.store.all(SELECTOR)
        if s.get("zoneid") == zone["id"]
        and (not kind or s.get("type") == kind)
        and (ctx.arg("showremoved") or not s.get("removed"))
    ]
    shown, total = page(ctx, items)
    return ListAnswer("heuristics", shown, total)


# ---- browsing and migration ---------------------------------------------------------------------------------------


def _files(ctx: Context, store: Entity, path: str) -> list[dict[str, Any]]:
    path = path.strip("/")
    if not path:
        return [
            {"name": d, "isdirectory": True, "size": 0, "lastupdated": now_text()}
            for d in ("template", "snapshots", "volumes")
        ]
    out: list[dict[str, Any]] = []
    for entity in _objects_on(ctx, store):
        if entity.get("_kind") == TEMPLATE and path.startswith("template"):
            out.append(
                {
                    "name": f"{entity['id']}.{str(entity.get('format', 'qcow2')).lower()}",
                    "isdirectory": False,
                    "size": entity.get("size"),
                    "templateid": entity["id"],
                    "templatename": entity.get("name"),
                    "format": entity.get("format"),
                    "lastupdated": entity.get("created"),
                }
            )
        elif entity.get("_kind") == SNAPSHOT and path.startswith("snapshots"):
            out.append(
                {
                    "name": entity["id"],
                    "isdirectory": False,
                    "size": entity.get("physicalsize"),
                    "snapshotid": entity["id"],
                    "snapshotname": entity.get("name"),
                    "lastupdated": entity.get("created"),
                }
            )
    return out


@handles("listImageStoreObjects")
def list_objects(ctx: Context) -> ListAnswer:
    store = ctx.entity(STORE, "id")
    items, total = page(ctx, _files(ctx, store, str(ctx.arg("path") or "/")))
    return ListAnswer("datastoreobject", items, total, view=lambda e: e)


@handles("downloadImageStoreObject")
def download_object(ctx: Context) -> ObjectAnswer:
    store = ctx.entity(STORE, "id")
    path = str(ctx.arg("path") or "").strip("/")
    folder, _, name = path.rpartition("/")
    match = next((f for f in _files(ctx, store, folder or path) if not f["isdirectory"] and f["name"] == name), None)
    if match is None:
        raise param_error(f"Unable to find the object at path {ctx.arg('path')} on image store {store['name']}")
    return ObjectAnswer(
        ctx.info.object_name,
        {
            "id": new_uuid(),
            "name": name,
            "state": "DOWNLOAD_URL_CREATED",
            "extractMode": "HTTP_DOWNLOAD",
            "url": f"https://198-51-100-2.simulator.local/userdata/{new_uuid()}.{name.rsplit('.', 1)[-1]}",
            "zoneid": store.get("zoneid"),
            "zonename": store.get("zonename"),
            "created": now_text(),
        },
    )


def _destinations(ctx: Context, source: Entity, ids: list[str]) -> list[Entity]:
    stores = []
    for sid in ids:
        dest = ctx.store.get(STORE, sid)
        if dest is None:
            raise param_error(f"Unable to find image store with id {sid}")
        if dest["id"] == source["id"]:
            raise param_error("The source image store can't also be a destination")
        if dest.get("zoneid") != source.get("zoneid"):
            raise param_error(f"Image store {dest['name']} is not in the zone of the source store")
        if dest.get("readonly"):
            raise param_error(f"Image store {dest['name']} is read-only and can't receive data")
        stores.append(dest)
    return stores


def _migration(message: str, kind: str) -> ObjectAnswer:
    return ObjectAnswer("imagestore", {"message": message, "migrationtype": kind, "success": True})


@handles("migrateSecondaryStorageData")
def migrate_data(ctx: Context) -> ObjectAnswer:
    source = ctx.entity(STORE, "srcpool")
    dests = _destinations(ctx, source, list(ctx.arg("destpools") or []))
    kind = str(ctx.arg("migrationtype") or "Complete").capitalize()
    if kind not in ("Complete", "Balance"):
        raise param_error("Invalid migration type: use Complete or Balance")
    objects = _objects_on(ctx, source)
    moving = objects if kind == "Complete" else objects[: len(objects) // 2]

    def moved() -> None:
        for i, entity in enumerate(moving):
            entity["_store"] = dests[i % len(dests)]["id"]

    ctx.later(moved)
    return _migration("Migration completed successfully" if moving else "No data to migrate", kind)


@handles("migrateResourceToAnotherSecondaryStorage")
def migrate_resources(ctx: Context) -> ObjectAnswer:
    source = ctx.entity(STORE, "srcpool")
    (dest,) = _destinations(ctx, source, [str(ctx.arg("destpool"))])
    chosen = []
    for kind, param in ((TEMPLATE, "templates"), (SNAPSHOT, "snapshots")):
        for eid in ctx.arg(param) or []:
            entity = ctx.store.get(kind, eid)
            if entity is None or entity.get("_store") != source["id"]:
                raise param_error(f"{kind.removesuffix('Response')} {eid} is not on image store {source['name']}")
            chosen.append(entity)
    if not chosen:
        raise param_error("Pass templates and/or snapshots to migrate")
    ctx.later(lambda: [e.__setitem__("_store", dest["id"]) for e in chosen] and None)
    return _migration("Migration completed successfully", "Complete")


# ---- templates and ISOs ---------------------------------------------------------------------------------------------


def _visible_template(ctx: Context, t: Entity, filt: str) -> bool:
    mine = t.get("_owner") == ctx.caller.account["id"]
    public_ = bool(t.get("ispublic")) and t.get("templatetype") != "SYSTEM"
    if filt == "featured":
        return public_ and bool(t.get("isfeatured"))
    if filt in ("self", "selfexecutable"):
        return mine and (filt == "self" or bool(t.get("isready")))
    if filt == "community":
        return public_ and not t.get("isfeatured")
    if filt == "sharedexecutable":
        return False
    if filt == "executable":
        return (mine or public_) and bool(t.get("isready"))
    return True  # all


def _list_images(variant: str, filter_param: str, item: str):  # type: ignore[no-untyped-def]
    def handler(ctx: Context) -> ListAnswer:
        filt = str(ctx.arg(filter_param) or "all" if variant == "iso" else ctx.arg(filter_param)).lower()
        if filt not in ("featured", "self", "selfexecutable", "sharedexecutable", "executable", "community", "all"):
            raise param_error(
                f"Invalid {filter_param} {ctx.arg(filter_param)}: use featured, self, selfexecutable, "
                "sharedexecutable, executable, community or all"
            )
        if filt == "all" and variant == "template" and not ctx.caller.is_root_admin:
            filt = "executable"
        images = [
            t
            for t in ctx.store.all(TEMPLATE)
            if t.get("_variant", "template") == variant and _visible_template(ctx, t, filt)
        ]
        args = ctx.args.values
        for key in ("id", "name", "zoneid", "hypervisor"):
            if args.get(key) is not None:
                # A cross-zone image (no zone of its own) is in every zone: a zone filter keeps it.
                images = [
                    t
                    for t in images
                    if str(t.get(key, "")).lower() == str(args[key]).lower() or (key == "zoneid" and not t.get(key))
                ]
        if args.get("ids"):
            images = [t for t in images if t["id"] in args["ids"]]
        if args.get("keyword"):
            images = [t for t in images if str(args["keyword"]).lower() in str(t.get("name", "")).lower()]
        if variant == "iso" and args.get("ispublic") is not None:
            images = [t for t in images if bool(t.get("ispublic")) == args["ispublic"]]
        items, total = page(ctx, images)
        zone = ctx.store.get("ZoneResponse", str(args["zoneid"])) if args.get("zoneid") else None
        if zone is None:
            return ListAnswer(item, items, total)
        # As the server lists a cross-zone image: one row per zone, this one's id and name on it.
        return ListAnswer(
            item, items, total, view=lambda t: {**public(t), "zoneid": zone["id"], "zonename": zone["name"]}
        )

    return handler


handles("listTemplates")(_list_images("template", "templatefilter", "template"))
handles("listIsos")(_list_images("iso", "isofilter", "iso"))


def _image_store_for(ctx: Context, zone_id: str | None) -> str | None:
    store = next(
        (s for s in _stores(ctx, "image") if s.get("zoneid") in (zone_id, None) and not s.get("readonly")), None
    )
    return store["id"] if store else None


def _register(ctx: Context, variant: str) -> Entity:
    url = str(ctx.arg("url"))
    if not url.lower().startswith(("http://", "https://")):
        raise param_error(f"Unsupported scheme for url: {url}; templates and ISOs are downloaded over http or https")
    fmt = "ISO" if variant == "iso" else str(ctx.arg("format")).upper()
    if fmt not in FORMATS:
        raise param_error(f"Image format '{ctx.arg('format')}' is not supported: use one of {', '.join(FORMATS)}")
    zone_id = ctx.arg("zoneid") or ((ctx.arg("zoneids") or [None])[0])
    zone = ctx.store.get("ZoneResponse", str(zone_id)) if zone_id and zone_id != "-1" else None
    if zone_id and zone_id != "-1" and zone is None:
        raise param_error(f"Please specify a valid zone: {zone_id}")
    os_type = ctx.maybe("GuestOSResponse", "ostypeid")
    if not ctx.caller.is_root_admin and ctx.arg("isfeatured"):
        raise ApiError(
            531, f"Account {ctx.caller.account['name']} is not allowed to register featured templates", cserrorcode=4365
        )
    image = make_entity(
        ctx,
        TEMPLATE,
        {
            "name": ctx.arg("name"),
            "displaytext": ctx.arg("displaytext") or ctx.arg("name"),
            "format": fmt,
            "hypervisor": ctx.arg("hypervisor") if variant == "template" else None,
            "isready": False,
            "status": "Downloading",
            "ispublic": bool(ctx.arg("ispublic")),
            "isfeatured": bool(ctx.arg("isfeatured")),
            "zoneid": zone["id"] if zone else None,
            "zonename": zone.get("name") if zone else None,
            "crossZones": zone is None,
            "ostypeid": os_type["id"] if os_type else None,
            "ostypename": os_type["name"] if os_type else None,
            "templatetype": "USER",
            "passwordenabled": bool(ctx.arg("passwordenabled")),
            "isextractable": True,
            "bootable": True,
            "size": 0,
            "directdownload": bool(ctx.arg("directdownload")),
            "url": None,
            "_store": _image_store_for(ctx, zone["id"] if zone else None),
        },
    )
    image["_variant"] = variant
    size = 2 * GB if variant == "iso" else 8 * GB
    done = {
        "isready": True,
        "status": "Successfully Installed" if variant == "iso" else "Download Complete",
        "size": size,
    }
    ctx.cloud.jobs.after(ctx.cloud.job_seconds, lambda: image.update(done))
    return image


@handles("registerTemplate")
def register_template(ctx: Context) -> ListAnswer:
    if not ctx.arg("hypervisor"):
        raise param_error("Unable to execute API command registertemplate due to missing parameter hypervisor")
    return ListAnswer("template", [_register(ctx, "template")], 1)


@handles("registerIso")
def register_iso(ctx: Context) -> ListAnswer:
    return ListAnswer("iso", [_register(ctx, "iso")], 1)


def _image(ctx: Context, variant: str) -> Entity:
    image = ctx.entity(TEMPLATE, "id")
    if image.get("_variant", "template") != variant:
        raise param_error(f"Unable to find {'ISO' if variant == 'iso' else 'template'} with id {image['id']}")
    return image


def _update(variant: str):  # type: ignore[no-untyped-def]
    def handler(ctx: Context) -> ObjectAnswer:
        image = _image(ctx, variant)
        if image.get("templatetype") == "SYSTEM" and not ctx.caller.is_root_admin:
            raise param_error("Unable to update a system template")
        for key in ("name", "displaytext", "format"):
            if ctx.arg(key):
                image[key] = ctx.arg(key)
        os_type = ctx.maybe("GuestOSResponse", "ostypeid")
        if os_type is not None:
            image.update(ostypeid=os_type["id"], ostypename=os_type["name"])
        details = ctx.args.map_merged("details")
        if details:
            image["details"] = {**image.get("details", {}), **details}
        return ObjectAnswer(variant, image)

    return handler


handles("updateTemplate")(_update("template"))
handles("updateIso")(_update("iso"))


def _delete(variant: str):  # type: ignore[no-untyped-def]
    def handler(ctx: Context) -> SuccessAnswer:
        image = _image(ctx, variant)
        if image.get("templatetype") == "SYSTEM":
            raise param_error(f"Unable to delete the system template {image['name']}")
        users = [
            vm
            for vm in ctx.store.all("UserVmResponse")
            if vm.get("templateid" if variant == "template" else "isoid") == image["id"]
            and vm.get("state") != "Expunging"
        ]
        if users and variant == "iso":
            raise param_error(
                f"Unable to delete ISO {image['name']}: it is attached to VM {users[0]['name']}; detach it first"
            )
        if users and not ctx.arg("forced"):
            raise param_error(
                f"Unable to delete template {image['name']} as it is in use by {len(users)} VM(s); use forced=true"
            )
        ctx.later(lambda: ctx.store.remove(TEMPLATE, image["id"]) and None)
        return SuccessAnswer()

    return handler


handles("deleteTemplate")(_delete("template"))
handles("deleteIso")(_delete("iso"))


@handles("copyTemplate")
def copy_template(ctx: Context) -> ObjectAnswer:
    image = _image(ctx, "template")
    zones = list(ctx.arg("destzoneids") or []) + ([ctx.arg("destzoneid")] if ctx.arg("destzoneid") else [])
    if not zones:
        raise param_error("Please specify destzoneid or destzoneids")
    if not image.get("isready"):
        raise param_error(f"Template {image['name']} is not ready yet; wait for the download to finish")
    if image.get("zoneid") in zones:
        raise param_error("The source zone and the destination zone are the same")
    return ObjectAnswer("template", image)
