"""CloudStack API names: their words, and API names <-> MCP tool names (`listVirtualMachines` <-> `list_virtual_machines`).

`split_name` is the one reading of a camelCase name as words: tool names, tool titles, the policy's
verb and object and the simulator's generated texts all use it, so they cannot disagree.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping

__all__ = ["MAX_TOOL_NAME", "ToolNames", "is_acronym", "matches", "split_name", "tool_name", "tool_names"]

MAX_TOOL_NAME = 64
_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_ACRONYM_PLURAL = re.compile(r"([A-Z]{2,})s(?=[A-Z0-9]|$)")
_INVALID = re.compile(r"[^a-z0-9_]+")


def split_name(name: str) -> list[str]:
    """The words of a camelCase name, case kept, acronyms whole with their plural:
    `createVPCOffering` -> create VPC Offering, `listVPCs` -> list VPCs, `verifyOAuthCode` -> verify OAuth Code."""
    # Find the cuts on a marked copy of the same length: an acronym's plural ("VPCs", "ACLs") upper-cased
    # so its "s" stays with it, "OAuth" read as one word; then cut the name itself where the copy is cut.
    marked = _ACRONYM_PLURAL.sub(lambda m: m.group(1) + "S", name.replace("OAuth", "Oauth"))
    cuts = [0, *(m.start() for m in _BOUNDARY.finditer(marked)), len(name)]
    return [name[a:b] for a, b in itertools.pairwise(cuts) if a < b]


def is_acronym(word: str) -> bool:
    """`VPC`, `VPCs`, `ACLs`: a word of `split_name` written in capitals (a plural's "s" aside)."""
    stem = word[:-1] if len(word) > 2 and word.endswith("s") else word
    return len(stem) > 1 and stem.isupper()


def tool_name(api_name: str) -> str:
    """snake_case tool name for an API: acronyms kept whole (`createVPCOffering` -> `create_vpc_offering`)."""
    snake = "_".join(split_name(api_name)).lower()
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


class ToolNames(Mapping[str, str]):
    """The one map of a catalog's names: tool name -> API name for every API (`tool_names`), and back.

    Get it as `Catalog.names` (built once per catalog); the pipeline, the inventory and the listing
    cache all read this one, so a tool name means the same API everywhere.
    """

    def __init__(self, to_api: Mapping[str, str]):
        self._to_api = dict(to_api)
        self._to_tool = {api.lower(): tool for tool, api in self._to_api.items()}

    @classmethod
    def of(cls, api_names: Iterable[str]) -> ToolNames:
        return cls(tool_names(api_names))

    def __getitem__(self, tool: str) -> str:
        return self._to_api[tool]

    def __iter__(self) -> Iterator[str]:
        return iter(self._to_api)

    def __len__(self) -> int:
        return len(self._to_api)

    def tool_of(self, api_name: str) -> str | None:
        """The tool name of an API (any case), or None for an API not in the catalog."""
        return self._to_tool.get(api_name.lower())
