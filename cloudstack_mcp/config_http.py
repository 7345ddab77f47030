"""Settings of the streamable HTTP transport: authentication, who acts as which CloudStack user, limits,
operations. Part of `Settings` (`Settings.http`), resolved with the rest by `config.load_settings`.

Kept apart from config.py so the stdio path never reads them; the flags are added to `serve` by
`add_http_arguments` (argparse only, nothing heavy imported).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cloudstack_mcp.config_values import parse_bool
from cloudstack_mcp.errors import ConfigError

__all__ = ["HTTP_FLAGS", "HttpSettings", "add_http_arguments", "is_loopback", "load_http_settings"]

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

# setting -> (flag, environment variable, kind, minimum)
_SPEC: dict[str, tuple[str, str, str, float]] = {
    "auth_tokens": ("--auth-tokens", "CLOUDSTACK_MCP_AUTH_TOKENS", "path", 0),
    "oauth_issuer": ("--oauth-issuer", "CLOUDSTACK_MCP_OAUTH_ISSUER", "text", 0),
    "oauth_jwks_url": ("--oauth-jwks-url", "CLOUDSTACK_MCP_OAUTH_JWKS_URL", "text", 0),
    "oauth_audience": ("--oauth-audience", "CLOUDSTACK_MCP_OAUTH_AUDIENCE", "text", 0),
    "oauth_principal_claim": ("--oauth-principal-claim", "CLOUDSTACK_MCP_OAUTH_PRINCIPAL_CLAIM", "text", 0),
    "read_scope": ("--read-scope", "CLOUDSTACK_MCP_READ_SCOPE", "text", 0),
    "change_scope": ("--change-scope", "CLOUDSTACK_MCP_CHANGE_SCOPE", "text", 0),
    "resource_url": ("--resource-url", "CLOUDSTACK_MCP_RESOURCE_URL", "text", 0),
    "credentials": ("--credentials", "CLOUDSTACK_MCP_CREDENTIALS", "path", 0),
    "shared_cloudstack_user": ("--shared-cloudstack-user", "CLOUDSTACK_MCP_SHARED_CLOUDSTACK_USER", "bool", 0),
    "allowed_hosts": ("--allowed-hosts", "CLOUDSTACK_MCP_ALLOWED_HOSTS", "list", 0),
    "allowed_origins": ("--allowed-origins", "CLOUDSTACK_MCP_ALLOWED_ORIGINS", "list", 0),
    "session_idle_timeout": ("--session-idle-timeout", "CLOUDSTACK_MCP_SESSION_IDLE_TIMEOUT", "float", 1),
    "max_sessions": ("--max-sessions", "CLOUDSTACK_MCP_MAX_SESSIONS", "int", 1),
    "sessions_per_principal": ("--sessions-per-principal", "CLOUDSTACK_MCP_SESSIONS_PER_PRINCIPAL", "int", 1),
    "rate_limit": ("--rate-limit", "CLOUDSTACK_MCP_RATE_LIMIT", "float", 0),
    "rate_burst": ("--rate-burst", "CLOUDSTACK_MCP_RATE_BURST", "int", 1),
    "cloudstack_inflight": ("--cloudstack-inflight", "CLOUDSTACK_MCP_CLOUDSTACK_INFLIGHT", "int", 1),
    "max_body_bytes": ("--max-body-bytes", "CLOUDSTACK_MCP_MAX_BODY_BYTES", "int", 1024),
    "state_key_file": ("--state-key-file", "CLOUDSTACK_MCP_STATE_KEY_FILE", "path", 0),
    "log_format": ("--log-format", "CLOUDSTACK_MCP_LOG_FORMAT", "text", 0),
    "audit_stream": ("--audit-stream", "CLOUDSTACK_MCP_AUDIT_STREAM", "text", 0),
    "shutdown_grace": ("--shutdown-grace", "CLOUDSTACK_MCP_SHUTDOWN_GRACE", "float", 0),
}
HTTP_FLAGS = tuple(_SPEC)


@dataclass(frozen=True)
class HttpSettings:
    """What `serve --transport http` needs beyond host and port (defaults suit one loopback user)."""

    auth_tokens: Path | None = None  # static bearer tokens, hashed (server/auth.py)
    oauth_issuer: str | None = None  # OAuth 2.1 / OIDC issuer of JWT access tokens
    oauth_jwks_url: str | None = None  # default: the issuer's metadata jwks_uri
    oauth_audience: str | None = None  # default: resource_url (RFC 8707)
    oauth_principal_claim: str = "sub"
    read_scope: str = "cloudstack:read"
    change_scope: str = "cloudstack:change"
    resource_url: str | None = None  # this server's public /mcp URL (Protected Resource Metadata)
    credentials: Path | None = None  # principal -> CloudStack keys (server/principals.py)
    credentials_json: str | None = None  # the same, from CLOUDSTACK_MCP_CREDENTIALS_JSON
    shared_cloudstack_user: bool = False  # every principal acts as the configured CloudStack user
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    session_idle_timeout: float = 600.0
    max_sessions: int = 2000
    sessions_per_principal: int = 50
    rate_limit: float = 20.0  # requests a second per principal (0: no limit)
    rate_burst: int = 60
    cloudstack_inflight: int = 32  # requests in flight to the CloudStack endpoint, all principals together
    max_body_bytes: int = 1024 * 1024
    state_key_file: Path | None = None  # requestState sealing keys, shared by every instance
    state_keys_env: str | None = None  # CLOUDSTACK_MCP_STATE_KEYS (comma-separated)
    log_format: Literal["text", "json"] = "text"
    audit_stream: Literal["none", "stdout", "syslog"] = "none"
    shutdown_grace: float = 20.0

    @property
    def auth_enabled(self) -> bool:
        return bool(self.auth_tokens or self.oauth_issuer)


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def _value(kind: str, raw: Any, flag: str, minimum: float) -> Any:
    if kind == "path":
        return Path(os.path.expanduser(str(raw)))
    if kind == "list":
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        return tuple(str(i).strip() for i in items if str(i).strip())
    if kind == "bool":
        return parse_bool(raw, name=flag)
    if kind in ("int", "float"):
        try:
            number = int(raw) if kind == "int" else float(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{flag} {raw!r} is not a number") from None
        if number < minimum:
            raise ConfigError(f"{flag} {raw!r} must be at least {minimum:g}")
        return number
    return str(raw).strip()


def load_http_settings(flags: Mapping[str, Any], env: Mapping[str, str]) -> HttpSettings:
    """Flags win over CLOUDSTACK_MCP_* variables; every value checked here, with the fix in the message."""
    values: dict[str, Any] = {}
    for name, (flag, var, kind, minimum) in _SPEC.items():
        raw = flags.get(name)
        if raw in (None, (), [], False) and env.get(var) not in (None, ""):
            raw = env[var]
        if raw in (None, (), []) or (kind == "bool" and raw is False):
            continue
        values[name] = _value(kind, raw, flag, minimum)
    if env.get("CLOUDSTACK_MCP_CREDENTIALS_JSON"):
        values["credentials_json"] = env["CLOUDSTACK_MCP_CREDENTIALS_JSON"]
    if env.get("CLOUDSTACK_MCP_STATE_KEYS"):
        values["state_keys_env"] = env["CLOUDSTACK_MCP_STATE_KEYS"]
    if values.get("log_format", "text") not in ("text", "json"):
        raise ConfigError(f"--log-format {values['log_format']!r}: use text or json")
    if values.get("audit_stream", "none") not in ("none", "stdout", "syslog"):
        raise ConfigError(f"--audit-stream {values['audit_stream']!r}: use stdout, syslog or none")
    for name in ("oauth_issuer", "oauth_jwks_url", "resource_url"):
        url = values.get(name)
        if url and not url.startswith(("https://", "http://")):
            raise ConfigError(f"{_SPEC[name][0]} {url!r} is not an http(s) URL")
    if values.get("oauth_issuer") and not values.get("resource_url"):
        raise ConfigError(
            "--oauth-issuer needs --resource-url: the public URL clients use for this server's /mcp endpoint "
            "(e.g. https://mcp.example.com/mcp); it is the audience tokens must be issued for (RFC 8707)"
        )
    return HttpSettings(**values)


def add_http_arguments(parser: argparse.ArgumentParser) -> None:
    """The `serve` flags of the HTTP transport (docs/deployment.md explains them together)."""
    S = argparse.SUPPRESS
    a = parser.add_argument_group("HTTP: authentication (required beyond loopback; docs/deployment.md)")
    a.add_argument("--auth-tokens", metavar="FILE", default=S, help="static bearer tokens, stored hashed (JSON)")
    a.add_argument("--oauth-issuer", metavar="URL", default=S, help="OAuth/OIDC issuer of JWT access tokens")
    a.add_argument("--oauth-jwks-url", metavar="URL", default=S, help="its JWKS (default: from issuer metadata)")
    a.add_argument(
        "--oauth-audience", metavar="AUD", default=S, help="audience tokens must name (default: --resource-url)"
    )
    a.add_argument(
        "--oauth-principal-claim", metavar="CLAIM", default=S, help="claim naming the principal (default: sub)"
    )
    a.add_argument("--read-scope", metavar="SCOPE", default=S, help="scope granting reads (default: cloudstack:read)")
    a.add_argument(
        "--change-scope", metavar="SCOPE", default=S, help="scope granting changes (default: cloudstack:change)"
    )
    a.add_argument("--resource-url", metavar="URL", default=S, help="this server's public /mcp URL (resource metadata)")
    u = parser.add_argument_group("HTTP: CloudStack user per principal")
    u.add_argument("--credentials", metavar="FILE", default=S, help="principal -> CloudStack keys (JSON, mode 0600)")
    u.add_argument(
        "--shared-cloudstack-user",
        action="store_true",
        default=S,
        help="every principal acts as the configured CloudStack user (warned at start-up)",
    )
    h = parser.add_argument_group("HTTP: Host/Origin checks, limits, operations")
    h.add_argument(
        "--allowed-hosts", metavar="LIST", default=S, help="Host values accepted (host:port, * for any port)"
    )
    h.add_argument("--allowed-origins", metavar="LIST", default=S, help="Origin values accepted (browsers)")
    h.add_argument("--session-idle-timeout", metavar="SECONDS", type=float, default=S, help="default: 600")
    h.add_argument("--max-sessions", metavar="N", type=int, default=S, help="open sessions in all (default: 2000)")
    h.add_argument("--sessions-per-principal", metavar="N", type=int, default=S, help="default: 50")
    h.add_argument(
        "--rate-limit", metavar="PER_SECOND", type=float, default=S, help="requests per principal (20; 0 off)"
    )
    h.add_argument("--rate-burst", metavar="N", type=int, default=S, help="requests allowed at once (default: 60)")
    h.add_argument("--cloudstack-inflight", metavar="N", type=int, default=S, help="CloudStack requests in flight (32)")
    h.add_argument("--max-body-bytes", metavar="N", type=int, default=S, help="request body cap (default: 1 MiB)")
    h.add_argument("--state-key-file", metavar="FILE", default=S, help="requestState sealing keys shared by instances")
    h.add_argument("--log-format", metavar="FORMAT", default=S, help="stderr logs: text (default) or json")
    h.add_argument("--audit-stream", metavar="WHERE", default=S, help="audit records also to stdout or syslog")
    h.add_argument(
        "--shutdown-grace", metavar="SECONDS", type=float, default=S, help="SIGTERM: calls finish within (20)"
    )
