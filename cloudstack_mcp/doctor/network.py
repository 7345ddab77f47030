"""doctor's network checks: the endpoint's name resolves, its port accepts connections, TLS with the CA in use."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from urllib.parse import urlsplit

from cloudstack_mcp.config import Settings
from cloudstack_mcp.doctor.model import Check, Status

__all__ = ["network_checks"]

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


async def network_checks(settings: Settings) -> list[Check]:
    url = urlsplit(settings.endpoint or "")
    host = url.hostname or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    timeout = min(settings.connect_timeout, settings.timeout)
    checks: list[Check] = []
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
    except (OSError, asyncio.TimeoutError) as exc:
        return [
            Check(
                "dns",
                "fail",
                f"{host!r} does not resolve ({getattr(exc, 'strerror', None) or type(exc).__name__})",
                "check the host name in the endpoint (CLOUDSTACK_ENDPOINT / endpoint in cloudstack.ini), or this "
                "machine's DNS (`getent hosts NAME`)",
            )
        ]
    addresses = sorted({info[4][0] for info in infos})
    checks.append(Check("dns", "ok", f"{host} -> {', '.join(addresses)}"))
    context: ssl.SSLContext | None = None
    if url.scheme == "https":
        context = _tls_context(settings.verify)
    started = time.perf_counter()
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    except (OSError, asyncio.TimeoutError) as exc:
        why = "timed out" if isinstance(exc, asyncio.TimeoutError) else (exc.strerror or str(exc))
        checks.append(
            Check(
                "tcp",
                "fail",
                f"cannot connect to {host}:{port}: {why}",
                "is the management server running (`systemctl status cloudstack-management`) and is the port "
                "right (8080 for http, 8443 or 443 for https behind a proxy)? A firewall between here and there "
                "shows as a timeout.",
            )
        )
        return checks
    checks.append(
        Check("tcp", "ok", f"{host}:{port} accepts connections ({(time.perf_counter() - started) * 1000:.0f} ms)")
    )
    if context is None:
        if host not in _LOOPBACK:
            checks.append(
                Check(
                    "tls",
                    "warn",
                    "plain http to another machine: requests are signed, but answers (keys included) travel in clear",
                    "use the https endpoint of the management server (or of its proxy)",
                )
            )
        return checks
    ca = _ca_in_use(settings.verify)
    try:
        _r, w = await asyncio.wait_for(asyncio.open_connection(host, port, ssl=context, server_hostname=host), timeout)
        w.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await w.wait_closed()
    except ssl.SSLCertVerificationError as exc:
        checks.append(
            Check(
                "tls",
                "fail",
                f"the server's certificate is not trusted: {exc.verify_message} (CA in use: {ca})",
                "give the CA that signed it: CLOUDSTACK_VERIFY=/path/to/ca.pem (verify in cloudstack.ini)",
            )
        )
        return checks
    except (OSError, ssl.SSLError, asyncio.TimeoutError) as exc:
        checks.append(Check("tls", "fail", f"TLS handshake with {host}:{port} failed: {exc}", "is this port TLS?"))
        return checks
    status: Status = "warn" if settings.verify is False else "ok"
    fix = "turn verification back on and give the CA with CLOUDSTACK_VERIFY=/path/to/ca.pem" if status == "warn" else ""
    checks.append(Check("tls", status, f"TLS handshake ok (CA in use: {ca})", fix))
    return checks


def _tls_context(verify: bool | str) -> ssl.SSLContext:
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return ssl.create_default_context(cafile=_default_bundle())


def _default_bundle() -> str | None:
    try:
        import certifi  # what the HTTP client trusts by default, when installed
    except ImportError:
        return None
    return str(certifi.where())


def _ca_in_use(verify: bool | str) -> str:
    if verify is False:
        return "none: verification is OFF"
    if isinstance(verify, str):
        return verify
    bundle = _default_bundle()
    if bundle:
        return f"the default bundle {bundle}"
    paths = ssl.get_default_verify_paths()
    return f"the system store {paths.cafile or paths.capath}"
