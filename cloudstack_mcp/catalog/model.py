"""The API catalog: what a CloudStack server says about its own API.

Built from a `listApis` answer (a live server's, a cached copy, or a file such
as `../shared/cloudstack-api/4.20.0.0/listApis.json`), optionally enriched by an
`apis-meta.json` beside it (envelope keys, entity types, sensitive flags).
Everything downstream (tools, policy, toolsets, search, the simulator) reads
these frozen values; nothing here talks to the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudstack_mcp.catalog.naming import ToolNames
from cloudstack_mcp.catalog.versions import parse as parse_version
from cloudstack_mcp.errors import CatalogError  # the package's exception tree (re-exported here)

__all__ = ["ApiSpec", "Catalog", "CatalogError", "ParamSpec", "ResponseField"]

PARAM_TYPES = frozenset(
    {
        "string",
        "uuid",
        "integer",
        "long",
        "short",
        "boolean",
        "date",
        "tzdate",
        "double",
        "float",
        "list",
        "map",
        "object",
    }
)


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One request parameter of an API, as listApis describes it."""

    name: str
    type: str = "string"
    required: bool = False
    description: str = ""
    length: int = 255
    since: str | None = None
    related: tuple[str, ...] = ()
    # From apis-meta.json when present: the entity a uuid names (e.g. "ZoneResponse"),
    # the element type of a list, and the roles allowed to pass it.
    entity: str | None = None
    collection_type: str | None = None
    authorized: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResponseField:
    name: str
    type: str = ""
    description: str = ""
    children: tuple[ResponseField, ...] = ()


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """One CloudStack API (command)."""

    name: str
    description: str = ""
    isasync: bool = False
    params: tuple[ParamSpec, ...] = ()
    response: tuple[ResponseField, ...] = ()
    related: tuple[str, ...] = ()
    since: str | None = None
    # apis-meta.json facts (None/False when unknown, e.g. for a live server's catalog).
    response_key: str | None = None
    response_object: str | None = None
    request_sensitive: bool = False
    response_sensitive: bool = False
    module: str | None = None
    authorized: tuple[str, ...] = ()
    _by_name: dict[str, ParamSpec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({p.name.lower(): p for p in self.params})

    def param(self, name: str) -> ParamSpec | None:
        """The parameter called `name` (case-insensitive, as the server reads it)."""
        return self._by_name.get(name.lower())

    @property
    def required_params(self) -> tuple[ParamSpec, ...]:
        return tuple(p for p in self.params if p.required)

    @property
    def envelope_key(self) -> str:
        """The JSON key the server answers under (apis-meta's, else `<name>response`)."""
        if self.response_key and not self.response_key.startswith("?"):
            return self.response_key
        return self.name.lower() + "response"

    @property
    def is_list(self) -> bool:
        return self.name.startswith("list")


def _split(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(x for x in value.split(",") if x)
    return tuple(str(x) for x in value)


def _short_class(name: str | None) -> str | None:
    return name.rsplit(".", 1)[-1] if name else None


def _response_fields(items: Any) -> tuple[ResponseField, ...]:
    out = []
    for item in items or ():
        if not isinstance(item, Mapping) or not item.get("name"):
            continue  # unannotated response fields appear as {}
        out.append(
            ResponseField(
                name=str(item["name"]),
                type=str(item.get("type", "")),
                description=str(item.get("description", "")),
                children=_response_fields(item.get("response")),
            )
        )
    return tuple(out)


def _param(raw: Mapping[str, Any], meta: Mapping[str, Any] | None) -> ParamSpec:
    try:
        name = str(raw["name"])
    except KeyError as exc:
        raise CatalogError(f"parameter without a name: {dict(raw)!r}") from exc
    ptype = str(raw.get("type", "string")).lower()
    entity = collection = None
    authorized: tuple[str, ...] = ()
    if meta:
        entities = meta.get("entitytype") or []
        entity = _short_class(entities[0]) if entities else None
        collection = meta.get("collectiontype")
        if collection:
            collection = str(collection).lower()
        authorized = _split(meta.get("authorized"))
    try:
        length = int(raw.get("length", 255) or 255)
    except (TypeError, ValueError):
        length = 255
    return ParamSpec(
        name=name,
        type=ptype if ptype in PARAM_TYPES else "string",
        required=bool(raw.get("required", False)),
        description=str(raw.get("description", "") or ""),
        length=length,
        since=raw.get("since"),
        related=_split(raw.get("related")),
        entity=entity,
        collection_type=collection,
        authorized=authorized,
    )


def _api(raw: Mapping[str, Any], meta: Mapping[str, Any] | None) -> ApiSpec:
    try:
        name = str(raw["name"])
    except KeyError as exc:
        raise CatalogError("an API entry without a name") from exc
    pmeta: dict[str, Mapping[str, Any]] = {}
    if meta:
        pmeta = {str(p.get("name", "")).lower(): p for p in meta.get("params", [])}
    params = tuple(_param(p, pmeta.get(str(p.get("name", "")).lower())) for p in raw.get("params") or ())
    isasync = raw.get("isasync", False)
    return ApiSpec(
        name=name,
        description=str(raw.get("description", "") or ""),
        isasync=isasync is True or str(isasync).lower() == "true",
        params=params,
        response=_response_fields(raw.get("response")),
        related=_split(raw.get("related")),
        since=raw.get("since"),
        response_key=(meta or {}).get("responsekey"),
        response_object=_short_class((meta or {}).get("responseobject")),
        request_sensitive=bool((meta or {}).get("requesthassensitiveinfo", False)),
        response_sensitive=bool((meta or {}).get("responsehassensitiveinfo", False)),
        module=(meta or {}).get("module"),
        authorized=_split((meta or {}).get("authorized")),
    )


def _api_entries(doc: Any) -> list[Mapping[str, Any]]:
    """Accept a whole answer (`{"listapisresponse": {...}}`), its inner object, or the bare list."""
    if isinstance(doc, Mapping) and len(doc) == 1:
        (inner,) = doc.values()
        if isinstance(inner, Mapping) and "api" in inner:
            doc = inner
    if isinstance(doc, Mapping):
        doc = doc.get("api", [] if "count" in doc or not doc else None)
    if not isinstance(doc, list):
        raise CatalogError("not a listApis answer: expected {'listapisresponse': {'api': [...]}} or a list of APIs")
    return doc


class Catalog(Mapping[str, ApiSpec]):
    """An immutable name -> ApiSpec mapping plus where it came from."""

    def __init__(self, apis: Mapping[str, ApiSpec] | list[ApiSpec], *, source: str = "", version: str | None = None):
        items = apis.values() if isinstance(apis, Mapping) else apis
        self._apis: dict[str, ApiSpec] = {a.name: a for a in items}
        self._lower = {n.lower(): n for n in self._apis}
        self.source = source
        self.version = version
        self.fingerprint: str | None = None  # a digest of the bytes it was read from, when its loader knows them
        self._names: ToolNames | None = None

    @property
    def names(self) -> ToolNames:
        """Every API's tool name, both ways (naming.ToolNames), worked out once."""
        if self._names is None:
            self._names = ToolNames.of(self._apis)
        return self._names

    # Mapping protocol
    def __getitem__(self, name: str) -> ApiSpec:
        return self._apis[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._apis)

    def __len__(self) -> int:
        return len(self._apis)

    def find(self, name: str) -> ApiSpec | None:
        """Look an API up by name, case-insensitively (the server's command lookup is)."""
        real = self._lower.get(name.lower())
        return self._apis[real] if real else None

    @classmethod
    def from_listapis(
        cls, doc: Any, meta: Mapping[str, Any] | None = None, *, source: str = "", version: str | None = None
    ) -> Catalog:
        """Build from a listApis answer; `meta` is the parsed apis-meta.json, if any."""
        meta_apis: Mapping[str, Any] = (meta or {}).get("apis", {}) if meta else {}
        entries = _api_entries(doc)
        apis = []
        for raw in entries:
            if not isinstance(raw, Mapping):
                raise CatalogError(f"an API entry is not an object: {raw!r:.80}")
            apis.append(_api(raw, meta_apis.get(str(raw.get("name", "")))))
        if version is None and meta:
            version = meta.get("version")
        return cls(apis, source=source, version=version)

    @classmethod
    def load(cls, path: str | Path) -> Catalog:
        """Read a listApis JSON file, with `apis-meta.json` from the same folder when present."""
        path = Path(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CatalogError(f"cannot read API spec {path}: {exc.strerror or exc}") from exc
        except json.JSONDecodeError as exc:
            raise CatalogError(f"API spec {path} is not valid JSON: {exc}") from exc
        meta = None
        meta_path = path.with_name("apis-meta.json")
        if meta_path.exists() and meta_path != path:
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise CatalogError(f"cannot read {meta_path}: {exc}") from exc
        # A folder named for its release ("4.20.0.0", "4.23", "24.0.0", "v4.22") says the version.
        version = path.parent.name if parse_version(path.parent.name) is not None else None
        return cls.from_listapis(doc, meta, source=str(path), version=version or (meta or {}).get("version"))

    def to_listapis(self) -> dict[str, Any]:
        """Serialise back to a listApis answer (used for the on-disk cache)."""

        def fields(items: tuple[ResponseField, ...]) -> list[dict[str, Any]]:
            out = []
            for f in items:
                d: dict[str, Any] = {"name": f.name, "type": f.type, "description": f.description}
                if f.children:
                    d["response"] = fields(f.children)
                out.append(d)
            return out

        apis = []
        for a in self._apis.values():
            entry: dict[str, Any] = {
                "name": a.name,
                "description": a.description,
                "isasync": a.isasync,
                "related": ",".join(a.related),
                "params": [
                    {
                        k: v
                        for k, v in {
                            "name": p.name,
                            "description": p.description,
                            "type": p.type,
                            "length": p.length,
                            "required": p.required,
                            "since": p.since,
                            "related": ",".join(p.related) or None,
                        }.items()
                        if v is not None
                    }
                    for p in a.params
                ],
                "response": fields(a.response),
            }
            if a.since:
                entry["since"] = a.since
            apis.append(entry)
        return {"listapisresponse": {"count": len(apis), "api": apis}}
