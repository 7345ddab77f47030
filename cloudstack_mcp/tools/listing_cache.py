"""The `tools/list` answer kept on disk, so a server listing every API starts without building 864 tools.

The API tools' listing entries (schemas, annotations, compacted descriptions: what `build_inventory`
and `budget.compact_tool` make) are a pure function of the catalog, the settings that select and shape
tools, and the code. `load_inventory` keys a cache file by a digest of all three; on a hit the listing
is read as JSON and each tool's `ToolDef` is built only when the tool is called. Any change of
catalog (`sync`, a new `--api-spec`), of those settings or of the code (package version, any of its
source files' content, the `mcp` and `pydantic` versions) gives another key, so a stale listing is never
served: the key holds digests of content only, never file times.
The extra tools (search_apis, ...) are built at every start: they are few and depend on the server.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from cloudstack_mcp import __version__
from cloudstack_mcp.catalog.loader import catalog_fingerprint
from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.tools.inventory import Controls, Inventory, ToolDef, api_tool, build_inventory

__all__ = ["listing_file", "listing_key", "load_inventory", "read_listing", "write_listing"]

log = logging.getLogger(__name__)
_FORMAT = 1
_KEEP = 8  # listing files kept per cache directory (the newest)
_PACKAGE = Path(__file__).resolve().parent


@cache
def code_fingerprint() -> str:
    """A digest of what builds a listing besides its inputs: our version, the content of our sources (any
    edit changes it; a copy or reinstall with the same content does not) and the `mcp` and `pydantic`
    releases. Reading and hashing the sources takes about a millisecond."""
    import importlib.metadata

    import pydantic

    parts = [__version__, pydantic.VERSION]
    try:
        parts.append(importlib.metadata.version("mcp"))
    except importlib.metadata.PackageNotFoundError:
        parts.append("mcp ?")
    digest = hashlib.sha256("\n".join(parts).encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        where = path.relative_to(_PACKAGE)
        if where.parts[0] == "simulator":
            continue
        digest.update(f"\n{where.as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def listing_key(catalog: Catalog, settings: Settings, guard: Controls | None) -> str | None:
    """The digest naming a listing, or None when it cannot be cached (a guard of another kind)."""
    controls = guard.controls_key if guard is not None else None
    if guard is not None and controls is None:
        return None  # a custom guard may add other control arguments
    inputs = {
        "format": _FORMAT,
        "code": code_fingerprint(),
        "catalog": catalog_fingerprint(catalog),
        "toolsets": list(settings.toolsets),
        "tools": list(settings.tools),
        "exclude_tools": list(settings.exclude_tools),
        "read_only": bool(settings.read_only),
        "controls": controls,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def listing_file(settings: Settings, key: str) -> Path:
    return settings.cache_dir / f"listing-{key[:24]}.json"


def read_listing(path: Path, key: str) -> list[dict[str, Any]] | None:
    """The API tools' listing entries stored under `key`, or None (missing, another key, unreadable)."""
    try:
        doc = json.loads(path.read_bytes())
        tools = doc["tools"] if doc.get("format") == _FORMAT and doc.get("key") == key else None
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("ignoring unreadable listing cache %s: %s", path, exc)
        return None
    if not isinstance(tools, list) or not all(isinstance(t, dict) and isinstance(t.get("name"), str) for t in tools):
        return None
    return tools


def write_listing(path: Path, key: str, tools: list[dict[str, Any]]) -> None:
    """Write atomically (temp file + rename), then keep only the newest listing files of the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".listing-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"format": _FORMAT, "key": key, "tools": tools}, fh, separators=(",", ":"), ensure_ascii=False)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _prune(path.parent)


def _prune(folder: Path) -> None:
    try:
        files = sorted(folder.glob("listing-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # another server pruning at the same time, a file gone: harmless
        log.debug("pruning listing caches in %s: %s", folder, exc)


def load_inventory(
    catalog: Catalog,
    settings: Settings,
    *,
    guard: Controls | None,
    extras: Iterable[ToolDef] = (),
    names: Mapping[str, str],
    use_cache: bool = True,
) -> Inventory:
    """The inventory `build_inventory` would make, from the listing cache when it holds this listing."""
    key = listing_key(catalog, settings, guard) if use_cache else None
    if key is None:
        return build_inventory(catalog, settings, guard=guard, extras=extras, names=names)
    path = listing_file(settings, key)
    entries = read_listing(path, key)
    if entries is not None and all(entry["name"] in names for entry in entries):

        def build(name: str) -> ToolDef:
            return api_tool(name, catalog[names[name]], guard)

        log.info("tools/list read from %s (%d API tools)", path, len(entries))
        inventory = Inventory.from_listing(entries, build, names)
    else:
        inventory = build_inventory(catalog, settings, guard=guard, names=names)
        try:
            write_listing(path, key, inventory.api_listing())
        except OSError as exc:
            log.warning("cannot write the listing cache %s: %s (start-up will build the tools each time)", path, exc)
    inventory.add_extras(extras, settings.exclude_tools)
    return inventory
