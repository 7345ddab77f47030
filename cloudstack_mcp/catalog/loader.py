"""Where the catalog comes from: `--api-spec FILE`, the on-disk cache, or the server's own `listApis`.

The cache holds one file per endpoint and user (the API key or user name, hashed into the file
name; no secret is stored) under the cache directory (`$XDG_CACHE_HOME/cloudstack-mcp` or
`~/.cache/cloudstack-mcp`), so start-up needs no round trip. `sync` or `--refresh-catalog`
fetches it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import fields
from operator import attrgetter
from pathlib import Path
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec, Catalog, CatalogError, ParamSpec, ResponseField
from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.config import Settings

__all__ = [
    "LazyFields",
    "cache_file",
    "catalog_fingerprint",
    "fetch_catalog",
    "load_catalog",
    "read_cache",
    "write_cache",
]

log = logging.getLogger(__name__)
_FORMAT = 4


def cache_file(settings: Settings) -> Path:
    """The cache file for the settings' endpoint and user."""
    ident = f"{settings.endpoint}\n{settings.user}".encode()
    return settings.cache_dir / f"catalog-{hashlib.sha256(ident).hexdigest()[:20]}.json"


class _Responses:
    """The response-field part of a cache file, parsed on the first read of any API's fields."""

    __slots__ = ("_data", "_raw")

    def __init__(self, raw: bytes):
        self._raw = raw
        self._data: dict[str, Any] | None = None

    def fields(self, api: str) -> tuple[ResponseField, ...]:
        if self._data is None:
            try:
                self._data = json.loads(self._raw) if self._raw.strip() else {}
            except ValueError as exc:
                log.warning("catalog cache: unreadable response fields (%s); answers render without them", exc)
                self._data = {}
            self._raw = b""
        doc = [{"name": api, "response": self._data.get(api) or []}]
        return Catalog.from_listapis(doc)[api].response


class LazyFields(Sequence[ResponseField]):
    """An API's response fields, built the first time something reads them.

    Most of a catalog is response fields (about 23,000 for 4.20) and start-up needs none of them;
    only rendering reads them (for units), one API at a time.
    """

    __slots__ = ("_api", "_items", "_nonempty", "_source")

    def __init__(self, source: _Responses | tuple[ResponseField, ...], api: str = "", *, nonempty: bool = True):
        self._source = source
        self._api = api
        self._nonempty = bool(source) if isinstance(source, tuple) else nonempty
        self._items: tuple[ResponseField, ...] | None = source if isinstance(source, tuple) else None

    def _load(self) -> tuple[ResponseField, ...]:
        if self._items is None:
            assert isinstance(self._source, _Responses)
            self._items = self._source.fields(self._api)
        return self._items

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __bool__(self) -> bool:
        return self._nonempty

    def __iter__(self) -> Iterator[ResponseField]:
        return iter(self._load())

    def __eq__(self, other: object) -> bool:
        return tuple(self) == (tuple(other) if isinstance(other, (tuple, LazyFields)) else other)

    def __hash__(self) -> int:
        return hash(self._load())

    def __repr__(self) -> str:
        return repr(self._load())


# A cache file is two JSON documents on two lines: the APIs and their parameters (read at start-up),
# then the response fields of every API by name (read when first needed).


def _rows(catalog: Catalog) -> tuple[list[list[Any]], dict[str, Any]]:
    rows, responses = [], {}
    for a in catalog.values():
        params = [[p.name, p.type, p.required, p.description, p.length, p.since, list(p.related)] for p in a.params]
        listed = Catalog([a]).to_listapis()["listapisresponse"]["api"][0]
        if listed.get("response"):
            responses[a.name] = listed["response"]
        rows.append([a.name, a.description, a.isasync, list(a.related), a.since, params, a.name in responses])
    return rows, responses


def _api(row: list[Any], responses: _Responses) -> ApiSpec:
    name, description, isasync, related, since, params, has_response = row
    return ApiSpec(
        name=name,
        description=description,
        isasync=bool(isasync),
        params=tuple(ParamSpec(p[0], p[1], bool(p[2]), p[3], int(p[4]), p[5], tuple(p[6])) for p in params),
        response=LazyFields(responses, name, nonempty=has_response),  # type: ignore[arg-type]
        related=tuple(related),
        since=since,
    )


class _LazyApis(Mapping[str, ApiSpec]):
    """A cached catalog's APIs by name, each ApiSpec built on first access (start-up needs only the names)."""

    __slots__ = ("_built", "_responses", "_rows")

    def __init__(self, rows: dict[str, list[Any]], responses: _Responses):
        self._rows = rows
        self._responses = responses
        self._built: dict[str, ApiSpec] = {}

    def __getitem__(self, name: str) -> ApiSpec:
        api = self._built.get(name)
        if api is None:  # two threads may both build it: setdefault hands both the same one
            api = self._built.setdefault(name, _api(self._rows[name], self._responses))
        return api

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def _row_ok(row: Any) -> bool:
    return isinstance(row, list) and len(row) == 7 and isinstance(row[0], str) and isinstance(row[5], list)


def read_cache(path: Path) -> Catalog | None:
    """The cached catalog, or None when missing or unreadable (a bad cache is refetched, not fatal)."""
    try:
        head, _, tail = path.read_bytes().partition(b"\n")
        doc = json.loads(head)
        if doc.get("format") != _FORMAT:
            return None
        rows = doc["apis"]
        if not all(_row_ok(row) for row in rows):
            raise ValueError("an API row of another shape")
        catalog = Catalog([], source=f"cache {path} ({doc.get('endpoint')}, {doc.get('fetched')})")
        catalog._apis = _LazyApis({row[0]: row for row in rows}, _Responses(tail))  # type: ignore[assignment]
        catalog._lower = {name.lower(): name for name in catalog._apis}
        # The APIs are a function of the first line alone (the fields line feeds only rendering).
        catalog.fingerprint = "cache:" + hashlib.sha256(head).hexdigest()
        return catalog
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, CatalogError) as exc:
        log.warning("ignoring unreadable catalog cache %s: %s", path, exc)
        return None


def write_cache(path: Path, catalog: Catalog, settings: Settings) -> str:
    """Write atomically (temp file + rename), readable by the user only.

    Returns the fingerprint `read_cache` will give the catalog read back from the file.
    """
    rows, responses = _rows(catalog)
    doc: dict[str, Any] = {
        "format": _FORMAT,
        "endpoint": settings.endpoint,
        # Who it was fetched as, by digest: a cache file is no place for an API key.
        "user": "sha256:" + hashlib.sha256(settings.user.encode()).hexdigest()[:16],
        "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "apis": rows,
    }
    head = json.dumps(doc, separators=(",", ":")).encode()  # one line: json escapes every newline
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".catalog-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(head + b"\n")
            fh.write(json.dumps(responses, separators=(",", ":")).encode())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return "cache:" + hashlib.sha256(head).hexdigest()


def _file_fingerprint(spec: Path) -> str | None:
    """A digest of an API spec file and the `apis-meta.json` beside it (what `Catalog.load` reads)."""
    digest = hashlib.sha256(str(Path(spec).resolve()).encode())
    try:
        for path in (Path(spec), Path(spec).with_name("apis-meta.json")):
            if path.exists():
                digest.update(path.read_bytes())
    except OSError:
        return None
    return "file:" + digest.hexdigest()


def catalog_fingerprint(catalog: Catalog) -> str:
    """A digest of everything in a catalog that can shape a tool: from the bytes it was read from when known,
    else from its content (every API and parameter field except the response fields, ~30 ms for 864 APIs)."""
    if catalog.fingerprint is None:
        rows = [(_API_FIELDS(a), [_PARAM_FIELDS(p) for p in a.params], bool(a.response)) for a in catalog.values()]
        try:
            data = marshal.dumps(rows)
        except ValueError:  # a value marshal cannot write: its repr is as good a digest input
            data = repr(rows).encode()
        catalog.fingerprint = "content:" + hashlib.sha256(data).hexdigest()
    return catalog.fingerprint


_API_FIELDS = attrgetter(*(f.name for f in fields(ApiSpec) if f.name not in ("params", "response", "_by_name")))
_PARAM_FIELDS = attrgetter(*(f.name for f in fields(ParamSpec)))


async def fetch_catalog(client: CloudStackClient) -> Catalog:
    """Ask the server for its API (`listApis`: what this user's role may call)."""
    answer = await client.call("listApis", idempotent=True)
    try:
        return Catalog.from_listapis(answer, source=f"listApis of {client.endpoint}")
    except CatalogError as exc:
        raise CatalogError(f"the listApis answer of {client.endpoint} cannot be used: {exc}") from exc


async def load_catalog(settings: Settings, client: CloudStackClient, *, use_cache: bool = True) -> Catalog:
    """--api-spec file, else the cache (unless refreshing), else listApis (then cached)."""
    if settings.api_spec is not None:
        catalog = Catalog.load(settings.api_spec)
        catalog.fingerprint = _file_fingerprint(settings.api_spec)
        return catalog
    path = cache_file(settings)
    if use_cache and not settings.refresh_catalog:
        cached = read_cache(path)
        if cached is not None:
            return cached
    catalog = await fetch_catalog(client)
    if use_cache:
        try:
            # A listApis catalog has nothing the cache drops (that is apis-meta.json's part), so it is the
            # catalog later starts read back: the same fingerprint, the same cached listing.
            catalog.fingerprint = write_cache(path, catalog, settings)
        except OSError as exc:
            log.warning("cannot write the catalog cache %s: %s (start-up will ask the server each time)", path, exc)
    return catalog
