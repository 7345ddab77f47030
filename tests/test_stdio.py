"""The thread-free stdio transport: a real client over real pipes; stray output stays off the wire, long lines
pass, and anything that is not a pipe falls back to the SDK's transport."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.core_helpers import ROOT

pytestmark = pytest.mark.anyio

SERVER = """
import os, sys, threading
import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from cloudstack_mcp.server.stdio import stdio_streams

async def list_tools(ctx, params):
    return types.ListToolsResult(tools=[types.Tool(name=n, input_schema={"type": "object"}) for n in ("stray", "size", "threads")])

async def call_tool(ctx, params):
    if params.name == "stray":
        print("stray print from a handler", flush=True)
        os.write(1, b"stray bytes on fd 1\\n")
        return types.CallToolResult(content=[types.TextContent(type="text", text=f"stdin gave {sys.stdin.read()!r}")])
    if params.name == "threads":  # the SDK's transport reads and writes through worker threads; this one does not
        return types.CallToolResult(content=[types.TextContent(type="text", text=str(threading.active_count()))])
    return types.CallToolResult(content=[types.TextContent(type="text", text=str(len(params.arguments["blob"])))])

async def main():
    server = Server("stdio-test", on_list_tools=list_tools, on_call_tool=call_tool)
    async with stdio_streams() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())

anyio.run(main)
"""


def _text(result: object) -> str:
    return result.content[0].text  # type: ignore[attr-defined,no-any-return]


async def test_stray_output_stays_off_the_wire_and_long_lines_pass(tmp_path: Path) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-c", SERVER], cwd=str(ROOT))
    errlog = tmp_path / "stderr.txt"
    with errlog.open("w") as err:
        async with stdio_client(params, errlog=err) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            assert {t.name for t in (await session.list_tools()).tools} == {"stray", "size", "threads"}
            assert _text(await session.call_tool("threads", {})) == "1"  # no worker thread behind the wire
            assert _text(await session.call_tool("stray", {})) == "stdin gave ''"  # fd 0 reads EOF
            blob = "x" * 3_000_000  # one line of 3 MB
            assert _text(await session.call_tool("size", {"blob": blob})) == str(len(blob))
            assert _text(await session.call_tool("stray", {})) == "stdin gave ''"
    logged = errlog.read_text()
    assert logged.count("stray print from a handler") == 2 and logged.count("stray bytes on fd 1") == 2


def test_a_file_on_stdin_uses_the_sdk_transport(tmp_path: Path) -> None:
    requests = tmp_path / "requests.jsonl"
    requests.write_text(
        '{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", '
        '"capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}\n'
    )
    with requests.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-c", SERVER], stdin=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60
        )
    assert done.returncode == 0, done.stderr
    assert '"id":1' in done.stdout and '"serverInfo"' in done.stdout  # answered on stdout, from a plain file
