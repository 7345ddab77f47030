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
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cloudstack_mcp.catalog import Catalog, CatalogError, ResponseField
from cloudstack_mcp.client import CloudStackClient
from cloudstack_mcp.config import Settings

__all__ = ["LazyFields", "cache_file", "fetch_catalog", "load_catalog", "read_cache", "write_cache"]

log = logging.getLogger(__name__)
_FORMAT = 2


def cache_file(settings: Settings) -> Path:
    """The cache file for the settings' endpoint and user."""
    ident = f"{settings.endpoint}\n{settings.user}".encode()
    return settings.cache_dir / f"catalog-{hashlib.sha256(ident).hexdigest()[:20]}.json"


class LazyFields(Sequence[ResponseField]):
    """An API's response fields, built from their JSON the first time something reads them.

    Most of a catalog is response fields (about 23,000 for 4.20) and start-up needs none of them;
    only rendering reads them (for units), one API at a time.
    """

    __slots__ = ("_items", "_raw")

    def __init__(self, raw: str):
        self._raw = raw
        self._items: tuple[ResponseField, ...] | None = None

    def _load(self) -> tuple[ResponseField, ...]:
        if self._items is None:
            doc = [{"name": "_", "response": json.loads(self._raw)}]
            self._items = Catalog.from_listapis(doc)["_"].response
        return self._items

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __iter__(self) -> Iterator[ResponseField]:
        return iter(self._load())

    def __bool__(self) -> bool:
        return self._raw not in ("", "[]")

    def __eq__(self, other: object) -> bool:
        return tuple(self) == (tuple(other) if isinstance(other, (tuple, LazyFields)) else other)

    def __hash__(self) -> int:
        return hash(self._load())

    def __repr__(self) -> str:
        return repr(self._load())


def read_cache(path: Path) -> Catalog | None:
    """The cached catalog, or None when missing or unreadable (a bad cache is refetched, not fatal)."""
    try:
        doc = json.loads(path.read_bytes())
        if doc.get("format") != _FORMAT:
            return None
        entries = doc["apis"]
        responses = {e["name"]: e.pop("response_json", "[]") for e in entries}
        catalog = Catalog.from_listapis(entries)
        apis = [replace(api, response=LazyFields(responses[api.name])) for api in catalog.values()]
        return Catalog(apis, source=f"cache {path} ({doc.get('endpoint')}, {doc.get('fetched')})")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, CatalogError) as exc:
        log.warning("ignoring unreadable catalog cache %s: %s", path, exc)
        return None


def write_cache(path: Path, catalog: Catalog, settings: Settings) -> None:
    """Write atomically (temp file + rename), readable by the user only."""
    entries = catalog.to_listapis()["listapisresponse"]["api"]
    for entry in entries:  # kept as text: parsed only when read (LazyFields)
        entry["response_json"] = json.dumps(entry.pop("response", []), separators=(",", ":"))
    doc: dict[str, Any] = {
        "format": _FORMAT,
        "endpoint": settings.endpoint,
        "user": settings.user,
        "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "apis": entries,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".catalog-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, separators=(",", ":"))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
        return Catalog.load(settings.api_spec)
    path = cache_file(settings)
    if use_cache and not settings.refresh_catalog:
        cached = read_cache(path)
        if cached is not None:
            return cached
    catalog = await fetch_catalog(client)
    if use_cache:
        try:
            write_cache(path, catalog, settings)
        except OSError as exc:
            log.warning("cannot write the catalog cache %s: %s (start-up will ask the server each time)", path, exc)
    return catalog
