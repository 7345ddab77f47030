"""CloudStack API names <-> MCP tool names (`listVirtualMachines` <-> `list_virtual_machines`)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

__all__ = ["MAX_TOOL_NAME", "matches", "tool_name", "tool_names"]

MAX_TOOL_NAME = 64
_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_ACRONYM_PLURAL = re.compile(r"([A-Z]{2,})s(?=[A-Z0-9]|$)")
_INVALID = re.compile(r"[^a-z0-9_]+")


def tool_name(api_name: str) -> str:
    """snake_case tool name for an API: acronyms kept whole (`createVPCOffering` -> `create_vpc_offering`)."""
    # An acronym's plural ("VPCs", "ACLs") is one word: upper-case its "s" first.
    snake = _BOUNDARY.sub(
        "_", _ACRONYM_PLURAL.sub(lambda m: m.group(1) + "S", api_name.replace("OAuth", "Oauth"))
    ).lower()
    snake = _INVALID.sub("_", snake).strip("_")
    snake = re.sub(r"_+", "_", snake) or "api"
    if len(snake) > MAX_TOOL_NAME:
        # Keep it readable and unique: cut, then add a short stable hash of the full name.
        import hashlib

        digest = hashlib.sha1(api_name.encode()).hexdigest()[:6]
        snake = snake[: MAX_TOOL_NAME - 7].rstrip("_") + "_" + digest
    return snake


def matches(patterns: Iterable[str], *names: str) -> bool:
    """True when any glob pattern matches any of the names (case-insensitive): the one reading of the
    name patterns of --tools, --exclude-tools, --allow-tools and --deny-tools."""
    low = [n.lower() for n in names if n]
    return any(fnmatch.fnmatchcase(n, p.lower()) for p in patterns for n in low)


def tool_names(api_names: Iterable[str]) -> dict[str, str]:
    """Map tool name -> API name for a whole catalog; clashes get a numeric suffix, deterministically."""
    out: dict[str, str] = {}
    for api in sorted(api_names):
        name = tool_name(api)
        if name in out:
            i = 2
            while f"{name[: MAX_TOOL_NAME - 3]}_{i}" in out:
                i += 1
            name = f"{name[: MAX_TOOL_NAME - 3]}_{i}"
        out[name] = api
    return out
