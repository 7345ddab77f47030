"""A small HTTP/1.1 server on asyncio streams (keep-alive, Content-Length and chunked bodies).

It only moves bytes: `handler(HttpRequest) -> HttpResponse` decides everything, including
delays and dropped connections for fault injection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from .protocol import REASONS, HttpRequest, HttpResponse

__all__ = ["HttpServer"]

MAX_HEADER = 64 * 1024
MAX_BODY = 32 * 1024 * 1024
Handler = Callable[[HttpRequest], HttpResponse]


class _BadRequest(Exception):
    pass


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        total = 0
        while True:
            size_line = await reader.readuntil(b"\r\n")
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError as exc:
                raise _BadRequest("bad chunk size") from exc
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise _BadRequest("body too large")
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = headers.get("content-length")
    if not length:
        return b""
    try:
        n = int(length)
    except ValueError as exc:
        raise _BadRequest("bad Content-Length") from exc
    if n < 0 or n > MAX_BODY:
        raise _BadRequest("bad Content-Length")
    return await reader.readexactly(n)


def _encode(response: HttpResponse, keep_alive: bool) -> bytes:
    reason = REASONS.get(response.status, "OK" if response.status == 200 else "Error")
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    names = set()
    for name, value in response.headers:
        lines.append(f"{name}: {value}")
        names.add(name.lower())
    if "content-type" not in names and response.body:
        lines.append("Content-Type: application/octet-stream")
    lines.append(f"Content-Length: {len(response.body)}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    lines.append("Server: cloudstack-mcp-simulator")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + response.body


async def _connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handler: Handler) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            except asyncio.LimitOverrunError:
                writer.write(_encode(HttpResponse(431, b"header too large"), False))
                return
            try:
                text = head.decode("latin-1")
                request_line, *header_lines = text[:-4].split("\r\n")
                method, target, version = request_line.split(" ", 2)
                headers: dict[str, str] = {}
                for line in header_lines:
                    name, sep, value = line.partition(":")
                    if not sep:
                        raise _BadRequest("bad header line")
                    headers[name.strip().lower()] = value.strip()
                body = await _read_body(reader, headers)
            except (_BadRequest, ValueError):
                writer.write(_encode(HttpResponse(400, b"bad request", [("Content-Type", "text/plain")]), False))
                return
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            connection = headers.get("connection", "").lower()
            keep_alive = connection != "close" and (version.upper() == "HTTP/1.1" or connection == "keep-alive")
            response = handler(HttpRequest(method.upper(), target, headers, body))
            if response.delay > 0:
                await asyncio.sleep(response.delay)
            if response.drop:
                return
            writer.write(_encode(response, keep_alive))
            await writer.drain()
            if not keep_alive:
                return
    except Exception:  # never let one connection take the server down
        return
    finally:
        with contextlib.suppress(Exception):
            writer.close()


class HttpServer:
    """An asyncio server plus its open connections, so stopping it also ends idle keep-alive ones."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 = a free port); returns the port."""
        self.server = await asyncio.start_server(self._on_connect, host, port, limit=MAX_HEADER)
        return int(self.server.sockets[0].getsockname()[1])

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await _connection(reader, writer, self.handler)
        except asyncio.CancelledError:
            pass
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def close(self) -> None:
        if self.server is None:
            return
        self.server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.server.wait_closed(), 2)
        self.server = None
