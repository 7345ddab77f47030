"""Streamable HTTP: the SDK's session manager and auth pieces, put together with our gate and operations.

Request path (outermost first):

    HostCheck (Host/Origin always checked on /mcp and the metadata; 421/403)
    -> SDK AuthenticationMiddleware(BearerAuthBackend(verifier)) + AuthContextMiddleware
    -> /mcp: SDK RequireAuthMiddleware (401/403, WWW-Authenticate; we add scope=)
             -> limits.Gate (principal known, rate, sessions per principal, body, change right)
             -> SDK StreamableHTTPSessionManager (both protocol eras) -> Server
    /.well-known/oauth-protected-resource/mcp (RFC 9728), /healthz, /readyz, /metrics

The Server answers each request through the App of its principal (server/principals.py); its
requestState is sealed with keys every instance shares (SDK RequestStateSecurity).
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import socket
import ssl
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware, get_access_token
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.routes import build_resource_metadata_url, create_protected_resource_routes
from mcp.server.auth.settings import AuthSettings
from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudstack_mcp.config import Settings
from cloudstack_mcp.config_http import HttpSettings, is_loopback
from cloudstack_mcp.errors import ConfigError
from cloudstack_mcp.policy.classify import classify
from cloudstack_mcp.server.app import App, create_server
from cloudstack_mcp.server.auth import JwtVerifier, Principal, StaticTokens, principal_of
from cloudstack_mcp.server.limits import Gate, LimitedTransport, jsonrpc_error
from cloudstack_mcp.server.metrics import JsonFormatter, Metrics, ops_routes
from cloudstack_mcp.server.principals import CredentialStore, Principals, tee_audit

__all__ = ["build_http_app", "check_startup", "serve_http"]

log = logging.getLogger(__name__)
_OPS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_INSTANCE_HEADER = b"x-cloudstack-mcp-instance"


def check_startup(settings: Settings, env: dict[str, str] | None = None) -> None:
    """Refuse what cannot be safe, before anything starts (each message says how to fix it)."""
    http, host = settings.http, settings.http_host
    if not is_loopback(host):
        if not http.auth_enabled:
            raise ConfigError(
                f"--host {host} listens beyond this machine without authentication: anyone who reaches the port "
                "would act as the CloudStack user. Add --auth-tokens FILE (static tokens; make one with "
                "`cloudstack-mcp token NAME`) or --oauth-issuer URL --resource-url URL (see docs/deployment.md), "
                "or listen on 127.0.0.1"
            )
        if not http.allowed_hosts:
            raise ConfigError(
                f"--host {host}: say which Host names clients use, e.g. --allowed-hosts mcp.example.com,"
                "10.0.0.5:* (Host checks stay on beyond loopback against DNS rebinding)"
            )
    if http.auth_tokens is not None:
        StaticTokens(http.auth_tokens, http)  # a bad file is refused now, not at the first request
    CredentialStore.load(http)  # likewise the credentials store (JSON, mode 0600, every key present)
    if http.auth_enabled and not (http.shared_cloudstack_user or http.credentials or http.credentials_json):
        raise ConfigError(
            "authentication is on but nothing says which CloudStack user each principal acts as: give "
            "--credentials FILE (principal -> CloudStack keys, mode 0600) or CLOUDSTACK_MCP_CREDENTIALS_JSON, "
            "or --shared-cloudstack-user to let every principal act as the configured user"
        )


def _state_keys(http: HttpSettings) -> list[bytes] | None:
    if http.state_keys_env:
        return [k.strip().encode() for k in http.state_keys_env.split(",") if k.strip()]
    if http.state_key_file is not None:
        try:
            lines = Path(http.state_key_file).read_text(encoding="utf-8").split()
        except OSError as exc:
            raise ConfigError(f"--state-key-file {http.state_key_file}: {exc.strerror or exc}") from None
        return [line.encode() for line in lines if line]
    return None


def _verifier(http: HttpSettings) -> TokenVerifier | None:
    if http.oauth_issuer:
        return JwtVerifier(http)
    if http.auth_tokens is not None:
        return StaticTokens(http.auth_tokens, http)
    return None


class HostCheck:
    """Host and Origin checked on every request but the operations endpoints (load balancers probe those
    by address); the SDK's own settings object, with our JSON-RPC answers."""

    def __init__(self, app: ASGIApp, security: TransportSecuritySettings, metrics: Metrics, instance: str = ""):
        self.app, self.metrics = app, metrics
        self.check = TransportSecurityMiddleware(security)
        self.instance = instance.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.instance:  # which instance answered, for operators behind a load balancer
            inner = send

            async def send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), (_INSTANCE_HEADER, self.instance)]}
                await inner(message)

        if scope["path"] not in _OPS_PATHS:
            refused = await self.check.validate_request(Request(scope), is_post=False)
            if refused is not None:
                host = Request(scope).headers
                if refused.status_code == 421:
                    reason, text = "host", f"Host {host.get('host')!r} is not allowed (--allowed-hosts)"
                else:
                    reason, text = "origin", f"Origin {host.get('origin')!r} is not allowed (--allowed-origins)"
                self.metrics.refusals.labels(reason).inc()
                await jsonrpc_error(refused.status_code, -32600, text)(send)
                return
        await self.app(scope, receive, send)


class ScopeChallenge:
    """Adds `scope="..."` to the SDK's Bearer challenge (MCP authorization: clients ask for these scopes)."""

    def __init__(self, app: ASGIApp, scopes: str):
        self.app, self.scopes = app, scopes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_scope(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (401, 403):
                headers = []
                for k, v in message.get("headers") or []:
                    if k.lower() == b"www-authenticate" and b"scope=" not in v:
                        v = v + f', scope="{self.scopes}"'.encode()
                    headers.append((k, v))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_scope)


def _security(settings: Settings) -> TransportSecuritySettings:
    http = settings.http
    hosts, origins = list(http.allowed_hosts), list(http.allowed_origins)
    if is_loopback(settings.http_host):
        hosts += ["127.0.0.1:*", "localhost:*", "[::1]:*"]
        origins += ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


def _verify(settings: Settings) -> Any:
    if isinstance(settings.verify, str):
        return ssl.create_default_context(cafile=settings.verify)
    return settings.verify if (settings.endpoint or "").startswith("https:") else False


def build_http_app(
    app: App, settings: Settings, *, verifier: TokenVerifier | None = None
) -> tuple[Starlette, Principals, Metrics]:
    """The ASGI app for `app`; `verifier` overrides the one the settings name (tests)."""
    http = settings.http
    verifier = verifier or _verifier(http)
    store = CredentialStore.load(http)
    metrics = Metrics()
    transport = LimitedTransport(http.cloudstack_inflight, metrics, verify=_verify(app.settings))
    principals = Principals(
        app, store, shared_user=http.shared_cloudstack_user or verifier is None, transport=transport
    )

    async def current_app() -> App:
        return await principals.app_for(principal_of(get_access_token()))

    async def is_async(tool: str) -> bool:
        found = (await current_app()).inventory.get(tool)
        return bool(found is not None and found.api is not None and found.api.isasync)

    metrics.is_async = is_async

    async def changes(principal: Principal, name: str, args: dict[str, Any]) -> bool:
        papp = await principals.app_for(principal)
        tool = papp.inventory.get(name)
        if tool is None:  # not listed for this principal (read-only listing): still an API by its tool name?
            api = papp.pipeline.resolve(name)
        elif tool.name == "call_api" and isinstance(args.get("name"), str):
            api = papp.pipeline.resolve(args["name"])
        else:
            api = tool.api
        return api is not None and not classify(api).read_only

    server = create_server(app, app_for=current_app)
    server.middleware.append(metrics.middleware)
    keys = _state_keys(http)
    security = RequestStateSecurity(keys=keys) if keys else RequestStateSecurity.ephemeral()
    server.middleware.append(RequestStateBoundary(security, default_audience="cloudstack-mcp"))

    manager = StreamableHTTPSessionManager(
        app=server,
        security_settings=_security(settings),
        max_request_body_size=http.max_body_bytes,
        session_idle_timeout=http.session_idle_timeout,
        max_sessions=http.max_sessions,
    )
    endpoint: ASGIApp = StreamableHTTPASGIApp(manager)
    # The SDK's AuthSettings keeps URLs as given (an issuer is compared as a string: no added slash).
    auth = (
        AuthSettings(
            issuer_url=http.oauth_issuer,  # type: ignore[arg-type]  # a string: validated keeping its form
            resource_server_url=http.resource_url,  # type: ignore[arg-type]
            required_scopes=[http.read_scope],
            validate_token_resource=False,  # JwtVerifier checks the audience itself
        )
        if http.oauth_issuer and http.resource_url
        else None
    )
    resource_url = auth.resource_server_url if auth else None
    metadata_url = str(build_resource_metadata_url(resource_url)) if resource_url else None
    endpoint = Gate(
        endpoint, http, metrics, known=principals.known, changes=changes, resource_metadata_url=metadata_url
    )
    middleware: list[Middleware] = []
    routes: list[Any] = []
    if verifier is not None:
        endpoint = RequireAuthMiddleware(
            endpoint, [http.read_scope], AnyHttpUrl(metadata_url) if metadata_url else None
        )
        endpoint = ScopeChallenge(endpoint, f"{http.read_scope} {http.change_scope}")
        middleware = [
            Middleware(AuthenticationMiddleware, backend=BearerAuthBackend(verifier)),
            Middleware(AuthContextMiddleware),
        ]
        if auth is not None and resource_url is not None:
            routes += create_protected_resource_routes(
                resource_url,
                [auth.issuer_url],
                scopes_supported=[http.read_scope, http.change_scope],
                resource_name="CloudStack MCP",
            )
    routes.insert(0, Route("/mcp", endpoint=endpoint))

    checked: dict[str, Any] = {"at": 0.0, "ok": False, "detail": {}}

    async def ready() -> tuple[bool, dict[str, Any]]:
        if time.monotonic() - checked["at"] > 5.0:  # one CloudStack request per 5 s, however often probed
            detail: dict[str, Any] = {"apis": len(app.catalog)}
            try:
                with anyio.fail_after(5):
                    await app.client.call("listCapabilities", idempotent=True)
                detail["cloudstack"] = "reachable"
                ok = len(app.catalog) > 0
            except Exception as exc:  # any failure means not ready; the reason is shown (no secrets in it)
                detail["cloudstack"] = f"unreachable: {type(exc).__name__}"
                ok = False
            checked.update(at=time.monotonic(), ok=ok, detail=detail)
        return checked["ok"], checked["detail"]

    routes += ops_routes(metrics, ready)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with manager.run():
            try:
                yield
            finally:
                await principals.aclose()
                await transport.aclose()

    starlette = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    instance = f"{socket.gethostname()}:{settings.http_port}"
    return HostCheck(starlette, _security(settings), metrics, instance), principals, metrics  # type: ignore[return-value]


def _configure_logging(http: HttpSettings) -> None:
    if http.log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())


def audit_stream(where: str) -> Any:
    """A callable writing one audit record (already scrubbed JSON) to stdout or syslog; None for none."""
    if where == "stdout":

        def to_stdout(line: str) -> None:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

        return to_stdout
    if where == "syslog":
        address: Any = "/dev/log" if os.path.exists("/dev/log") else ("127.0.0.1", 514)
        handler = logging.handlers.SysLogHandler(address=address, facility=logging.handlers.SysLogHandler.LOG_AUTH)
        syslog = logging.getLogger("cloudstack_mcp.audit.syslog")
        syslog.propagate = False
        syslog.addHandler(handler)
        return lambda line: syslog.warning("cloudstack-mcp audit: %s", line)
    return None


async def serve_http(app: App, settings: Settings) -> None:
    import uvicorn

    http = settings.http
    _configure_logging(http)
    asgi, principals, _ = build_http_app(app, settings)
    stream = audit_stream(http.audit_stream)
    if stream is not None:
        tee_audit(app.guard.audit, stream)
    if http.shared_cloudstack_user and http.auth_enabled:
        log.warning(
            "--shared-cloudstack-user: every principal acts as the CloudStack user %s (%s); CloudStack cannot tell "
            "them apart and each has that user's rights",
            app.settings.user[:14],
            app.settings.endpoint,
        )
        print(
            "cloudstack-mcp: WARNING: every principal acts as one shared CloudStack user (--shared-cloudstack-user)",
            file=sys.stderr,
        )
    config = uvicorn.Config(
        asgi,
        host=settings.http_host,
        port=settings.http_port,
        log_level="warning",
        log_config=None,
        timeout_graceful_shutdown=int(http.shutdown_grace) or None,
        limit_concurrency=None,
        # Longer than a balancer keeps idle upstream connections (nginx: 60 s), so an instance never closes
        # one the balancer is about to reuse (that race answers a POST with 502, and a POST is not resent).
        timeout_keep_alive=75,
        proxy_headers=False,
    )
    auth = (
        "OAuth " + str(http.oauth_issuer)
        if http.oauth_issuer
        else ("bearer tokens" if http.auth_tokens else "none (loopback)")
    )
    print(
        f"cloudstack-mcp: streamable HTTP on http://{settings.http_host}:{settings.http_port}/mcp (auth: {auth})",
        file=sys.stderr,
        flush=True,
    )
    # SIGTERM (uvicorn's handler while serving): stop accepting, let calls finish within the grace, cancel
    # the rest. A change still open then has no known outcome: recorded as such.
    await uvicorn.Server(config).serve()
    left = app.guard.audit.abandon_pending(
        f"the server stopped (SIGTERM) before the change's outcome was known (grace {http.shutdown_grace:g} s)"
    )
    if left:
        log.warning("shutdown: %d change(s) in flight recorded as outcome unknown in the audit log", left)
