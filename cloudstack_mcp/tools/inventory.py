"""The tool inventory: one `ToolDef` per API (plus extra tools with their own handler), filtered in one place.

`build_inventory(catalog, settings, guard=..., extras=...)` applies, in this order: the toolset
selection (`--toolsets`, default profile when none), `--tools` include patterns, `--exclude-tools`,
then `--read-only` (API tools whose policy is not read-only are dropped). The listing is fixed
for the life of the server.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import mcp_types as types

from cloudstack_mcp.catalog.model import ApiSpec, Catalog
from cloudstack_mcp.catalog.naming import ToolNames, matches, split_name
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import ConfigError
from cloudstack_mcp.policy.classify import ApiPolicy, classify
from cloudstack_mcp.tools import toolsets
from cloudstack_mcp.tools.budget import compact_tool
from cloudstack_mcp.tools.schema import controls_for, input_schema

__all__ = [
    "Controls",
    "Inventory",
    "ToolDef",
    "ToolHandler",
    "annotations_for",
    "build_inventory",
    "title_for",
]

# An extra tool's handler: (arguments, request context or None, request params or None) -> result.
ToolHandler = Callable[
    [dict[str, Any], Any, "types.CallToolRequestParams | None"],
    Awaitable["types.CallToolResult | types.InputRequiredResult"],
]


class Controls(Protocol):
    """What tools need of the guard (pipeline.guard.Guard): the control arguments it adds to a tool's
    schema, and a key naming what decides them (None: do not cache schemas made with it)."""

    def controls_for(self, api: ApiSpec, policy: ApiPolicy) -> tuple[str, ...]: ...

    @property
    def controls_key(self) -> str | None: ...


_IDEMPOTENT_VERBS = ("update", "delete", "remove", "destroy", "expunge", "enable", "disable", "set", "reset")


@dataclass(frozen=True)
class ToolDef:
    """One MCP tool: what is listed, and what runs when it is called."""

    name: str
    description: str
    input_schema: dict[str, Any]
    annotations: dict[str, Any]
    toolset: str
    api: ApiSpec | None = None
    policy: ApiPolicy | None = None
    controls: tuple[str, ...] = ()
    handler: ToolHandler | None = field(default=None, compare=False)

    @property
    def read_only(self) -> bool:
        return bool(self.annotations.get("readOnlyHint"))

    def to_mcp(self) -> types.Tool:
        return types.Tool(
            name=self.name,
            title=self.annotations.get("title"),
            description=self.description,
            input_schema=self.input_schema,
            annotations=types.ToolAnnotations.model_validate(self.annotations),
        )


def title_for(api_name: str) -> str:
    """`listVirtualMachines` -> "List Virtual Machines" (acronyms kept: "Create VPC Offering")."""
    words = split_name(api_name) or [api_name]
    return " ".join(w if w.isupper() else w[:1].upper() + w[1:] for w in words)


def annotations_for(api: ApiSpec, policy: ApiPolicy) -> dict[str, Any]:
    """MCP tool annotations from the API's policy (so the read-only filter and the hint cannot disagree)."""
    read = policy.read_only
    return {
        "title": title_for(api.name),
        "readOnlyHint": read,
        "destructiveHint": policy.kind == "destructive",
        "idempotentHint": read or api.name.startswith(_IDEMPOTENT_VERBS),
        "openWorldHint": True,
    }


def api_tool(name: str, api: ApiSpec, guard: Controls | None = None) -> ToolDef:
    """The ToolDef of one API (schema, annotations, toolset, policy, control arguments)."""
    policy = classify(api)
    controls = controls_for(api) + (guard.controls_for(api, policy) if guard else ())
    return ToolDef(
        name=name,
        description=api.description or title_for(api.name),
        input_schema=input_schema(api, controls=controls),
        annotations=annotations_for(api, policy),
        toolset=toolsets.category_for(api.name),
        api=api,
        policy=policy,
        controls=controls,
    )


class _Tools(MutableMapping[str, ToolDef]):
    """The listed tools by name, in listing order; a pending tool's ToolDef is built when first looked up."""

    def __init__(
        self, built: Iterable[ToolDef], pending: Iterable[str] = (), build: Callable[[str], ToolDef] | None = None
    ):
        self._items: dict[str, ToolDef | None] = dict.fromkeys(pending)
        self._items.update((t.name, t) for t in built)
        self._build = build

    def __getitem__(self, name: str) -> ToolDef:
        tool = self._items[name]
        if tool is None:
            assert self._build is not None
            tool = self._items[name] = self._build(name)
        return tool

    def __setitem__(self, name: str, tool: ToolDef) -> None:
        self._items[name] = tool

    def __delitem__(self, name: str) -> None:
        del self._items[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class Inventory:
    """The listed tools (fixed at start-up) plus a lookup of every API's tool name."""

    def __init__(self, listed: Iterable[ToolDef], api_names: Mapping[str, str]):
        self.tools: MutableMapping[str, ToolDef] = _Tools(listed)
        # tool name -> API name, for every API of the catalog (the catalog's own map when given it)
        self.api_names = api_names if isinstance(api_names, ToolNames) else ToolNames(api_names)
        self._listing: types.ListToolsResult | None = None
        self._wire: dict[str, Any] | None = None
        self._api_wire: list[dict[str, Any]] | None = None  # the API tools' listing entries, when read ready-made
        self._extras: list[ToolDef] = []
        # set once a tools/list answer has been handed out: background work waits for it (serve's search index)
        self.listed = threading.Event()

    @classmethod
    def from_listing(
        cls,
        api_entries: list[dict[str, Any]],
        build: Callable[[str], ToolDef],
        api_names: Mapping[str, str],
    ) -> Inventory:
        """An inventory whose API tools are listed from ready-made wire entries (listing_cache) and built
        only when called; extra tools are added after them (`add_extras`)."""
        inventory = cls((), api_names)
        inventory.tools = _Tools((), pending=[e["name"] for e in api_entries], build=build)
        inventory._api_wire = api_entries
        return inventory

    @property
    def ready_made(self) -> bool:
        """True when the API tools' listing was read ready-made (listing_cache), not built."""
        return self._api_wire is not None

    def __len__(self) -> int:
        return len(self.tools)

    def __contains__(self, name: object) -> bool:
        return name in self.tools

    def get(self, name: str) -> ToolDef | None:
        return self.tools.get(name)

    def tool_name_of(self, api_name: str) -> str | None:
        return self.api_names.tool_of(api_name)

    def listing(self) -> types.ListToolsResult:
        """The `tools/list` answer, built once (descriptions compacted: budget.compact_tool)."""
        if self._listing is None:
            if self._api_wire is not None:
                self._listing = types.ListToolsResult.model_validate(self.listing_wire())
            else:
                self._listing = types.ListToolsResult(tools=[compact_tool(t.to_mcp()) for t in self.tools.values()])
        return self._listing

    def listing_wire(self) -> dict[str, Any]:
        """The `tools/list` answer as wire JSON (a dict), dumped once: the SDK sends dicts as they are."""
        if self._wire is None:
            if self._api_wire is not None:
                wire = types.ListToolsResult(tools=[compact_tool(t.to_mcp()) for t in self._extras])
                self._wire = _dump(wire)
                self._wire["tools"] = self._api_wire + self._wire["tools"]
            else:
                self._wire = _dump(self.listing())
        self.listed.set()
        return self._wire

    def add_extras(self, extras: Iterable[ToolDef], exclude: Iterable[str] = ()) -> None:
        """List `extras` (tools with their own handler) after the API tools, unless `exclude` patterns
        (--exclude-tools) name them; an extra named like an API tool is a bug (ValueError)."""
        taken = set(self.tools)
        exclude = tuple(exclude)
        for extra in extras:
            if extra.name in taken:
                raise ValueError(f"extra tool {extra.name!r} clashes with an API tool")
            if not matches(exclude, extra.name):
                self.tools[extra.name] = extra
                self._extras.append(extra)
                taken.add(extra.name)
        self._listing = self._wire = None

    def api_listing(self) -> list[dict[str, Any]]:
        """The listing entries of the API tools (what listing_cache stores)."""
        if self._api_wire is not None:
            return self._api_wire
        entries = self.listing_wire()["tools"]
        return [entry for entry, tool in zip(entries, self.tools.values(), strict=True) if tool.api is not None]


def _dump(result: types.ListToolsResult) -> dict[str, Any]:
    return result.model_dump(by_alias=True, mode="json", exclude_none=True)


def _selected_apis(catalog: Catalog, names: Mapping[str, str], settings: Settings) -> set[str]:
    chosen = {s.lower() for s in settings.toolsets}
    unknown = chosen - set(toolsets.TOOLSETS) - set(toolsets.PROFILES)
    if unknown:
        valid = ", ".join([*sorted(toolsets.PROFILES), *sorted(toolsets.TOOLSETS)])
        raise ConfigError(f"unknown toolset(s) {', '.join(sorted(unknown))} in --toolsets: use {valid}")
    apis: set[str] = set()
    if "all" in chosen:
        apis = set(catalog)
    else:
        if "default" in chosen or (not chosen and not settings.tools):
            apis |= {a for a in catalog if a in toolsets.DEFAULT_PROFILE_APIS}
        if "discovery" in chosen:
            apis |= {a for a in catalog if a in toolsets.DISCOVERY_PROFILE_APIS}
        if chosen - set(toolsets.PROFILES):
            apis |= {a for a in catalog if toolsets.category_for(a) in chosen}
    if settings.tools:
        apis |= {api for tool, api in names.items() if matches(settings.tools, tool, api)}
    return apis


def build_inventory(
    catalog: Catalog,
    settings: Settings,
    *,
    guard: Controls | None = None,
    extras: Iterable[ToolDef] = (),
    names: Mapping[str, str] | None = None,
) -> Inventory:
    """Every tool to list, by the settings' selection; `extras` are listed unless excluded.

    `names`: tool name -> API name (default: the catalog's own map, `Catalog.names`).
    """
    names = catalog.names if names is None else names
    apis = _selected_apis(catalog, names, settings)
    listed: list[ToolDef] = []
    for tool, api_name in sorted(names.items()):
        if api_name not in apis or matches(settings.exclude_tools, tool, api_name):
            continue
        tooldef = api_tool(tool, catalog[api_name], guard)
        if settings.read_only and not tooldef.read_only:
            continue
        listed.append(tooldef)
    inventory = Inventory(listed, names)
    inventory.add_extras(extras, settings.exclude_tools)
    return inventory
