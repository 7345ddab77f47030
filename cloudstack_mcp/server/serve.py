"""Serving: settings -> `open_app` -> the SDK `Server` over stdio or streamable HTTP, until stopped.

Apart from app.py (which assembles one server) because the transports sit above the assembly:
server/http.py and server/principals.py build on app.py, and this module on all of them.
"""

from __future__ import annotations

import sys

from cloudstack_mcp import __version__
from cloudstack_mcp.config import Settings
from cloudstack_mcp.safety.audit import install_sigterm_record
from cloudstack_mcp.server.app import App, create_server, open_app

__all__ = ["serve"]


async def serve(settings: Settings) -> None:
    """Run until the client goes away (stdio) or the process is stopped (HTTP)."""
    if settings.transport == "http":  # refuse an unsafe HTTP set-up before anything starts
        from cloudstack_mcp.server.http import check_startup

        check_startup(settings)
    async with open_app(settings) as app:
        server = create_server(app)
        # A change in flight when the process is told to stop gets an outcome record (unknown, with its job id).
        install_sigterm_record(app.guard.audit)
        print(
            f"cloudstack-mcp {__version__}: {len(app.inventory)} tools from {len(app.catalog)} APIs "
            f"({app.catalog.source or 'listApis'}), CloudStack at {app.settings.endpoint} ({app.settings.source})",
            file=sys.stderr,
            flush=True,
        )
        _prebuild_search(app)
        if settings.transport == "http":
            from cloudstack_mcp.server.http import serve_http

            await serve_http(app, settings)
            return
        from cloudstack_mcp.server.stdio import stdio_streams

        async with stdio_streams() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())


def _prebuild_search(app: App) -> None:
    """The search index read back or built in a thread once the first tools/list is answered (a first search
    then does not wait ~0.4 s, and its CPU does not compete with start-up and the listing); a build waits
    0.1 s more, for the listing to be on its way."""
    if "search_apis" in app.inventory:
        from cloudstack_mcp.tools.search import prebuild
        from cloudstack_mcp.tools.search_cache import index_file, load_index, store_index

        path = index_file(app.settings.cache_dir, app.catalog)
        prebuild(
            app.catalog,
            delay=0.1,
            after=app.inventory.listed,
            load=lambda: load_index(path, app.catalog),
            store=lambda index: store_index(path, index),
        )
