"""A small async CloudStack client on httpx2: one connection pool, signing or a login session, unwrapped answers.

`await client.call("listZones", {"available": "true"})` returns the value under the answer's
single envelope key (whatever that key is), raises `ApiError` for CloudStack error answers and
`TransportError` for anything that is not a CloudStack JSON answer (HTML pages, garbage,
truncated bodies, refused connections, timeouts). `post=True` sends the request as a POST form:
the caller decides (it knows which parameters are secrets; the pipeline asks for it); the client
adds only what the wire needs (login, long query strings, the `method` setting).
"""

from __future__ import annotations

import json
import logging
import re
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2

from cloudstack_mcp.cloudstack.clock import SignatureCheck
from cloudstack_mcp.cloudstack.methods import explain_post_refusal, explain_unavailable, login_demand
from cloudstack_mcp.cloudstack.retry import RetryPolicy
from cloudstack_mcp.cloudstack.signing import encode_value, expires_at, sign
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import (
    AnswerTimeout,
    ApiError,
    ConnectFailed,
    ConnectionDropped,
    TransportError,
    error_meaning,
)

__all__ = ["CloudStackClient", "PreparedRequest"]

log = logging.getLogger(__name__)

# Beyond this many bytes of query string a request goes as a POST form (userdata and other long values).
MAX_GET_QUERY = 2000
_USER_AGENT = "cloudstack-mcp"


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """What would go on the wire: method and every parameter (signature included when signing)."""

    command: str
    method: str
    params: dict[str, str]

    def body(self) -> str:
        return "&".join(f"{encode_value(k)}={encode_value(v)}" for k, v in self.params.items())


def _ssl_verify(verify: bool | str) -> bool | ssl.SSLContext:
    # A CA bundle path becomes an SSL context (httpx no longer takes a path).
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


def _describe_body(response: httpx2.Response) -> str:
    ctype = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    text = response.text[:2000] if response.content else ""
    if not text.strip():
        return f"an empty body ({ctype})"
    title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
    if text.lstrip().startswith("<"):
        kind = "an HTML page" if re.search(r"<html|<!doctype html", text, re.I) else "XML or HTML"
        return f"{kind} ({ctype}){': ' + title.group(1).strip()[:100] if title else ''}"
    snippet = " ".join(text.split())[:80]
    return f"a body that is not valid JSON ({ctype}, {len(response.content)} bytes): {snippet!r}"


class CloudStackClient:
    """One CloudStack endpoint, one connection pool; safe to share between concurrent calls."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ):
        """`transport`: another way to the server (tests: the simulator in process); `sleep`: how retry and
        job-polling delays are waited (tests: without waiting in real time)."""
        if not settings.endpoint:
            raise ValueError("CloudStackClient needs settings with an endpoint")
        self.settings = settings
        self.endpoint: str = settings.endpoint
        self._transport = transport
        self._pool: httpx2.AsyncClient | None = None  # made on first use: start-up needs no TLS set-up
        self._session_key: str | None = None
        self._login_lock = anyio.Lock()
        self.sleep = sleep or anyio.sleep
        self.retry = RetryPolicy.from_settings(settings, sleep=self.sleep)
        self._signature_check = SignatureCheck(settings, self._send_get)

    async def __aenter__(self) -> CloudStackClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None

    @property
    def _http(self) -> httpx2.AsyncClient:
        """The connection pool, created on first use (loading CA certificates takes tens of ms)."""
        if self._pool is None:
            s = self.settings
            # Plain http:// needs no TLS context (and httpx does not follow redirects to https).
            verify = _ssl_verify(s.verify) if self.endpoint.startswith("https:") else False
            self._pool = httpx2.AsyncClient(
                timeout=httpx2.Timeout(s.timeout, connect=min(s.timeout, s.connect_timeout)),
                limits=httpx2.Limits(max_connections=16, max_keepalive_connections=8),
                verify=verify,
                headers={"User-Agent": _USER_AGENT},
                transport=self._transport,
            )
        return self._pool

    # -- building requests -------------------------------------------------------------------

    def prepare(self, command: str, params: Mapping[str, str] | None = None, *, post: bool = False) -> PreparedRequest:
        """The request for `command`: signed (API keys) or with the session key (login); `post`: as a form."""
        full: dict[str, str] = {"command": command, **{k: str(v) for k, v in (params or {}).items()}}
        full["response"] = "json"
        if self.settings.auth_mode == "keys":
            full["apiKey"] = self.settings.api_key or ""
            full["signatureVersion"] = "3"
            full["expires"] = expires_at(self.settings.expiration)
            full["signature"] = sign(full, self.settings.secret_key or "")
        elif self._session_key:
            full["sessionkey"] = self._session_key
        return PreparedRequest(command, self._method_for(command, full, post), full)

    def _method_for(self, command: str, params: Mapping[str, str], post: bool) -> str:
        # A session key is a credential: never in a URL (access logs, proxies, debug logs), whatever --method says.
        if command.lower() == "login" or self.settings.method == "post" or "sessionkey" in params:
            return "POST"
        if self.settings.method == "get":
            return "GET"
        if post:
            return "POST"
        size = sum(len(encode_value(k)) + len(encode_value(v)) + 2 for k, v in params.items())
        return "POST" if size > MAX_GET_QUERY else "GET"

    # -- sending -----------------------------------------------------------------------------

    async def call(
        self,
        command: str,
        params: Mapping[str, str] | None = None,
        *,
        idempotent: bool = False,
        post: bool = False,
    ) -> Any:
        """Send one API request and return the unwrapped answer (see the module docstring).

        `idempotent`: may be retried after it went out (reads); `post`: send it as a POST form.
        """
        if self.settings.auth_mode == "login" and self._session_key is None:
            await self.login()
        session = self._session_key
        try:
            return await self._call_once(command, params, idempotent, post)
        except ApiError as exc:
            explained = explain_post_refusal(exc, self.settings.method) or explain_unavailable(
                exc, signed=self.settings.auth_mode == "keys"
            )
            if explained is not None:
                raise explained from exc
            if exc.code != 401:
                raise
            if self.settings.auth_mode == "keys":
                raise await self._signature_check.explain(exc) from exc
            if self.settings.auth_mode != "login":
                raise
        # The session expired or was dropped: log in again, once (a 401 means nothing ran), and resend.
        log.info("session rejected (401); logging in again")
        await self.login(force=True, stale=session)
        return await self._call_once(command, params, idempotent, post)

    async def _call_once(self, command: str, params: Mapping[str, str] | None, idempotent: bool, post: bool) -> Any:
        async def attempt() -> Any:  # prepared each time: a fresh `expires` and signature
            return self._parse(command, await self.send(self.prepare(command, params, post=post)))

        return await self.retry.run(attempt, read_only=idempotent, command=command, endpoint=self.endpoint)

    async def _send_get(self, command: str, params: dict[str, str]) -> httpx2.Response:
        return await self.send(PreparedRequest(command, "GET", params))

    async def send(self, request: PreparedRequest) -> httpx2.Response:
        """Send `request` as it is, once: the raw response (no retry, no parsing); TransportError on failure."""
        body = request.body()
        try:
            if request.method == "POST":
                return await self._http.post(
                    self.endpoint, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
                )
            return await self._http.get(f"{self.endpoint}?{body}")
        except (httpx2.ConnectTimeout, httpx2.PoolTimeout) as exc:
            raise ConnectFailed(
                f"cannot connect to CloudStack at {self.endpoint} within {min(self.settings.timeout, self.settings.connect_timeout):g} s "
                f"({type(exc).__name__}; nothing was sent). Is the management server up and reachable from here?",
                endpoint=self.endpoint,
            ) from exc
        except httpx2.TimeoutException as exc:
            raise AnswerTimeout(
                f"CloudStack at {self.endpoint} did not answer {request.command} within {self.settings.timeout:g} s "
                "(timeout; raise it with CLOUDSTACK_TIMEOUT or timeout in cloudstack.ini)",
                endpoint=self.endpoint,
            ) from exc
        except httpx2.ConnectError as exc:
            raise ConnectFailed(
                f"cannot connect to CloudStack at {self.endpoint}: {exc or type(exc).__name__}. Is the management "
                "server running, and is the endpoint right (CLOUDSTACK_ENDPOINT / endpoint in cloudstack.ini)?",
                endpoint=self.endpoint,
            ) from exc
        except (httpx2.RemoteProtocolError, httpx2.ReadError, httpx2.WriteError) as exc:
            raise ConnectionDropped(
                f"CloudStack at {self.endpoint} closed the connection without answering {request.command} "
                f"({type(exc).__name__}); the server may be overloaded or restarting",
                endpoint=self.endpoint,
            ) from exc
        except httpx2.HTTPError as exc:
            raise TransportError(
                f"request {request.command} to {self.endpoint} failed: {type(exc).__name__}: {exc}",
                endpoint=self.endpoint,
            ) from exc

    def _parse(self, command: str, response: httpx2.Response) -> Any:
        status = response.status_code
        try:
            doc = json.loads(response.content)
        except ValueError:
            doc = None
        if not isinstance(doc, dict) or len(doc) != 1:
            meaning = f" ({error_meaning(status)})" if status != 200 else ""
            what = _describe_body(response) if doc is None else f"JSON of an unexpected shape: {str(doc)[:80]!r}"
            busy = status == 429 or status >= 500
            hint = (
                "The server, or a proxy in front of it, is busy, restarting or down: try again in a moment."
                if busy
                else "Check that the endpoint is the API URL (it ends in /client/api) and that the management "
                "server is up."
            )
            raise TransportError(
                f"CloudStack at {self.endpoint} answered {command} with HTTP {status}{meaning} and {what}. {hint}",
                endpoint=self.endpoint,
                status=status,
                kind="truncated" if doc is None and response.content.lstrip()[:1] in (b"{", b"[") else "answer",
                retry_after=_retry_after(response),
            )
        ((_key, inner),) = doc.items()
        if isinstance(inner, dict) and "errorcode" in inner:
            raise _api_error(command, inner, status)
        if status != 200:
            raise ApiError(status, response.headers.get("x-description") or str(inner)[:200], api=command)
        return inner

    async def login(self, *, force: bool = False, stale: str | None = None) -> None:
        """Log in with username/password (+domain) and keep the session key; cookies stay in the pool.

        `stale`: the session key a call found rejected; when another call has renewed it meanwhile,
        nothing is done (concurrent calls renew an expired session once, not once each).
        """
        async with self._login_lock:
            if self._session_key and (not force or (stale is not None and self._session_key != stale)):
                return
            self._session_key = None
            self._http.cookies.clear()
            params = {"username": self.settings.username or "", "password": self.settings.password or ""}
            params["domain"] = self.settings.domain or "/"
            request = PreparedRequest("login", "POST", {"command": "login", **params, "response": "json"})

            async def attempt() -> Any:
                return self._parse("login", await self.send(request))

            try:  # retried like a read: a second login at worst opens a second session
                answer = await self.retry.run(attempt, read_only=True, command="login", endpoint=self.endpoint)
            except ApiError as exc:
                raise ApiError(
                    exc.code,
                    f"{exc.text} (login as {self.settings.username!r} in domain {self.settings.domain!r}; "
                    "check CLOUDSTACK_USERNAME, CLOUDSTACK_PASSWORD and CLOUDSTACK_DOMAIN)",
                    api="login",
                ) from exc
            demand = login_demand(answer, self.settings.username or "")
            if demand is not None:
                raise demand
            key = answer.get("sessionkey") if isinstance(answer, dict) else None
            if not key:
                raise TransportError(f"login at {self.endpoint} answered without a session key", endpoint=self.endpoint)
            self._session_key = str(key)


def _retry_after(response: httpx2.Response) -> float | None:
    """Seconds from a `Retry-After: N` header (the HTTP-date form is ignored)."""
    try:
        value = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def _api_error(command: str, inner: Mapping[str, Any], status: int) -> ApiError:
    try:
        code = int(inner.get("errorcode", status))
    except (TypeError, ValueError):
        code = status
    cs = inner.get("cserrorcode")
    uuids = [str(u.get("uuid", u)) if isinstance(u, Mapping) else str(u) for u in inner.get("uuidList") or []]
    return ApiError(
        code,
        str(inner.get("errortext", "")).strip() or "(no error text)",
        api=command,
        cserrorcode=int(cs) if isinstance(cs, (int, str)) and str(cs).lstrip("-").isdigit() else None,
        uuids=uuids,
    )
