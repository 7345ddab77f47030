"""An httpx2 transport that hands requests straight to the simulator's protocol handler: no socket.

For tests and benchmarks that run client and simulator in one process: the same `ApiProtocol.handle`
answers as over HTTP (signatures, sessions, faults, envelopes), without the event loop, sockets and
HTTP parsing in between. Fault injection keeps its meaning: a `drop` raises the error an HTTP client
gets when the server closes the connection, a `latency` longer than the request's read timeout raises
a read timeout, and delays are waited with `sleep` (injectable, so that a test need not wait in real
time).

    transport = InProcessTransport(sim.protocol)
    CloudStackClient(settings, transport=transport)          # async
    httpx2.Client(transport=transport)                       # sync
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio
import httpx2

from cloudstack_mcp.simulator.wire.protocol import ApiProtocol, HttpRequest, HttpResponse

__all__ = ["InProcessTransport"]

AsyncSleep = Callable[[float], Awaitable[None]]


def _request(request: httpx2.Request, body: bytes) -> HttpRequest:
    headers = {name.lower(): value for name, value in request.headers.items()}
    return HttpRequest(request.method.upper(), request.url.raw_path.decode("ascii"), headers, body)


def _read_timeout(request: httpx2.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return float(value) if value is not None else None


def _response(request: httpx2.Request, answer: HttpResponse) -> httpx2.Response:
    headers = list(answer.headers)
    if answer.body and not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/octet-stream"))
    headers.append(("Server", "cloudstack-mcp-simulator"))
    return httpx2.Response(answer.status, headers=headers, content=answer.body, request=request)


def _dropped(request: httpx2.Request) -> httpx2.RemoteProtocolError:
    return httpx2.RemoteProtocolError("Server disconnected without sending a response.", request=request)


class InProcessTransport(httpx2.AsyncBaseTransport, httpx2.BaseTransport):
    """Answers from `protocol.handle`, sync or async; `sleep` waits out injected latency (async side)."""

    def __init__(self, protocol: ApiProtocol, *, sleep: AsyncSleep | None = None) -> None:
        self.protocol = protocol
        self.sleep: AsyncSleep = sleep or anyio.sleep

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        answer = self.protocol.handle(_request(request, await request.aread()))
        limit = _read_timeout(request)
        if answer.delay > 0:
            await self.sleep(min(answer.delay, limit) if limit is not None else answer.delay)
        return self._finish(request, answer, limit)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        answer = self.protocol.handle(_request(request, request.read()))
        limit = _read_timeout(request)
        if answer.delay > 0:
            time.sleep(min(answer.delay, limit) if limit is not None else answer.delay)
        return self._finish(request, answer, limit)

    def _finish(self, request: httpx2.Request, answer: HttpResponse, limit: float | None) -> httpx2.Response:
        if limit is not None and answer.delay > limit:
            raise httpx2.ReadTimeout("timed out waiting for the simulator's answer", request=request)
        if answer.drop:
            raise _dropped(request)
        return _response(request, answer)

    async def aclose(self) -> None:
        return None

    def close(self) -> None:
        return None
