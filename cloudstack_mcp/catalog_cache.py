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
from pathlib import Path
from typing import Any

from cloudstack_mcp.catalog import Catalog, CatalogError
from cloudstack_mcp.client import CloudStackClient
from cloudstack_mcp.config import Settings

__all__ = ["cache_file", "fetch_catalog", "load_catalog", "read_cache", "write_cache"]

log = logging.getLogger(__name__)
_FORMAT = 1


def cache_file(settings: Settings) -> Path:
    """The cache file for the settings' endpoint and user."""
    ident = f"{settings.endpoint}\n{settings.user}".encode()
    return settings.cache_dir / f"catalog-{hashlib.sha256(ident).hexdigest()[:20]}.json"


def read_cache(path: Path) -> Catalog | None:
    """The cached catalog, or None when missing or unreadable (a bad cache is refetched, not fatal)."""
    try:
        doc = json.loads(path.read_bytes())
        if doc.get("format") != _FORMAT:
            return None
        return Catalog.from_listapis(
            doc["listapis"], source=f"cache {path} ({doc.get('endpoint')}, {doc.get('fetched')})"
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, AttributeError, CatalogError) as exc:
        log.warning("ignoring unreadable catalog cache %s: %s", path, exc)
        return None


def write_cache(path: Path, catalog: Catalog, settings: Settings) -> None:
    """Write atomically (temp file + rename), readable by the user only."""
    doc: dict[str, Any] = {
        "format": _FORMAT,
        "endpoint": settings.endpoint,
        "user": settings.user,
        "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "listapis": catalog.to_listapis(),
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
