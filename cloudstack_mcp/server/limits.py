"""Limits of the HTTP transport, so one client cannot lock out the others or overload CloudStack.

`Gate` runs on /mcp after authentication, before the SDK's session manager:

- the principal must map to a CloudStack user (403, JSON-RPC error);
- a request rate per principal (token bucket; 429 with Retry-After);
- open sessions per principal (handshake era: an `initialize` beyond the cap is 429; sessions are
  forgotten when deleted, unknown (404) or idle for the idle timeout);
- the body size (413) and, for tools/call, the right to change: a call that changes something needs
  the change scope (403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope=...`).
  The principal's App is read-only too, so the guard would refuse it anyway.

`LimitedTransport` caps requests in flight to the CloudStack endpoint over every principal's client; a
request waits for a slot (up to the client's timeout) rather than failing at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx2
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudstack_mcp.config_http import HttpSettings
from cloudstack_mcp.server.auth import Principal, principal_of
from cloudstack_mcp.server.metrics import Metrics

__all__ = ["Gate", "LimitedTransport", "TokenBucket", "jsonrpc_error"]

_SESSION_HEADER = b"mcp-session-id"


def jsonrpc_error(
    status: int, code: int, message: str, headers: dict[str, str] | None = None
) -> Callable[[Send], Awaitable[None]]:
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}).encode()

    async def respond(send: Send) -> None:
        raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})

    return respond


class TokenBucket:
    """`rate` tokens a second up to `burst`; `take` answers 0 (allowed) or the seconds to wait."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        now = self.clock()
        tokens, last = self._state.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._state[key] = (tokens - 1.0, now)
            return 0.0
        self._state[key] = (tokens, now)
        return (1.0 - tokens) / self.rate


class Gate:
    """The per-principal checks in front of the session manager (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        http: HttpSettings,
        metrics: Metrics,
        *,
        known: Callable[[Principal], bool],
        changes: Callable[[Principal, str, dict[str, Any]], Awaitable[bool]],
        resource_metadata_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.app, self.http, self.metrics = app, http, metrics
        self.known, self.changes = known, changes
        self.resource_metadata_url = resource_metadata_url
        self.clock = clock
        self.bucket = TokenBucket(http.rate_limit, http.rate_burst, clock) if http.rate_limit > 0 else None
        self.sessions: dict[str, dict[str, float]] = {}  # principal -> session id -> last seen

    def _refuse(
        self, reason: str, status: int, code: int, message: str, headers: dict[str, str] | None = None
    ) -> Callable[[Send], Awaitable[None]]:
        self.metrics.refusals.labels(reason).inc()
        return jsonrpc_error(status, code, message, headers)

    def open_sessions(self, name: str) -> int:
        mine = self.sessions.get(name, {})
        cutoff = self.clock() - self.http.session_idle_timeout
        for sid in [s for s, seen in mine.items() if seen < cutoff]:
            del mine[sid]
        return len(mine)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        principal = principal_of(user.access_token if isinstance(user, AuthenticatedUser) else None)
        name = principal.name
        if not self.known(principal):
            await self._refuse(
                "principal",
                403,
                -32001,
                f"principal {name!r} has no CloudStack user: add it to the credentials store (--credentials)",
            )(send)
            return
        # The rate is shared fairness between principals; the one unauthenticated loopback user has no one to share with.
        limited = self.bucket is not None and principal.via != "loopback"
        if limited and (wait := self.bucket.take(name)) > 0:  # type: ignore[union-attr]
            await self._refuse(
                "rate",
                429,
                -32002,
                f"rate limit: {self.http.rate_limit:g} requests a second for {name!r}; retry in {wait:.1f} s",
                {"retry-after": str(max(1, round(wait)))},
            )(send)
            return
        headers = dict(scope.get("headers") or [])
        session = headers.get(_SESSION_HEADER, b"").decode("latin-1") or None
        method = scope.get("method", "GET")
        modern = headers.get(b"mcp-protocol-version", b"").startswith(b"2026")
        opening = method == "POST" and session is None and not modern
        if opening and self.open_sessions(name) >= self.http.sessions_per_principal:
            await self._refuse(
                "sessions",
                429,
                -32003,
                f"{name!r} has {self.http.sessions_per_principal} open sessions (--sessions-per-principal): "
                "close one (DELETE) or let one idle out",
            )(send)
            return
        reservation = None
        if opening:  # counted from now: concurrent initializes cannot all slip under the cap
            reservation = f"opening:{id(scope)}"
            self.sessions.setdefault(name, {})[reservation] = self.clock()
        try:
            await self._pass(scope, receive, send, principal, session, method, reservation)
        finally:
            if reservation is not None:
                self.sessions.get(name, {}).pop(reservation, None)

    async def _pass(
        self, scope: Scope, receive: Receive, send: Send, principal: Principal, session: str | None, method: str,
        reservation: str | None,
    ) -> None:  # fmt: skip
        name = principal.name
        if method == "POST":
            body = await _read_body(receive, self.http.max_body_bytes)
            if body is None:
                await self._refuse(
                    "body", 413, -32600, f"request body over {self.http.max_body_bytes} bytes (--max-body-bytes)"
                )(send)
                return
            needed = await self._change_without_right(principal, body)
            if needed:
                challenge = f'Bearer error="insufficient_scope", scope="{self.http.change_scope}"'
                if self.resource_metadata_url:
                    challenge += f', resource_metadata="{self.resource_metadata_url}"'
                await self._refuse(
                    "scope",
                    403,
                    -32004,
                    f"{needed} changes things: {name!r} may only read (needs scope {self.http.change_scope})",
                    {"www-authenticate": challenge},
                )(send)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, self._tracking(name, session, method, send, reservation))

    async def _change_without_right(self, principal: Principal, body: bytes) -> str | None:
        if principal.can_change:
            return None
        try:
            message = json.loads(body)
        except ValueError:
            return None  # the SDK answers the parse error
        for item in message if isinstance(message, list) else [message]:
            if isinstance(item, dict) and item.get("method") == "tools/call":
                params = item.get("params") or {}
                tool, args = str(params.get("name", "")), params.get("arguments") or {}
                if isinstance(args, dict) and await self.changes(principal, tool, args):
                    return tool
        return None

    def _tracking(self, name: str, session: str | None, method: str, send: Send, reservation: str | None) -> Send:
        async def tracked(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                mine = self.sessions.setdefault(name, {})
                if reservation is not None:
                    mine.pop(reservation, None)
                if session is None and status < 400:
                    created = dict(message.get("headers") or []).get(_SESSION_HEADER)
                    if created:
                        mine[created.decode("latin-1")] = self.clock()
                elif session is not None:
                    if status == 404 or (method == "DELETE" and status < 400):
                        mine.pop(session, None)
                    elif session in mine:
                        mine[session] = self.clock()
            await send(message)

        return tracked


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read once, then the client's own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class LimitedTransport(httpx2.AsyncBaseTransport):
    """An httpx transport letting at most `limit` requests through at once (shared by every client)."""

    def __init__(
        self, limit: int, metrics: Metrics | None = None, *, verify: Any = True,
        inner: httpx2.AsyncBaseTransport | None = None,
    ) -> None:  # fmt: skip
        self._inner = inner or httpx2.AsyncHTTPTransport(verify=verify, limits=httpx2.Limits(max_connections=limit))
        self._slots = anyio.Semaphore(limit)
        self._metrics = metrics

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        async with self._slots:
            if self._metrics is not None:
                self._metrics.inflight.inc()
            try:
                response = await self._inner.handle_async_request(request)
                await response.aread()  # the slot is held until the answer is in, not just its headers
                return response
            finally:
                if self._metrics is not None:
                    self._metrics.inflight.dec()

    async def aclose(self) -> None:
        await self._inner.aclose()
