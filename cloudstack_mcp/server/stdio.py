"""stdio for the MCP server without a worker thread per line.

The SDK's `stdio_server()` reads and writes the standard streams through `anyio.wrap_file`: every
line read, every write and every flush is a hop to a worker thread (three per tool call, about half a
millisecond on a busy machine). When stdin and stdout are pipes or sockets (how MCP clients start a
server) and the loop is asyncio, `stdio_streams()` hands the SDK's transport asyncio pipe streams
instead: the same framing, parsing and message streams, no threads. Like the SDK it moves the wire
off fd 0 and 1 while serving (stray reads get EOF, stray prints go to stderr) and puts it back after.
Anything else (a terminal, a file, Windows, another event loop) uses the SDK's own path unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import sys
from collections.abc import AsyncIterator
from typing import Any

from mcp.server.stdio import stdio_server

__all__ = ["stdio_streams"]

_LINE_LIMIT = 1 << 30  # one JSON-RPC message per line; the SDK's reader has no limit either


class _Lines:
    """Lines of the wire as text, for `async for` (what the SDK reads from an `anyio.AsyncFile`)."""

    def __init__(self, reader: asyncio.StreamReader):
        self._reader = reader

    def __aiter__(self) -> _Lines:
        return self

    async def __anext__(self) -> str:
        line = await self._reader.readline()
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", errors="replace")


class _Writer:
    """`write` and `flush` (what the SDK calls on an `anyio.AsyncFile`), with the pipe's flow control."""

    def __init__(self, writer: asyncio.StreamWriter):
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self._writer.drain()


def _is_pipe(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _usable() -> bool:
    if sys.platform == "win32" or not (_is_pipe(0) and _is_pipe(1)):
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # another event loop (trio)
        return False
    return True


@contextlib.asynccontextmanager
async def stdio_streams() -> AsyncIterator[tuple[Any, Any]]:
    """(read_stream, write_stream) for `Server.run` over this process's stdin and stdout."""
    if not _usable():
        async with stdio_server() as streams:
            yield streams
        return
    import fcntl

    sys.stdout.flush()
    wire_in = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 3)
    wire_out = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 3)
    moved = False
    transports: list[asyncio.BaseTransport] = []
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        try:
            os.dup2(devnull, 0)
        finally:
            os.close(devnull)
        os.dup2(2, 1)
        moved = True
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=_LINE_LIMIT)
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(wire_in, "rb", buffering=0, closefd=False)
        )
        transports.append(read_transport)
        write_transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(wire_out, "wb", buffering=0, closefd=False)
        )
        transports.append(write_transport)
        writer = asyncio.StreamWriter(write_transport, protocol, None, loop)
        async with stdio_server(_Lines(reader), _Writer(writer)) as streams:  # type: ignore[arg-type]
            yield streams
    finally:
        for transport in transports:
            transport.close()
        for fd in (wire_in, wire_out):
            with contextlib.suppress(OSError):
                os.set_blocking(fd, True)  # the pipe transports made the wire non-blocking
        if moved:
            with contextlib.suppress(OSError):
                os.dup2(wire_in, 0)
                os.dup2(wire_out, 1)
        for fd in (wire_in, wire_out):
            with contextlib.suppress(OSError):
                os.close(fd)
