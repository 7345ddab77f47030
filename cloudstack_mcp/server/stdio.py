"""stdio for the MCP server: our own line reader in front of the SDK's `Server.run`.

The transport reads newline-delimited JSON-RPC from stdin, checks each line and hands good messages
to the SDK as `SessionMessage`s over anyio memory streams (the SDK's public types only). A line that
is not a JSON-RPC message gets a JSON-RPC error reply at once (`wire.problem_replies`): the SDK's own
transport drops such lines, and the client then waits until its timeout. Limits (docs/tools.md):
a line of at most `MAX_LINE_BYTES`, nesting of at most 200 levels (the JSON parser's), ids of at
most 64 characters.

When stdin and stdout are pipes or sockets (how MCP clients start a server) and the loop is asyncio,
the wire is read and written through asyncio pipe transports: no worker thread per line (the SDK's
`anyio.wrap_file` costs three thread hops per call). Otherwise (a terminal, a file, another event
loop) reads and writes run in worker threads. While serving, fd 0 reads EOF and fd 1 goes to stderr,
so a stray `print` or `input()` in any library cannot corrupt or steal the wire; both come back after.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import anyio.abc
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.shared.message import SessionMessage

from cloudstack_mcp.server.wire import MAX_LINE_BYTES, check_line

__all__ = ["MAX_LINE_BYTES", "stdio_streams"]

_CHUNK = 1 << 16
_HEAD = 4096  # of an over-long line, what is kept to find its id


def _is_pipe(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _pipes_usable() -> bool:
    if sys.platform == "win32" or not (_is_pipe(0) and _is_pipe(1)):
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # another event loop (trio)
        return False
    return True


Read = Callable[[], Awaitable[bytes]]
Write = Callable[[bytes], Awaitable[None]]


@contextlib.contextmanager
def _claimed_std_fds() -> Any:
    """(wire_in, wire_out): private copies of fd 0 and 1; fd 0 reads EOF and fd 1 writes to stderr meanwhile."""
    sys.stdout.flush()
    dup = (lambda fd: os.dup(fd)) if sys.platform == "win32" else (lambda fd: _dup_above_std(fd))
    wire_in, wire_out = dup(0), dup(1)
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        try:
            os.dup2(devnull, 0)
        finally:
            os.close(devnull)
        os.dup2(2, 1)
        yield wire_in, wire_out
    finally:
        for fd in (wire_in, wire_out):
            with contextlib.suppress(OSError):
                os.set_blocking(fd, True)  # pipe transports made the wire non-blocking
        with contextlib.suppress(OSError):
            os.dup2(wire_in, 0)
            os.dup2(wire_out, 1)
        for fd in (wire_in, wire_out):
            with contextlib.suppress(OSError):
                os.close(fd)


def _dup_above_std(fd: int) -> int:
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)


@contextlib.asynccontextmanager
async def _pipe_io(wire_in: int, wire_out: int) -> AsyncIterator[tuple[Read, Write]]:
    """Read and write the wire through asyncio pipe transports (flow control included, no threads)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=_CHUNK)
    transports: list[asyncio.BaseTransport] = []
    try:
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(wire_in, "rb", buffering=0, closefd=False)
        )
        transports.append(read_transport)
        write_transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(wire_out, "wb", buffering=0, closefd=False)
        )
        transports.append(write_transport)
        writer = asyncio.StreamWriter(write_transport, protocol, None, loop)

        async def read() -> bytes:
            return await reader.read(_CHUNK)

        async def write(data: bytes) -> None:
            writer.write(data)
            await writer.drain()

        yield read, write
    finally:
        for transport in transports:
            transport.close()


@contextlib.asynccontextmanager
async def _thread_io(wire_in: int, wire_out: int) -> AsyncIterator[tuple[Read, Write]]:
    """Blocking reads and writes in worker threads (terminals, files, non-asyncio loops)."""

    async def read() -> bytes:
        return await anyio.to_thread.run_sync(os.read, wire_in, _CHUNK, abandon_on_cancel=True)

    def write_all(data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(wire_out, view) :]

    async def write(data: bytes) -> None:
        await anyio.to_thread.run_sync(write_all, data)

    yield read, write


async def _read_lines(read: Read, deliver: MemoryObjectSendStream[SessionMessage | Exception],
                      replies: MemoryObjectSendStream[SessionMessage]) -> None:  # fmt: skip
    """Split the wire into lines; good messages go to the server, bad ones get their error replies."""

    async def handle(line: bytes, overlong: int = 0) -> None:
        message, answers = check_line(line, overlong=overlong)
        for answer in answers:
            await replies.send(SessionMessage(answer))
        if message is not None:
            await deliver.send(SessionMessage(message))

    async with deliver, replies:
        buffer = bytearray()
        scanned = 0  # how much of buffer is known to hold no newline
        discarding = 0  # bytes of an over-long line dropped so far (its head is kept in buffer)
        while chunk := await read():
            buffer += chunk
            while (end := buffer.find(b"\n", scanned)) >= 0:
                line = bytes(buffer[:end])
                del buffer[: end + 1]
                scanned = 0
                if discarding:
                    await handle(line[:_HEAD], overlong=discarding + len(line))
                    discarding = 0
                elif line.strip():
                    await handle(line)
            scanned = len(buffer)
            if len(buffer) > MAX_LINE_BYTES or (discarding and len(buffer) > _HEAD):
                discarding += len(buffer) - _HEAD
                del buffer[_HEAD:]
                scanned = len(buffer)
        if buffer.strip():  # a last line without its newline
            await handle(bytes(buffer), overlong=discarding + len(buffer) if discarding else 0)


async def _write_messages(messages: MemoryObjectReceiveStream[SessionMessage], write: Write) -> None:
    async with messages:
        async for item in messages:
            data = item.message.model_dump_json(by_alias=True, exclude_unset=True)
            await write(data.encode("utf-8", errors="replace") + b"\n")


@contextlib.asynccontextmanager
async def stdio_streams() -> AsyncIterator[
    tuple[MemoryObjectReceiveStream[SessionMessage | Exception], MemoryObjectSendStream[SessionMessage]]
]:
    """(read_stream, write_stream) for `Server.run` over this process's stdin and stdout."""
    io = _pipe_io if _pipes_usable() else _thread_io
    with _claimed_std_fds() as (wire_in, wire_out):
        async with io(wire_in, wire_out) as (read, write):
            to_server, from_wire = anyio.create_memory_object_stream[SessionMessage | Exception](0)
            to_wire, from_server = anyio.create_memory_object_stream[SessionMessage](0)
            replies = to_wire.clone()  # error replies share the one writer: lines never interleave
            async with anyio.create_task_group() as tg:
                reading = anyio.CancelScope()

                async def reader() -> None:
                    with reading:
                        await _read_lines(read, to_server, replies)
                    replies.close()  # also when cancelled: the writer ends once the server's side is closed
                    to_server.close()

                tg.start_soon(reader)
                tg.start_soon(_write_messages, from_server, write)
                try:
                    yield from_wire, to_wire
                finally:
                    reading.cancel()  # the server is done: stop reading, let the writer drain and end
                    to_wire.close()
