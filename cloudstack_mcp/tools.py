"""The tool inventory: one `ToolDef` per API (plus extra tools with their own handler), filtered in one place.

`build_inventory(catalog, settings, guard=..., extras=...)` applies, in this order: the toolset
selection (`--toolsets`, default profile when none), `--tools` include patterns, `--exclude-tools`,
then `--read-only` (API tools whose policy is not read-only are dropped). The listing is fixed
for the life of the server.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types

from cloudstack_mcp import toolsets
from cloudstack_mcp.budget import compact_tool
from cloudstack_mcp.catalog import ApiSpec, Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import ConfigError
from cloudstack_mcp.guard import Guard, matches
from cloudstack_mcp.naming import tool_names
from cloudstack_mcp.policy import ApiPolicy, classify
from cloudstack_mcp.schema import controls_for, input_schema

__all__ = ["Inventory", "ToolDef", "ToolHandler", "annotations_for", "build_inventory", "title_for"]

# An extra tool's handler: (arguments, request context or None, request params or None) -> result.
ToolHandler = Callable[
    [dict[str, Any], Any, "types.CallToolRequestParams | None"],
    Awaitable["types.CallToolResult | types.InputRequiredResult"],
]

_WORDS = re.compile(r"[A-Z]+\d*(?=[A-Z][a-z])|[A-Z]?[a-z]+\d*|[A-Z]+\d*|\d+")
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
    words = _WORDS.findall(api_name) or [api_name]
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


def api_tool(name: str, api: ApiSpec, guard: Guard | None = None) -> ToolDef:
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


class Inventory:
    """The listed tools (fixed at start-up) plus a lookup of every API's tool name."""

    def __init__(self, listed: Iterable[ToolDef], api_names: Mapping[str, str]):
        self.tools: dict[str, ToolDef] = {t.name: t for t in listed}
        self.api_names = dict(api_names)  # tool name -> API name, for every API of the catalog
        self._by_api = {api.lower(): tool for tool, api in self.api_names.items()}
        self._listing: types.ListToolsResult | None = None
        self._wire: dict[str, Any] | None = None

    def __len__(self) -> int:
        return len(self.tools)

    def __contains__(self, name: object) -> bool:
        return name in self.tools

    def get(self, name: str) -> ToolDef | None:
        return self.tools.get(name)

    def tool_name_of(self, api_name: str) -> str | None:
        return self._by_api.get(api_name.lower())

    def listing(self) -> types.ListToolsResult:
        """The `tools/list` answer, built once (descriptions compacted: budget.compact_tool)."""
        if self._listing is None:
            self._listing = types.ListToolsResult(tools=[compact_tool(t.to_mcp()) for t in self.tools.values()])
        return self._listing

    def listing_wire(self) -> dict[str, Any]:
        """The `tools/list` answer as wire JSON (a dict), dumped once: the SDK sends dicts as they are."""
        if self._wire is None:
            self._wire = self.listing().model_dump(by_alias=True, mode="json", exclude_none=True)
        return self._wire


def _selected_apis(catalog: Catalog, names: Mapping[str, str], settings: Settings) -> set[str]:
    chosen = {s.lower() for s in settings.toolsets}
    unknown = chosen - set(toolsets.TOOLSETS) - {"all", "default"}
    if unknown:
        valid = ", ".join(["all", "default", *sorted(toolsets.TOOLSETS)])
        raise ConfigError(f"unknown toolset(s) {', '.join(sorted(unknown))} in --toolsets: use {valid}")
    apis: set[str] = set()
    if "all" in chosen:
        apis = set(catalog)
    else:
        if "default" in chosen or (not chosen and not settings.tools):
            apis |= {a for a in catalog if a in toolsets.DEFAULT_PROFILE_APIS}
        if chosen - {"default"}:
            apis |= {a for a in catalog if toolsets.category_for(a) in chosen}
    if settings.tools:
        apis |= {api for tool, api in names.items() if matches(settings.tools, tool, api)}
    return apis


def build_inventory(
    catalog: Catalog,
    settings: Settings,
    *,
    guard: Guard | None = None,
    extras: Iterable[ToolDef] = (),
    names: Mapping[str, str] | None = None,
) -> Inventory:
    """Every tool to list, by the settings' selection; `extras` are listed unless excluded.

    `names` is `naming.tool_names(catalog)` when the caller already has it.
    """
    names = tool_names(catalog) if names is None else names
    apis = _selected_apis(catalog, names, settings)
    listed: list[ToolDef] = []
    for tool, api_name in sorted(names.items()):
        if api_name not in apis or matches(settings.exclude_tools, tool, api_name):
            continue
        tooldef = api_tool(tool, catalog[api_name], guard)
        if settings.read_only and not tooldef.read_only:
            continue
        listed.append(tooldef)
    taken = {t.name for t in listed}
    for extra in extras:
        if extra.name in taken:
            raise ValueError(f"extra tool {extra.name!r} clashes with an API tool")
        if not matches(settings.exclude_tools, extra.name):
            listed.append(extra)
    return Inventory(listed, names)
