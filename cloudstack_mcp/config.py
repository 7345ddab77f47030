"""Settings: built once at start-up from flags, environment and `cloudstack.ini`, then passed down frozen.

Where the CloudStack connection comes from (later sources win, key by key):

1. ini files, as the `cs` library reads them: `~/.cloudstack.ini`, `./cloudstack.ini`,
   then the file named by `CLOUDSTACK_CONFIG`; section `[cloudstack]`, or the one named by
   `CLOUDSTACK_REGION` / `--region`; keys endpoint, key, secret, username, password, domain,
   timeout, verify, method, expiration, dangerous_no_tls_verify.
2. environment: `CLOUDSTACK_ENDPOINT` (or `CLOUDSTACK_API_URL`), `CLOUDSTACK_KEY` (or
   `CLOUDSTACK_API_KEY`), `CLOUDSTACK_SECRET` (or `CLOUDSTACK_SECRET_KEY`), `CLOUDSTACK_USERNAME`,
   `CLOUDSTACK_PASSWORD`, `CLOUDSTACK_DOMAIN`, `CLOUDSTACK_TIMEOUT`, `CLOUDSTACK_VERIFY`,
   `CLOUDSTACK_METHOD`, `CLOUDSTACK_EXPIRATION`.
3. command-line flags.

No endpoint anywhere: the built-in simulator is used (`Settings.use_simulator`).
Server behaviour (toolsets, read-only, ...) comes from flags or `CLOUDSTACK_MCP_*` variables.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from cloudstack_mcp.config_http import HttpSettings, load_http_settings
from cloudstack_mcp.config_values import parse_bool, split_list  # shared with config_http
from cloudstack_mcp.errors import ConfigError
from cloudstack_mcp.severity import Severity

__all__ = [
    "CONFIRM_MODES",
    "ConfirmMode",
    "Settings",
    "connection_sources",
    "default_audit_path",
    "default_confirm_key_path",
    "default_cache_dir",
    "is_disabled",
    "load_settings",
    "parse_bool",
    "split_list",
]

# When the client cannot ask the user: type the phrase the answer names, refuse, or go ahead.
ConfirmMode = Literal["phrase", "deny", "allow"]
CONFIRM_MODES: tuple[ConfirmMode, ...] = ("phrase", "deny", "allow")
# How a confirmation is asked: elicitation where the client declares it (auto), always elicitation, or never.
ConfirmVia = Literal["auto", "elicitation", "phrase"]
CONFIRM_VIAS: tuple[ConfirmVia, ...] = ("auto", "elicitation", "phrase")
_AUDIT_OFF = frozenset({"off", "none", "no", "false", "-", ""})  # --audit-log values that switch it off

# env variable -> setting, in order of preference (the first set one wins).
_CONNECTION_ENV: dict[str, tuple[str, ...]] = {
    "endpoint": ("CLOUDSTACK_ENDPOINT", "CLOUDSTACK_API_URL"),
    "key": ("CLOUDSTACK_KEY", "CLOUDSTACK_API_KEY"),
    "secret": ("CLOUDSTACK_SECRET", "CLOUDSTACK_SECRET_KEY"),
    "username": ("CLOUDSTACK_USERNAME",),
    "password": ("CLOUDSTACK_PASSWORD",),
    "domain": ("CLOUDSTACK_DOMAIN",),
    "timeout": ("CLOUDSTACK_TIMEOUT",),
    "verify": ("CLOUDSTACK_VERIFY",),
    "method": ("CLOUDSTACK_METHOD",),
    "expiration": ("CLOUDSTACK_EXPIRATION",),
    "dangerous_no_tls_verify": ("CLOUDSTACK_DANGEROUS_NO_TLS_VERIFY",),
}
_INI_KEYS = frozenset(_CONNECTION_ENV)

# Server options that may also come from the environment (flag name -> variable).
_OPTION_ENV: dict[str, str] = {
    "toolsets": "CLOUDSTACK_MCP_TOOLSETS",
    "tools": "CLOUDSTACK_MCP_TOOLS",
    "exclude_tools": "CLOUDSTACK_MCP_EXCLUDE_TOOLS",
    "read_only": "CLOUDSTACK_MCP_READ_ONLY",
    "allow_tools": "CLOUDSTACK_MCP_ALLOW_TOOLS",
    "deny_tools": "CLOUDSTACK_MCP_DENY_TOOLS",
    "api_spec": "CLOUDSTACK_MCP_API_SPEC",
    "cache_dir": "CLOUDSTACK_MCP_CACHE_DIR",
    "job_timeout": "CLOUDSTACK_MCP_JOB_TIMEOUT",
    "max_pages": "CLOUDSTACK_MCP_MAX_PAGES",
    "confirm_mode": "CLOUDSTACK_MCP_CONFIRM_MODE",
    "confirm_level": "CLOUDSTACK_MCP_CONFIRM_LEVEL",
    "confirm_via": "CLOUDSTACK_MCP_CONFIRM_VIA",
    "confirm_key_file": "CLOUDSTACK_MCP_CONFIRM_KEY_FILE",
    "audit_log": "CLOUDSTACK_MCP_AUDIT_LOG",
    "audit_required": "CLOUDSTACK_MCP_AUDIT_REQUIRED",
    "poll_interval": "CLOUDSTACK_MCP_POLL_INTERVAL",
    "output": "CLOUDSTACK_MCP_OUTPUT",
    "connect_timeout": "CLOUDSTACK_MCP_CONNECT_TIMEOUT",
    "retries": "CLOUDSTACK_MCP_RETRIES",
    "retry_backoff": "CLOUDSTACK_MCP_RETRY_BACKOFF",
    "simulator_state": "CLOUDSTACK_MCP_SIMULATOR_STATE",
    "simulator_faults": "CLOUDSTACK_MCP_SIMULATOR_FAULTS",
    "simulator_clock_offset": "CLOUDSTACK_MCP_SIMULATOR_CLOCK_OFFSET",
}


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/cloudstack-mcp`, else `~/.cache/cloudstack-mcp`."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(base) / "cloudstack-mcp"


def default_confirm_key_path(env: Mapping[str, str] | None = None) -> Path:
    """The key confirmation phrases are derived from: beside the audit log in the state directory."""
    return default_audit_path(env).parent / "confirm.key"


def default_audit_path(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_STATE_HOME/cloudstack-mcp/audit.jsonl`, else `~/.local/state/cloudstack-mcp/audit.jsonl`."""
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local" / "state")
    return Path(base) / "cloudstack-mcp" / "audit.jsonl"


def is_disabled(value: str | os.PathLike[str] | None) -> bool:
    """True for the values that switch the audit log off (`off`, `none`, `-`)."""
    return value is not None and str(value).strip().lower() in _AUDIT_OFF


@dataclass(frozen=True)
class Settings:
    """Everything the server needs, resolved and checked; build with `load_settings`."""

    # Connection
    endpoint: str | None = None
    api_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    domain: str = "/"
    region: str | None = None
    timeout: float = 30.0
    verify: bool | str = True
    method: Literal["auto", "get", "post"] = "auto"
    expiration: int = 600  # seconds a signature stays valid (signature version 3)
    source: str = "defaults"  # where the connection settings came from, for messages
    # Catalog
    api_spec: Path | None = None
    refresh_catalog: bool = False
    cache_dir: Path = field(default_factory=default_cache_dir)
    # Tool listing (fixed at start-up)
    toolsets: tuple[str, ...] = ()  # () = the default profile; ("all",) = every API
    tools: tuple[str, ...] = ()  # include glob patterns (added to the toolsets' tools)
    exclude_tools: tuple[str, ...] = ()
    read_only: bool = False
    allow_tools: tuple[str, ...] = ()  # guard: when set, only these tools may run
    deny_tools: tuple[str, ...] = ()  # guard: these never run
    # Safety (guard): confirmation and audit
    confirm_mode: ConfirmMode = "phrase"  # when the client cannot ask the user
    confirm_level: Severity = Severity.MEDIUM  # lowest severity confirmed (low is harmless: tags, icons)
    audit_log: Path | None = field(default_factory=default_audit_path)  # None: off
    audit_required: bool = True  # refuse changes when the audit log cannot be written
    confirm_via: ConfirmVia = "auto"  # elicitation where the client declares it, else --confirm-mode
    # The server key of confirmation phrases (safety/phrase_key.py): CLOUDSTACK_MCP_CONFIRM_KEY, else this file
    # (created on first use, mode 0600; several instances may share one).
    confirm_key: str | None = field(default=None, repr=False)
    confirm_key_file: Path = field(default_factory=default_confirm_key_path)
    # Calls
    # The wait budget: a call waits this long for its async job, then answers "still running" (with the
    # job tool to wait again) before common client request timeouts (60 s in the TypeScript SDK).
    job_timeout: float = 40.0
    poll_interval: float = 0.45  # shortest gap between job polls; the gap grows to 9% of the job's age (jobs.py)
    poll_max: float = 5.0  # longest gap between job polls
    max_pages: int = 20  # fetch_all cap (pages of page_size)
    page_size: int = 500
    output: Literal["text", "json", "both"] = "text"  # text part of results: compact text, JSON, or both
    # Reliability (retry.py): read-only calls are retried; changes are sent at most once
    connect_timeout: float = 10.0  # seconds to open a connection (capped by timeout)
    retries: int = 2  # extra attempts for a read-only call that failed in a way that may pass
    retry_backoff: float = 0.5  # first retry waits up to this long (full jitter), doubling each time
    # The embedded simulator (nothing configured): where its cloud is kept; None = in memory.
    # load_settings defaults it to the state directory; a Settings built in code keeps it in memory.
    simulator_state: Path | None = None
    simulator_reset: bool = False
    simulator_faults: Path | None = None  # fault rules (docs/simulator.md) from the start
    simulator_clock_offset: float = 0.0  # its clock this far ahead of ours: simulated skew
    # Transport
    transport: Literal["stdio", "http"] = "stdio"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    http: HttpSettings = field(default_factory=HttpSettings)  # auth, limits, operations (config_http.py)
    principal: str | None = None  # HTTP: the authenticated principal this copy acts for (audit records)

    @property
    def use_simulator(self) -> bool:
        """No CloudStack configured: run against the built-in simulator."""
        return not self.endpoint

    @property
    def user(self) -> str:
        """Who we act as, for cache keys and audit records (API key or user name; never a secret)."""
        if self.api_key:
            return f"key:{self.api_key}"
        if self.username:
            return f"user:{self.domain.rstrip('/')}/{self.username}"
        return "anonymous"

    @property
    def auth_mode(self) -> Literal["keys", "login", "none"]:
        if self.api_key and self.secret_key:
            return "keys"
        if self.username and self.password:
            return "login"
        return "none"

    def with_connection(self, **changes: Any) -> Settings:
        """A copy with other connection values (used when the built-in simulator provides them)."""
        return replace(self, **changes)


def _read_ini(paths: list[Path], section: str | None, explicit: Path | None) -> tuple[dict[str, str], str | None]:
    """Values of the chosen section over every existing file (later files win) and a description of the source."""
    if explicit is not None and not explicit.is_file():
        raise ConfigError(
            f"CLOUDSTACK_CONFIG names {explicit}, which does not exist: fix the path or unset CLOUDSTACK_CONFIG"
        )
    existing = [p for p in paths if p.is_file()]
    if not existing:
        if section:
            raise ConfigError(
                f"region {section!r} was asked for (CLOUDSTACK_REGION or --region) but there is no "
                f"cloudstack.ini (looked at {', '.join(str(p) for p in paths)})"
            )
        return {}, None
    parser = configparser.ConfigParser(interpolation=None)
    for path in existing:
        try:
            with path.open(encoding="utf-8") as fh:
                parser.read_file(fh, source=str(path))
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"cannot read {path}: {exc}. It must be an ini file with a [cloudstack] section "
                "(endpoint = https://host/client/api, key = ..., secret = ...)"
            ) from exc
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    where = ", ".join(str(p) for p in existing)
    if section is None:
        if not parser.has_section("cloudstack"):
            return {}, None
        section = "cloudstack"
    elif not parser.has_section(section):
        found = ", ".join(parser.sections()) or "none"
        raise ConfigError(
            f"region {section!r} (CLOUDSTACK_REGION or --region) has no [{section}] section in {where} "
            f"(sections found: {found})"
        )
    values = {k.lower(): v for k, v in parser.items(section) if k.lower() in _INI_KEYS and v != ""}
    return values, f"{where} [{section}]"


def _normalise_endpoint(url: str, source: str) -> str:
    raw = url.strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"endpoint {raw!r} (from {source}) is not a URL: use http(s)://HOST[:PORT]/client/api, "
            "e.g. https://cloud.example.com/client/api"
        )
    try:
        _ = parts.port
    except ValueError as exc:
        raise ConfigError(f"endpoint {raw!r} (from {source}) has a bad port: {exc}") from exc
    path = parts.path
    if path in ("", "/"):
        path = "/client/api"  # the usual mistake: the management server's base URL
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _number(value: Any, name: str, kind: type[int] | type[float], minimum: float) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r} is not a number") from None
    if number < minimum:
        raise ConfigError(f"{name}={value!r} must be at least {minimum}")
    return number


def _connection(
    flags: Mapping[str, Any], env: Mapping[str, str], home: Path, cwd: Path
) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge ini < env < flags for the connection keys; also say where each value came from."""
    region = flags.get("region") or env.get("CLOUDSTACK_REGION") or None
    explicit = Path(os.path.expanduser(env["CLOUDSTACK_CONFIG"])) if env.get("CLOUDSTACK_CONFIG") else None
    paths = [home / ".cloudstack.ini", cwd / "cloudstack.ini"] + ([explicit] if explicit else [])
    ini, ini_source = _read_ini(paths, region, explicit)
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for key, value in ini.items():
        values[key] = value
        origin[key] = f"{ini_source} key {key!r}"
    for key, names in _CONNECTION_ENV.items():
        for name in names:
            if env.get(name):
                values[key] = env[name]
                origin[key] = f"environment variable {name}"
                break
    for key in _INI_KEYS:
        flag = flags.get(key)
        if flag not in (None, ""):
            values[key] = flag
            origin[key] = f"--{key.replace('_', '-')}"
    values["region"] = region
    return values, origin


def connection_sources(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    home: Path | None = None,
    cwd: Path | None = None,
) -> dict[str, str]:
    """Where each connection value comes from (`doctor`): key -> "environment variable CLOUDSTACK_KEY",
    "~/.cloudstack.ini [cloudstack] key 'key'", "--endpoint". Never the values themselves."""
    env = dict(os.environ if env is None else env)
    home = home or Path(env.get("HOME") or Path.home())
    return _connection(dict(flags or {}), env, home, cwd or Path.cwd())[1]


def _check_credentials(values: Mapping[str, Any], origin: Mapping[str, str]) -> None:
    has = {k: bool(values.get(k)) for k in ("endpoint", "key", "secret", "username", "password")}
    if has["key"] != has["secret"]:
        present, missing = ("key", "secret") if has["key"] else ("secret", "key")
        raise ConfigError(
            f"the API {present} is set ({origin[present]}) but the API {missing} is not: set both "
            f"(CLOUDSTACK_KEY and CLOUDSTACK_SECRET, or key/secret in cloudstack.ini), or neither"
        )
    if has["username"] != has["password"]:
        present, missing = ("username", "password") if has["username"] else ("password", "username")
        raise ConfigError(
            f"the {present} is set ({origin[present]}) but the {missing} is not: set CLOUDSTACK_USERNAME "
            "and CLOUDSTACK_PASSWORD together (or username/password in cloudstack.ini)"
        )
    if not has["endpoint"] and (has["key"] or has["username"]):
        what = "key" if has["key"] else "username"
        raise ConfigError(
            f"credentials are set ({origin[what]}) but no endpoint: set CLOUDSTACK_ENDPOINT "
            "(e.g. https://cloud.example.com/client/api) or endpoint in cloudstack.ini"
        )
    if has["endpoint"] and not (has["key"] or has["username"]):
        raise ConfigError(
            f"the endpoint is set ({origin['endpoint']}) but no credentials: set CLOUDSTACK_KEY and "
            "CLOUDSTACK_SECRET (API keys from the CloudStack UI, Profile > Generate keys), or "
            "CLOUDSTACK_USERNAME and CLOUDSTACK_PASSWORD"
        )


def _option(flags: Mapping[str, Any], env: Mapping[str, str], name: str) -> Any:
    value = flags.get(name)
    if value not in (None, (), []):
        return value
    var = _OPTION_ENV.get(name)
    return env.get(var) if var and env.get(var) not in (None, "") else None


def _safety_options(flags: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """--confirm-mode, --confirm-level, --audit-log, --no-audit-required (or their CLOUDSTACK_MCP_* variables)."""
    out: dict[str, Any] = {}
    mode = _option(flags, env, "confirm_mode")
    if mode is not None:
        mode = str(mode).strip().lower()
        if mode not in CONFIRM_MODES:
            raise ConfigError(
                f"--confirm-mode {mode!r} (or CLOUDSTACK_MCP_CONFIRM_MODE): use phrase (default), deny or allow"
            )
        out["confirm_mode"] = mode
    level = _option(flags, env, "confirm_level")
    if level is not None:
        try:
            out["confirm_level"] = Severity.parse(str(level))
        except ValueError as exc:
            raise ConfigError(f"--confirm-level (or CLOUDSTACK_MCP_CONFIRM_LEVEL): {exc}") from None
        if out["confirm_level"] == Severity.NONE:
            raise ConfigError("--confirm-level none would confirm every read: use low, medium, high or critical")
    audit = _option(flags, env, "audit_log")
    if audit is None:
        out["audit_log"] = default_audit_path(env)
    else:
        out["audit_log"] = None if is_disabled(audit) else Path(os.path.expanduser(str(audit)))
    required = _option(flags, env, "audit_required")
    if required is not None:
        out["audit_required"] = parse_bool(required, name="CLOUDSTACK_MCP_AUDIT_REQUIRED")
    via = _option(flags, env, "confirm_via")
    if via is not None:
        via = str(via).strip().lower()
        if via not in CONFIRM_VIAS:
            raise ConfigError(
                f"--confirm-via {via!r} (or CLOUDSTACK_MCP_CONFIRM_VIA): use auto (default), elicitation or phrase"
            )
        out["confirm_via"] = via
    key_file = _option(flags, env, "confirm_key_file")
    out["confirm_key_file"] = (
        Path(os.path.expanduser(str(key_file))) if key_file is not None else default_confirm_key_path(env)
    )
    if env.get("CLOUDSTACK_MCP_CONFIRM_KEY"):
        out["confirm_key"] = env["CLOUDSTACK_MCP_CONFIRM_KEY"]
    return out


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    home: Path | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve the settings; raises ConfigError with a fix-it message on anything that cannot work.

    `flags` holds command-line values by setting name (None = not given); `env` defaults to os.environ.
    """
    flags = dict(flags or {})
    env = dict(os.environ if env is None else env)
    home = home or Path(env.get("HOME") or Path.home())
    cwd = cwd or Path.cwd()
    values, origin = _connection(flags, env, home, cwd)
    _check_credentials(values, origin)

    kwargs: dict[str, Any] = {}
    if values.get("endpoint"):
        kwargs["endpoint"] = _normalise_endpoint(str(values["endpoint"]), origin["endpoint"])
        kwargs["source"] = origin["endpoint"]
    for key, target in (("key", "api_key"), ("secret", "secret_key"), ("username", "username")):
        if values.get(key):
            kwargs[target] = str(values[key]).strip()
    if values.get("password"):
        kwargs["password"] = str(values["password"])
    if values.get("domain"):
        domain = str(values["domain"]).strip()
        kwargs["domain"] = domain if domain.startswith("/") else "/" + domain
    kwargs["region"] = values.get("region")
    if values.get("timeout") is not None:
        kwargs["timeout"] = _number(values["timeout"], f"timeout ({origin['timeout']})", float, 0.1)
    if values.get("expiration") is not None:
        kwargs["expiration"] = _number(values["expiration"], f"expiration ({origin['expiration']})", int, 1)
    if values.get("method"):
        method = str(values["method"]).strip().lower()
        if method not in ("auto", "get", "post"):
            raise ConfigError(f"method={values['method']!r} ({origin['method']}): use get, post or auto")
        kwargs["method"] = method
    verify: bool | str = True
    if values.get("verify") is not None:
        text = str(values["verify"]).strip()
        try:
            verify = parse_bool(text, name=f"verify ({origin['verify']})")
        except ConfigError:
            if not Path(os.path.expanduser(text)).is_file():
                raise ConfigError(
                    f"verify={text!r} ({origin['verify']}) is neither true/false nor an existing CA bundle file"
                ) from None
            verify = os.path.expanduser(text)
    if values.get("dangerous_no_tls_verify") is not None and parse_bool(
        values["dangerous_no_tls_verify"], name="dangerous_no_tls_verify"
    ):
        verify = False
    kwargs["verify"] = verify

    # Server options
    for name in ("toolsets", "tools", "exclude_tools", "allow_tools", "deny_tools"):
        kwargs[name] = split_list(_option(flags, env, name))
    read_only = _option(flags, env, "read_only")
    kwargs["read_only"] = parse_bool(read_only, name="CLOUDSTACK_MCP_READ_ONLY") if read_only is not None else False
    kwargs.update(_safety_options(flags, env))
    spec = _option(flags, env, "api_spec")
    if spec:
        path = Path(os.path.expanduser(str(spec)))
        if not path.is_file():
            raise ConfigError(f"--api-spec {spec}: no such file (give a listApis JSON file)")
        kwargs["api_spec"] = path
    cache_dir = _option(flags, env, "cache_dir")
    kwargs["cache_dir"] = Path(os.path.expanduser(str(cache_dir))) if cache_dir else default_cache_dir(env)
    kwargs["refresh_catalog"] = bool(flags.get("refresh_catalog"))
    if (timeout := _option(flags, env, "job_timeout")) is not None:
        kwargs["job_timeout"] = _number(timeout, "--job-timeout", float, 0)
    if (pages := _option(flags, env, "max_pages")) is not None:
        kwargs["max_pages"] = _number(pages, "--max-pages", int, 1)
    if (output := _option(flags, env, "output")) is not None:
        kwargs["output"] = str(output).strip().lower()
        if kwargs["output"] not in ("text", "json", "both"):
            raise ConfigError(f"--output {output!r} (or CLOUDSTACK_MCP_OUTPUT): use text (default), json or both")
    for name, kind, minimum in (
        ("poll_interval", float, 0.001),
        ("http_port", int, 0),
        ("connect_timeout", float, 0.1),
        ("retries", int, 0),
        ("retry_backoff", float, 0),
    ):
        if (value := _option(flags, env, name)) is not None:
            kwargs[name] = _number(value, f"--{name.replace('_', '-')}", kind, minimum)
    state = _option(flags, env, "simulator_state")
    if state is None:
        kwargs["simulator_state"] = default_audit_path(env).parent
    elif not is_disabled(state):
        kwargs["simulator_state"] = Path(os.path.expanduser(str(state)))
    kwargs["simulator_reset"] = bool(flags.get("simulator_reset"))
    if faults := _option(flags, env, "simulator_faults"):
        path = Path(os.path.expanduser(str(faults)))
        if not path.is_file():
            raise ConfigError(f"--simulator-faults {faults}: no such file (give a JSON file of fault rules)")
        kwargs["simulator_faults"] = path
    if (offset := _option(flags, env, "simulator_clock_offset")) is not None:
        kwargs["simulator_clock_offset"] = _number(offset, "--simulator-clock-offset", float, -1e9)
    if flags.get("transport"):
        if flags["transport"] not in ("stdio", "http"):
            raise ConfigError(f"--transport {flags['transport']!r}: use stdio or http")
        kwargs["transport"] = flags["transport"]
    if flags.get("http_host"):
        kwargs["http_host"] = str(flags["http_host"])
    kwargs["http"] = load_http_settings(flags, env)
    return Settings(**kwargs)
