"""A small HTTP/1.1 server on an asyncio Protocol: keep-alive, Content-Length and chunked bodies.

It only moves bytes: `handler(HttpRequest) -> HttpResponse` decides everything, including delays
and dropped connections for fault injection. A Protocol (rather than streams) keeps the per-request
cost low, which matters when tests run client and simulator in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from cloudstack_mcp.simulator.wire.protocol import REASONS, HttpRequest, HttpResponse

__all__ = ["HttpServer"]

MAX_HEADER = 64 * 1024
MAX_BODY = 32 * 1024 * 1024
Handler = Callable[[HttpRequest], HttpResponse]


class _BadRequest(Exception):
    pass


def _encode(response: HttpResponse, keep_alive: bool) -> bytes:
    reason = REASONS.get(response.status, "OK" if response.status == 200 else "Error")
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    has_type = False
    for name, value in response.headers:
        lines.append(f"{name}: {value}")
        has_type = has_type or name.lower() == "content-type"
    if not has_type and response.body:
        lines.append("Content-Type: application/octet-stream")
    lines.append(f"Content-Length: {len(response.body)}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    lines.append("Server: cloudstack-mcp-simulator")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + response.body


def _dechunk(data: bytes) -> tuple[bytes, int] | None:
    """(body, bytes used) of a complete chunked body at the start of `data`, or None if incomplete."""
    pos, parts, total = 0, [], 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            return None
        try:
            size = int(data[pos:end].split(b";")[0].strip(), 16)
        except ValueError as exc:
            raise _BadRequest("bad chunk size") from exc
        pos = end + 2
        if size == 0:
            trailer_end = data.find(b"\r\n\r\n", pos - 2)
            if trailer_end < 0:
                return None
            return b"".join(parts), trailer_end + 4
        total += size
        if total > MAX_BODY:
            raise _BadRequest("body too large")
        if len(data) < pos + size + 2:
            return None
        parts.append(data[pos : pos + size])
        pos += size + 2


class _Connection(asyncio.Protocol):
    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.handler = server.handler
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.busy = False  # a delayed answer is pending: later requests wait in the buffer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > MAX_HEADER + MAX_BODY:
            self._fail(413, b"request too large")
            return
        self._process()

    def _fail(self, status: int, text: bytes) -> None:
        if self.transport is not None:
            self.transport.write(_encode(HttpResponse(status, text, [("Content-Type", "text/plain")]), False))
            self.transport.close()
        self.buffer.clear()

    def _next_request(self) -> tuple[HttpRequest, bool] | None:
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            if len(self.buffer) > MAX_HEADER:
                raise _BadRequest("header too large")
            return None
        text = bytes(self.buffer[:head_end]).decode("latin-1")
        request_line, *header_lines = text.split("\r\n")
        try:
            method, target, version = request_line.split(" ", 2)
        except ValueError as exc:
            raise _BadRequest("bad request line") from exc
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if not sep:
                raise _BadRequest("bad header line")
            headers[name.strip().lower()] = value.strip()
        start = head_end + 4
        if "chunked" in headers.get("transfer-encoding", "").lower():
            done = _dechunk(bytes(self.buffer[start:]))
            if done is None:
                return None
            body, used = done
            end = start + used
        else:
            try:
                length = int(headers.get("content-length") or 0)
            except ValueError as exc:
                raise _BadRequest("bad Content-Length") from exc
            if length < 0 or length > MAX_BODY:
                raise _BadRequest("bad Content-Length")
            if len(self.buffer) < start + length:
                return None
            body, end = bytes(self.buffer[start : start + length]), start + length
        del self.buffer[:end]
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" and (version.upper() == "HTTP/1.1" or connection == "keep-alive")
        return HttpRequest(method.upper(), target, headers, body), keep_alive

    def _process(self) -> None:
        while not self.busy and self.transport is not None:
            try:
                parsed = self._next_request()
            except _BadRequest:
                self._fail(400, b"bad request")
                return
            if parsed is None:
                return
            request, keep_alive = parsed
            try:
                response = self.handler(request)
            except Exception:  # never let one request take the server down
                self._fail(500, b"internal error")
                return
            if response.delay > 0:
                self.busy = True
                asyncio.get_running_loop().call_later(response.delay, self._send, response, keep_alive)
                return
            self._send(response, keep_alive)

    def _send(self, response: HttpResponse, keep_alive: bool) -> None:
        self.busy = False
        transport = self.transport
        if transport is None:
            return
        if response.drop:
            transport.abort() if hasattr(transport, "abort") else transport.close()
            return
        transport.write(_encode(response, keep_alive))
        if not keep_alive:
            transport.close()
            return
        if self.buffer:
            self._process()


class HttpServer:
    """The listening socket plus its open connections, so stopping also ends idle keep-alive ones."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.server: asyncio.Server | None = None
        self.connections: set[_Connection] = set()

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 = a free port); returns the port."""
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: _Connection(self), host, port)
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self.server is None:
            return
        self.server.close()
        for conn in list(self.connections):
            if conn.transport is not None:
                conn.transport.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.server.wait_closed(), 2)
        self.server = None
