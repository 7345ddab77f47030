"""The discovery tools, listed in every profile: they reach every API whatever is listed.

- `search_apis(query, category?, read_only?, limit?)`: ranked APIs for plain words, one line each;
- `describe_api(name)`: the full input schema, async flag, danger, confirmation needs, how to call;
- `call_api(name, arguments)`: any API through the same pipeline as its named tool
  (`Pipeline.call_api`: validation, safety, job handling, output).

Under `--read-only`, search and describe show only read-only APIs and call_api refuses the rest
(the guard does; the pipeline is the same).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import anyio
import mcp_types as types

from cloudstack_mcp.catalog.model import ApiSpec, Catalog
from cloudstack_mcp.catalog.naming import tool_name
from cloudstack_mcp.config import Settings
from cloudstack_mcp.policy.classify import classify
from cloudstack_mcp.render.results import error_result, text_result
from cloudstack_mcp.severity import Severity
from cloudstack_mcp.tools.inventory import Inventory, ToolDef, title_for
from cloudstack_mcp.tools.schema import input_schema
from cloudstack_mcp.tools.toolsets import TOOLSETS, category_for

if TYPE_CHECKING:  # search is imported on first use: ~12 ms of every start-up otherwise
    from cloudstack_mcp.tools.search import SearchHit, SearchIndex

__all__ = ["DISCOVERY_TOOLSET", "DISCOVERY_TOOLS", "ApiCaller", "Discovery", "discovery_tools"]

DISCOVERY_TOOLSET = "discovery"
DISCOVERY_TOOLS = ("search_apis", "describe_api", "call_api", "wait_for_job")  # wait_for_job: tools/job_tool.py
MAX_LIMIT = 100  # the largest toolset (sdn, 68 APIs) fits in one answer

Result = types.CallToolResult | types.InputRequiredResult


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


_SEARCH_SCHEMA = _schema(
    {
        "query": {"type": "string", "description": "What you want to do or find, in plain words"},
        "category": {
            "type": "string",
            "enum": sorted(TOOLSETS),
            "description": "Only APIs of this toolset",
        },
        "read_only": {"type": "boolean", "description": "true: only APIs that change nothing; false: only the others"},
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "description": "Most results (default 10)"},
    },
    ["query"],
)
_DESCRIBE_SCHEMA = _schema(
    {"name": {"type": "string", "description": "API name (listVirtualMachines) or tool name (list_virtual_machines)"}},
    ["name"],
)
_CALL_SCHEMA = _schema(
    {
        "name": {"type": "string", "description": "API name (deployVirtualMachine) or tool name"},
        "arguments": {
            "type": "object",
            "description": "The API's parameters as describe_api shows them (plus wait, fetch_all, fields)",
        },
    },
    ["name"],
)


class ApiCaller(Protocol):
    """What discovery needs of the call pipeline (pipeline.call.Pipeline), which sits above the tools."""

    def resolve(self, name: str) -> ApiSpec | None: ...

    def unknown_api_message(self, name: str) -> str: ...

    def controls(self, api: ApiSpec) -> tuple[str, ...]: ...

    async def call_api(
        self, api_name: str, arguments: Mapping[str, Any] | None, ctx: Any = None, request: Any = None
    ) -> Result: ...


class Discovery:
    """The three discovery tools over one server's catalog, pipeline, settings and listed API tools.

    `inventory` is the server's, complete with its API tools (the discovery tools are added to it
    after); `level` the guard's confirmation level (None: a guard without one).
    """

    def __init__(
        self,
        catalog: Catalog,
        settings: Settings,
        pipeline: ApiCaller,
        inventory: Inventory,
        *,
        level: Severity | None = None,
    ):
        self.catalog = catalog
        self.settings = settings
        self.pipeline = pipeline
        self.inventory = inventory
        self.level = level
        self._index: SearchIndex | None = None
        self._lock = anyio.Lock()

    # -- shared ----------------------------------------------------------------------------

    @property
    def read_only_server(self) -> bool:
        return bool(self.settings.read_only)

    async def index(self) -> SearchIndex:
        """The search index: the one the server started building after start-up (search.prebuild), or
        built now in a worker thread (embedded use, tests)."""
        if self._index is None:
            async with self._lock:
                if self._index is None:
                    from cloudstack_mcp.tools import search

                    future = search.prebuilt(self.catalog)
                    if future is not None:
                        self._index = await asyncio.wrap_future(future)
                    else:
                        self._index = await anyio.to_thread.run_sync(search.SearchIndex, self.catalog)
        return self._index

    def _listed_tool(self, api: ApiSpec) -> str | None:
        """The tool name of `api` when the server lists it (callable directly), else None."""
        name = self.inventory.tool_name_of(api.name)
        return name if name is not None and name in self.inventory else None

    def _hidden_by_read_only(self, api: ApiSpec) -> bool:
        return self.read_only_server and not classify(api).read_only

    # -- search_apis -----------------------------------------------------------------------

    async def search_apis(self, arguments: dict[str, Any], ctx: Any = None, request: Any = None) -> Result:
        problems = _unknown_keys(arguments, _SEARCH_SCHEMA)
        query = arguments.get("query", "")
        category = arguments.get("category")
        read_only = arguments.get("read_only")
        limit = arguments.get("limit", 10)
        if not isinstance(query, str):
            problems.append("query: expected a string of plain words, e.g. 'stop a virtual machine'")
        if category is not None and not isinstance(category, str):
            problems.append(f"category: expected one of {', '.join(sorted(TOOLSETS))}")
        if read_only is not None and not isinstance(read_only, bool):
            problems.append("read_only: expected true or false")
        if isinstance(limit, str) and limit.strip().isdigit():
            limit = int(limit)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            problems.append(f"limit: expected an integer from 1 to {MAX_LIMIT}")
        if problems:
            return error_result("search_apis: " + "; ".join(problems))
        note = ""
        if self.read_only_server:
            if read_only is False:
                return text_result(
                    "No results: the server runs read-only (--read-only), so only read-only APIs can be "
                    "searched and called. Search again without read_only=false.",
                    data={"results": []},
                )
            read_only = True
            note = " (read-only server: only APIs that change nothing)"
        from cloudstack_mcp.tools.search import SearchError

        try:
            index = await self.index()
            hits = index.search(query, category=category, read_only=read_only, limit=limit)
            total = (
                len(index.search("", category=category, read_only=read_only, limit=10_000)) if not query.strip() else 0
            )
        except SearchError as exc:
            return error_result(f"search_apis: {exc}")
        if not hits:
            where = f" in category {category}" if category else ""
            return text_result(
                f"No API matches {query!r}{where}{note}. Try other words (e.g. 'instance' or 'vm' for virtual "
                "machines, 'volume' for disks), or drop the category.",
                data={"results": []},
            )
        lines = [self._hit_line(h) for h in hits]
        if query.strip():
            head = f"{len(hits)} APIs for {query!r}{note}, best first:"
        else:
            more = f" (raise limit, up to {MAX_LIMIT}, for the rest)" if total > len(hits) else ""
            head = f"{len(hits)} of the {total} APIs of toolset {category}{note}{more}:"
        tail = "describe_api(name) shows one's parameters; call_api(name, arguments) runs any of them."
        return text_result(
            "\n".join([head, *lines, tail]),
            data={"results": [self._hit_data(h) for h in hits]},
        )

    def _hit_line(self, hit: SearchHit) -> str:
        api = self.catalog[hit.api]
        flags = ["read-only" if hit.read_only else "changes"]
        if hit.isasync:
            flags.append("async")
        listed = self._listed_tool(api)
        if listed:
            flags.append(f"tool {listed}")
        return f"- {hit.api} [{hit.category}; {', '.join(flags)}]: {hit.summary}"

    def _hit_data(self, hit: SearchHit) -> dict[str, Any]:
        api = self.catalog[hit.api]
        return {
            "api": hit.api,
            "tool": hit.tool,
            "listed": self._listed_tool(api) is not None,
            "category": hit.category,
            "summary": hit.summary,
            "read_only": hit.read_only,
            "async": hit.isasync,
            "score": hit.score,
        }

    # -- describe_api ----------------------------------------------------------------------

    async def describe_api(self, arguments: dict[str, Any], ctx: Any = None, request: Any = None) -> Result:
        problems = _unknown_keys(arguments, _DESCRIBE_SCHEMA)
        name = arguments.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append("name: expected an API name (listVirtualMachines) or a tool name (list_virtual_machines)")
        if problems:
            return error_result("describe_api: " + "; ".join(problems))
        api = self.pipeline.resolve(name)
        if api is None:
            return error_result(self.pipeline.unknown_api_message(name))
        if self._hidden_by_read_only(api):
            return error_result(_read_only_refusal(api))
        body, data = self._description(api)
        return text_result(body, data=data)

    def _description(self, api: ApiSpec) -> tuple[str, dict[str, Any]]:
        pipeline = self.pipeline
        policy = classify(api)
        controls = pipeline.controls(api)
        schema = input_schema(api, controls=controls)
        listed = self._listed_tool(api)
        needs_confirm = "confirm" in controls
        example = {p.name: f"<{p.type}>" for p in api.required_params}
        how = (
            f"call the tool {listed} directly, or call_api"
            if listed
            else "call_api (this API has no tool of its own in the current listing)"
        )
        call = json.dumps({"name": api.name, "arguments": example}, separators=(", ", ": "))
        danger = "read-only: changes nothing" if policy.read_only else _danger_text(policy)
        lines = [
            f"{api.name} ({title_for(api.name)}), toolset {category_for(api.name)}",
            api.description or "(no description)",
            f"Async: {'yes: waits for the job by default; wait=false returns the job id' if api.isasync else 'no'}",
            f"Safety: {danger}",
        ]
        if needs_confirm:
            lines.append(f"Confirmation: {self._confirmation(policy)}")
        lines.append(f"How to call: {how}: call_api({call})")
        required = [p.name for p in api.required_params]
        lines.append(f"Required: {', '.join(required) if required else 'none'}")
        lines.append("Parameters:")
        for pname, prop in schema["properties"].items():
            lines.append(
                f"- {pname} ({_type_text(prop)}){': ' + prop['description'] if prop.get('description') else ''}"
            )
        data = {
            "api": api.name,
            "tool": self.inventory.tool_name_of(api.name) or tool_name(api.name),
            "listed": listed is not None,
            "category": category_for(api.name),
            "description": api.description,
            "async": api.isasync,
            "read_only": policy.read_only,
            "policy": {
                "kind": policy.kind,
                "severity": policy.severity.name.lower(),
                "reversible": policy.reversible,
                "scope": policy.scope,
                "warning": policy.warning,
            },
            "needs_confirmation": needs_confirm,
            "controls": list(controls),
            "inputSchema": schema,
            "call": {"tool": "call_api", "arguments": {"name": api.name, "arguments": example}},
        }
        if api.related:
            data["related"] = list(api.related)
        return "\n".join(lines), data

    def _confirmation(self, policy: Any) -> str:
        """When a call needs the user's confirmation, in the guard's own terms (level, mode)."""
        from cloudstack_mcp.safety import confirm

        level = self.level
        mode = getattr(self.settings, "confirm_mode", "phrase")
        always = level is not None and confirm.needs_confirmation(policy, level)
        when = "always" if always else "for some arguments (those that make it more dangerous)"
        how = {
            "allow": "but this server runs it without asking (--confirm-mode allow)",
            "deny": "the user is asked when the client can; otherwise it is refused (--confirm-mode deny)",
        }.get(mode, "the user is asked when the client can; otherwise the answer names a confirm phrase to pass")
        return f"needed {when}: {how}"

    # -- call_api --------------------------------------------------------------------------

    async def call_api(
        self, arguments: dict[str, Any], ctx: Any = None, request: types.CallToolRequestParams | None = None
    ) -> Result:
        name = arguments.get("name")
        if not isinstance(name, str) or not name.strip():
            return error_result(
                "call_api: name: expected an API name (e.g. listZones) or tool name; find one with search_apis"
            )
        api_args = arguments.get("arguments", {})
        if isinstance(api_args, str):  # some clients send the object as JSON text
            try:
                api_args = json.loads(api_args) if api_args.strip() else {}
            except ValueError:
                return error_result('call_api: arguments: expected an object, e.g. {"zoneid": "..."}')
        if api_args is None:
            api_args = {}
        if not isinstance(api_args, Mapping):
            return error_result('call_api: arguments: expected an object, e.g. {"zoneid": "..."}')
        # Parameters given beside name instead of inside arguments: take them, unless they clash.
        stray = {k: v for k, v in arguments.items() if k not in ("name", "arguments")}
        clash = sorted(set(stray) & set(api_args))
        if clash:
            return error_result(
                f"call_api: {', '.join(clash)} given both beside name and inside arguments: give each once, "
                "inside arguments"
            )
        merged = {**api_args, **stray}
        return await self.pipeline.call_api(name, merged, ctx, request)


def _unknown_keys(arguments: Mapping[str, Any], schema: dict[str, Any]) -> list[str]:
    known = schema["properties"]
    return [f"{k}: unknown argument (expected {', '.join(known)})" for k in arguments if k not in known]


def _type_text(prop: Mapping[str, Any]) -> str:
    kind = prop.get("type", "any")
    if kind == "array":
        return f"array of {prop.get('items', {}).get('type', 'any')}"
    if "enum" in prop:
        return f"{kind}: {' | '.join(map(str, prop['enum']))}"
    return str(kind)


def _danger_text(policy: Any) -> str:
    parts = [f"{policy.kind}, severity {policy.severity.name.lower()}"]
    if not policy.reversible:
        parts.append("not reversible")
    if policy.warning:
        parts.append(policy.warning)
    return "; ".join(parts)


def _read_only_refusal(api: ApiSpec) -> str:
    return (
        f"{api.name} changes things and the server runs read-only (--read-only): it cannot be described or "
        "called here. Search for read-only APIs with search_apis."
    )


def discovery_tools(d: Discovery) -> list[ToolDef]:
    """The ToolDefs of search_apis, describe_api and call_api (listed in every profile)."""
    read_only = bool(d.settings.read_only)
    look = {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False}
    return [
        ToolDef(
            name="search_apis",
            description=(
                "Find CloudStack APIs for a task in plain words ('stop a vm', 'hosts in maintenance', 'add S3 "
                "secondary storage'): ranked, one line each. Reaches every API, listed as a tool or not."
            ),
            input_schema=_SEARCH_SCHEMA,
            annotations={"title": "Search APIs", **look},
            toolset=DISCOVERY_TOOLSET,
            handler=d.search_apis,
        ),
        ToolDef(
            name="describe_api",
            description=(
                "One API in full: every parameter with its type and meaning, async or not, danger and "
                "confirmation needs, and how to call it."
            ),
            input_schema=_DESCRIBE_SCHEMA,
            annotations={"title": "Describe API", **look},
            toolset=DISCOVERY_TOOLSET,
            handler=d.describe_api,
        ),
        ToolDef(
            name="call_api",
            description=(
                "Call any CloudStack API by name with its parameters in arguments: the same validation, "
                "safety checks, job handling and output as its own tool. Use describe_api first."
            ),
            input_schema=_CALL_SCHEMA,
            annotations={
                "title": "Call API",
                "readOnlyHint": read_only,
                "destructiveHint": not read_only,
                "idempotentHint": False,
                "openWorldHint": True,
            },
            toolset=DISCOVERY_TOOLSET,
            handler=d.call_api,
        ),
    ]
