"""`cloudstack-mcp doctor`: check a set-up end to end and say how to fix what is wrong.

In order, each step only when the ones it needs passed: where the configuration comes from (values
masked); the endpoint reachable (DNS, TCP, TLS with the CA in use); a signed call (which user,
account and role); clock skew against the server's `Date` header; the API catalog (count for the
role, age of the cache); the active profile (tool count, tokens of tools/list); the audit log (path,
writable); the confirmation route. Exit code 0 when nothing failed (warnings allowed), 1 otherwise.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import asdict
from typing import Any

from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.cloudstack.clock import server_clock_offset
from cloudstack_mcp.config import Settings, connection_sources
from cloudstack_mcp.doctor.model import Check, Status, mask
from cloudstack_mcp.doctor.network import network_checks
from cloudstack_mcp.errors import CloudStackMcpError

__all__ = ["Check", "exit_code", "mask", "render_json", "render_text", "run_doctor"]

_SKEW_NOTABLE = 30.0  # seconds of clock difference worth a warning


def _config(settings: Settings, sources: Mapping[str, str]) -> Check:
    d: dict[str, Any] = {}
    if settings.use_simulator:
        where = settings.simulator_state or "memory (--simulator-state off)"
        return Check(
            "configuration",
            "ok",
            "no CloudStack configured: the built-in simulator (made-up data, root admin)",
            details={
                "simulator state": str(where),
                "looked for": "CLOUDSTACK_ENDPOINT, ~/.cloudstack.ini, ./cloudstack.ini, $CLOUDSTACK_CONFIG",
            },
        )
    d["endpoint"] = f"{settings.endpoint} ({sources.get('endpoint', settings.source)})"
    if settings.auth_mode == "keys":
        d["api key"] = f"{mask(settings.api_key)} ({sources.get('key', '?')})"
        d["secret key"] = f"set, {len(settings.secret_key or '')} chars, never shown ({sources.get('secret', '?')})"
    elif settings.auth_mode == "login":
        d["login"] = f"user {settings.username} in domain {settings.domain} ({sources.get('username', '?')})"
        d["password"] = f"set, never shown ({sources.get('password', '?')})"
    if settings.region:
        d["region"] = settings.region
    d["tls verify"] = {True: "on", False: "OFF"}.get(settings.verify, f"CA bundle {settings.verify}")  # type: ignore[call-overload]
    d["signature expiry"] = f"{settings.expiration} s"
    if settings.auth_mode == "none":
        return Check(
            "configuration",
            "fail",
            f"an endpoint ({settings.endpoint}) but no credentials",
            "set CLOUDSTACK_KEY and CLOUDSTACK_SECRET (or key/secret in cloudstack.ini), or CLOUDSTACK_USERNAME "
            "and CLOUDSTACK_PASSWORD",
            d,
        )
    return Check("configuration", "ok", f"CloudStack at {settings.endpoint} ({settings.auth_mode})", details=d)


async def _signed_call(client: CloudStackClient, settings: Settings) -> tuple[list[Check], bool]:
    """The signed call (or the login and a call in its session) and the clock check; True when calls work."""
    if settings.auth_mode == "login":
        try:
            await client.login()
        except CloudStackMcpError as exc:
            fix = (
                "check CLOUDSTACK_USERNAME, CLOUDSTACK_PASSWORD and CLOUDSTACK_DOMAIN (the user's domain path, "
                "e.g. /Engineering; / for ROOT), and that user and account are enabled"
            )
            return [Check("login", "fail", str(exc), fix)], False
    request = client.prepare("listCapabilities")
    try:
        raw = await client.send(request)
    except CloudStackMcpError as exc:
        return [Check("signed call", "fail", str(exc), "see the network checks above")], False
    offset = server_clock_offset(raw)
    checks: list[Check] = []
    ok = raw.status_code == 200 and "listcapabilitiesresponse" in raw.text[:200]
    if not ok:
        try:  # the client's own explanation (a 401 gets the keys-or-clock diagnosis)
            await client.call("listCapabilities", idempotent=True)
            text = f"HTTP {raw.status_code}"
        except CloudStackMcpError as exc:
            text = str(exc)
        fix = _fix_for(raw.status_code, text, settings)
        checks.append(Check("signed call", "fail", text, fix))
    else:
        version = raw.json()["listcapabilitiesresponse"].get("capability", {}).get("cloudstackversion", "?")
        who = await _who(client, settings)
        how = "call in a login session" if settings.auth_mode == "login" else "signed call"
        checks.append(Check("signed call", "ok", f"CloudStack {version}; {how} as {who}"))
        if settings.auth_mode == "keys":
            checks.append(await _key_rules(client, settings))
    checks.append(_clock(offset, settings))
    return checks, ok


async def _key_rules(client: CloudStackClient, settings: Settings) -> Check:
    """The rules of the API key pair in use, where the server lists them (4.23: listUserKeys)."""
    try:
        answer = await client.call("listUserKeys", idempotent=True)
    except CloudStackMcpError:
        return Check("api key", "skip", "the server lists no key pairs (listUserKeys: 4.23+): the user's role applies")
    pairs = answer.get("userapikey", []) if isinstance(answer, dict) else []
    pair = next((p for p in pairs if p.get("apikey") == settings.api_key), None)
    if pair is None:
        return Check("api key", "ok", "the user's own keys: no rules of their own, the user's role applies")
    rules = [f"{r.get('permission')} {r.get('rule')}" for r in pair.get("permissions") or []]
    dates = " to ".join(str(pair.get(k)) for k in ("startdate", "enddate") if pair.get(k))
    summary = f"key pair {pair.get('name')!r}: " + (", ".join(rules) if rules else "no rules") + "; others denied"
    details = {"valid": dates} if dates else {}
    return Check("api key", "ok", summary, details=details)


def _fix_for(status: int, text: str, settings: Settings) -> str:
    if status == 401:
        if "clocks disagree" in text:
            return "synchronise this machine's clock (NTP: `timedatectl status`, `chronyc tracking`)"
        return "generate a fresh key pair for the user (UI: Profile > Generate keys) and set CLOUDSTACK_KEY/SECRET"
    if status in (404, 405) or "not a CloudStack" in text or status >= 300:
        return (
            f"{settings.endpoint} does not look like a CloudStack API: the endpoint is usually "
            "http://HOST:8080/client/api or https://HOST/client/api"
        )
    return "see the message; `cloudstack-mcp call list_zones --log-level debug` shows the exchange"


async def _who(client: CloudStackClient, settings: Settings) -> str:
    try:
        answer = await client.call("listUsers", idempotent=True)
    except CloudStackMcpError as exc:
        return f"an unknown user (listUsers: {exc})"
    users = answer.get("user", []) if isinstance(answer, dict) else []
    me = next((u for u in users if settings.api_key and u.get("apikey") == settings.api_key), None)
    me = me or next((u for u in users if settings.username and u.get("username") == settings.username), None)
    me = me or (users[0] if len(users) == 1 else None)
    if me is None:
        return "a user listUsers does not single out"
    return (
        f"user {me.get('username')} of account {me.get('account')} in domain {me.get('domain')}, role "
        f"{me.get('rolename') or '?'} ({me.get('roletype') or me.get('accounttype')})"
    )


def _clock(offset: float | None, settings: Settings) -> Check:
    if offset is None:
        return Check("clock", "skip", "the server sent no Date header: skew cannot be measured")
    way = "ahead of" if offset > 0 else "behind"
    text = f"the server's clock is {abs(offset):.0f} s {way} this machine's (Date header)"
    if abs(offset) < _SKEW_NOTABLE:
        return Check("clock", "ok", f"clocks agree within {_SKEW_NOTABLE:.0f} s ({offset:+.1f} s)")
    fix = "synchronise this machine's clock (NTP: `timedatectl status`, `chronyc tracking`)"
    if offset >= settings.expiration:
        return Check(
            "clock",
            "fail",
            f"{text}: every signed request has expired ({settings.expiration} s) by the time it arrives",
            fix + f"; as a stopgap raise CLOUDSTACK_EXPIRATION above {offset:.0f}",
        )
    return Check("clock", "warn", text, fix)


async def _app_checks(settings: Settings, live_api_count: int | None, catalog: Any = None) -> list[Check]:
    from cloudstack_mcp.catalog.loader import cache_file
    from cloudstack_mcp.server.app import open_app
    from cloudstack_mcp.tools.budget import listing_bytes

    checks: list[Check] = []
    async with open_app(settings, stderr=io.StringIO(), catalog=catalog) as app:
        source = app.catalog.source or "listApis"
        detail: dict[str, Any] = {"source": source}
        status: Status = "ok"
        fix = ""
        summary = f"{len(app.catalog)} APIs for this role ({source})"
        path = cache_file(settings)
        if catalog is not None:
            summary = f"{len(app.catalog)} APIs ({'built-in API' if source == 'builtin' else source}) of the simulator"
        elif settings.api_spec is None and path.exists():
            age = time.time() - path.stat().st_mtime
            detail["cache"] = f"{path} ({_age(age)} old)"
            summary += f"; cached {_age(age)} ago"
            if live_api_count is not None and live_api_count != len(app.catalog):
                status, fix = "warn", "run `cloudstack-mcp sync` (the server's API changed since the cache was made)"
                summary += f", but the server now lists {live_api_count}"
        checks.append(Check("catalog", status, summary, fix, detail))
        size = listing_bytes(app.inventory.listing().tools)
        profile = ",".join(settings.toolsets) or "default"
        checks.append(
            Check(
                "profile",
                "ok",
                f"--toolsets {profile}: {len(app.inventory)} tools, tools/list {size:,} bytes (~{size // 4:,} tokens)",
            )
        )
    checks.append(_audit(settings))
    checks.append(_confirmation(settings))
    return checks


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def _audit(settings: Settings) -> Check:
    path = settings.audit_log
    if path is None:
        return Check("audit log", "warn", "off (--audit-log off): changes are not recorded", "drop --audit-log off")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        then = "changes are refused" if settings.audit_required else "changes run unrecorded"
        return Check(
            "audit log",
            "fail" if settings.audit_required else "warn",
            f"{path} is not writable ({exc.strerror or exc}): {then}",
            "fix the directory's permissions or point --audit-log (CLOUDSTACK_MCP_AUDIT_LOG) at a writable file",
        )
    return Check("audit log", "ok", f"{path} (writable)")


def _confirmation(settings: Settings) -> Check:
    level = getattr(settings.confirm_level, "name", str(settings.confirm_level)).lower()
    mode = settings.confirm_mode
    via = getattr(settings, "confirm_via", None)
    route = f"calls of severity {level} and above ask the user through MCP elicitation when the client supports it"
    fallback = {
        "phrase": "otherwise the call returns a phrase to pass back as `confirm`",
        "deny": "otherwise they are refused",
        "allow": "otherwise they RUN WITHOUT ASKING (still audited)",
    }.get(mode, mode)
    text = f"{route}; {fallback}" + (f" (--confirm-via {via})" if via else "")
    if mode == "allow":
        return Check("confirmation", "warn", text, "use --confirm-mode phrase (the default) or deny")
    return Check("confirmation", "ok", text)


@contextlib.asynccontextmanager
async def _target(settings: Settings) -> AsyncIterator[tuple[Settings, Any]]:
    """The settings to check and, with nothing configured, the embedded simulator's catalog (its
    connection settings as `serve` would use them)."""
    if not settings.use_simulator:
        yield settings, None
        return
    from cloudstack_mcp.simulator import Simulator

    spec = settings.api_spec
    embedded = Simulator(spec=spec, state_dir=settings.simulator_state, faults=settings.simulator_faults)
    embedded.clock_offset = settings.simulator_clock_offset
    with embedded.running(host="127.0.0.1", port=0) as sim:
        admin = sim.credentials["admin"]
        yield (
            settings.with_connection(
                endpoint=sim.endpoint, api_key=admin.api_key, secret_key=admin.secret_key, source="built-in simulator"
            ),
            sim.catalog,
        )


async def run_doctor(settings: Settings, flags: Mapping[str, Any] | None = None) -> list[Check]:
    checks = [_config(settings, connection_sources(flags))]
    if checks[0].status == "fail":
        return checks
    async with _target(settings) as (target, simulated):
        network = await network_checks(target)
        checks += network
        if any(c.status == "fail" for c in network):
            return checks
        async with CloudStackClient(target) as client:
            signed, works = await _signed_call(client, target)
            checks += signed
            if not works:
                return checks
            live = None
            if simulated is None and target.api_spec is None:
                with contextlib.suppress(CloudStackMcpError):
                    answer = await client.call("listApis", idempotent=True)
                    live = int(answer.get("count") or len(answer.get("api", [])))
        try:
            checks += await _app_checks(target, live, simulated)
        except CloudStackMcpError as exc:
            checks.append(Check("catalog", "fail", str(exc), "see the message"))
    return checks


_MARK = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL", "skip": "--  "}


def render_text(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = []
    for c in checks:
        lines.append(f"{_MARK[c.status]}  {c.name:<{width}}  {c.summary}")
        lines += [f"      {'':<{width}}  {k}: {v}" for k, v in c.details.items()]
        if c.fix and c.status in ("fail", "warn"):
            lines.append(f"      {'':<{width}}  fix: {c.fix}")
    failed = [c.name for c in checks if c.status == "fail"]
    warned = [c.name for c in checks if c.status == "warn"]
    if failed:
        lines.append(
            f"\n{len(failed)} problem(s): {', '.join(failed)}" + (f"; warnings: {', '.join(warned)}" if warned else "")
        )
    else:
        lines.append("\nall checks passed" + (f" (warnings: {', '.join(warned)})" if warned else ""))
    return "\n".join(lines)


def render_json(checks: list[Check]) -> str:
    return json.dumps(
        {"ok": not any(c.status == "fail" for c in checks), "checks": [asdict(c) for c in checks]},
        indent=2,
        default=str,
    )


def exit_code(checks: list[Check]) -> int:
    return 1 if any(c.status == "fail" for c in checks) else 0
