"""The MCP server: settings -> (built-in simulator) -> client -> catalog -> pipeline -> inventory -> low-level Server.

`open_app(settings)` assembles everything once (an async context manager that also owns the
HTTP pool and the embedded simulator); `create_server(app)` wraps it in the SDK's low-level
`Server` (both protocol eras: the handshake versions and 2026-07-28); server/serve.py runs it
over stdio or streamable HTTP.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TextIO

import mcp_types as types
from mcp.server.lowlevel import Server

from cloudstack_mcp import __version__
from cloudstack_mcp.catalog.loader import load_catalog
from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.config import Settings
from cloudstack_mcp.pipeline.call import Pipeline
from cloudstack_mcp.pipeline.guard import Guard
from cloudstack_mcp.render.results import error_result
from cloudstack_mcp.safety.scrubbing import server_scrubber
from cloudstack_mcp.tools.discovery import Discovery, discovery_tools
from cloudstack_mcp.tools.inventory import Inventory, ToolDef
from cloudstack_mcp.tools.job_tool import job_tools
from cloudstack_mcp.tools.listing_cache import load_inventory

__all__ = ["App", "create_server", "extra_tools", "open_app"]

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Apache CloudStack: one tool per CloudStack API (names in snake_case, e.g. list_virtual_machines). "
    "Arguments are the API's own parameters; lists are JSON arrays, maps JSON objects. Async APIs wait "
    "for their job (wait=false returns the job id); list APIs take page/pagesize or fetch_all=true. "
    "Not every API is listed as a tool: search_apis finds any API from plain words, describe_api shows "
    "its parameters in full, and call_api runs it through the same checks."
)


@dataclass
class App:
    """Everything one server needs, built once at start-up."""

    settings: Settings
    catalog: Catalog
    client: CloudStackClient
    guard: Guard
    pipeline: Pipeline
    inventory: Inventory  # its API tools; the extra tools are added once the App is complete
    simulator: Any = None  # the embedded simulator, when no CloudStack is configured


def _discovery(app: App) -> list[ToolDef]:
    level = getattr(app.guard, "level", None)
    return discovery_tools(Discovery(app.catalog, app.settings, app.pipeline, app.inventory, level=level))


# Factories of extra tools: each gets the complete App (its inventory holding the API tools) and
# its tools are listed after them. The discovery tools (search_apis, describe_api, call_api) register here.
ToolFactory = Callable[[App], Iterable[ToolDef]]
TOOL_FACTORIES: list[ToolFactory] = [_discovery, lambda app: job_tools(app.pipeline.wait_for)]


def extra_tools(app: App) -> list[ToolDef]:
    return [tool for factory in TOOL_FACTORIES for tool in factory(app)]


@contextlib.asynccontextmanager
async def open_app(
    settings: Settings,
    *,
    stderr: TextIO | None = None,
    guard_factory: Callable[[Settings], Guard] = Guard,
    catalog: Catalog | None = None,
) -> AsyncIterator[App]:
    """Start the simulator if needed, open the client, load the catalog, build pipeline and inventory.

    `catalog` skips loading one (embedding, tests); with no CloudStack configured the simulator serves it.
    """
    stderr = stderr or sys.stderr
    with contextlib.ExitStack() as stack:
        simulator = None
        preloaded = catalog
        if settings.use_simulator:
            from cloudstack_mcp.simulator import Simulator

            spec = preloaded if preloaded is not None else settings.api_spec
            embedded = Simulator(
                spec=spec,
                state_dir=settings.simulator_state,
                reset_state=settings.simulator_reset,
                faults=settings.simulator_faults,
            )
            embedded.clock_offset = settings.simulator_clock_offset
            simulator = stack.enter_context(embedded.running(host="127.0.0.1", port=0))
            preloaded = simulator.catalog
            admin = simulator.credentials["admin"]
            settings = settings.with_connection(
                endpoint=simulator.endpoint,
                api_key=admin.api_key,
                secret_key=admin.secret_key,
                source="built-in simulator",
            )
            print(
                f"cloudstack-mcp: no CloudStack configured (CLOUDSTACK_ENDPOINT, cloudstack.ini); using the built-in "
                f"simulator at {simulator.endpoint} as root admin. Its data is made up and "
                + (
                    f"kept in {simulator.state.path} (--simulator-reset starts afresh)."
                    if simulator.state is not None
                    else "lives in memory."
                ),
                file=stderr,
                flush=True,
            )
        # The server's one scrubber, holding its own credentials, before the first request leaves (and is logged).
        scrubber = server_scrubber(settings)
        async with CloudStackClient(settings) as client:
            started = time.perf_counter()
            # The listing is cached only for a catalog this function loads (cache, listApis or --api-spec).
            cache_listing = preloaded is None and simulator is None
            if preloaded is None:
                preloaded = await load_catalog(settings, client, use_cache=simulator is None)
            catalog = preloaded
            loaded = time.perf_counter()
            is_guard = isinstance(guard_factory, type) and issubclass(guard_factory, Guard)
            guard = guard_factory(settings, scrubber=scrubber) if is_guard else guard_factory(settings)  # type: ignore[call-arg]
            pipeline = Pipeline(catalog, client, guard, settings)
            inventory = load_inventory(
                catalog, settings, guard=guard, names=pipeline.tool_to_api, use_cache=cache_listing
            )
            app = App(settings, catalog, client, guard, pipeline, inventory, simulator=simulator)
            inventory.add_extras(extra_tools(app), settings.exclude_tools)
            log.info(
                "start-up: catalog %.0f ms (%s), inventory of %d tools %.0f ms",
                (loaded - started) * 1000,
                catalog.source or "listApis",
                len(app.inventory),
                (time.perf_counter() - loaded) * 1000,
            )
            async with pipeline.jobs.running():  # job followers live as long as the app (pipeline/jobs.py)
                yield app


def create_server(app: App, *, app_for: Callable[[], Awaitable[App]] | None = None) -> Server[Any]:
    """The SDK low-level Server: tools/list from the inventory, tools/call through the pipeline, prompts.

    `app_for` (HTTP with authentication, server/principals.py) answers the App of the request's principal."""

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        inventory = (await app_for()).inventory if app_for is not None else app.inventory
        return inventory.listing_wire()  # type: ignore[return-value]  # a dict: no model dump per request

    async def call_tool(
        ctx: Any, params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        current = await app_for() if app_for is not None else app
        tool = current.inventory.get(params.name)
        if tool is None:
            return error_result(_unknown_tool(current, params.name))
        return await current.pipeline.call_tool(tool, params.arguments or {}, ctx, params)

    from cloudstack_mcp.server.prompts import server_handlers

    return Server(
        "cloudstack-mcp",
        version=__version__,
        title="CloudStack MCP",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        **server_handlers(app),  # prompts/list, prompts/get: the operator workflows (server/prompts.py)
    )


def _unknown_tool(app: App, name: str) -> str:
    api = app.pipeline.resolve(name)
    if api is not None:
        tool = app.inventory.tool_name_of(api.name)
        how = "call it through call_api" if "call_api" in app.inventory else "restart with --toolsets all"
        return (
            f"tool {name!r} ({api.name}) is not enabled on this server (toolset selection "
            f"{','.join(app.settings.toolsets) or 'default'}{', read-only' if app.settings.read_only else ''}): "
            f"{how}, or enable it with --tools {tool}."
        )
    close = difflib.get_close_matches(name, list(app.inventory.tools), n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    return f"unknown tool {name!r}.{hint} The server lists {len(app.inventory)} tools (tools/list)."
