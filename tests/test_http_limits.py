"""The limits' arithmetic with an injected clock: the token bucket, sessions idling out of a principal's
count, the audit stream; no network, no waiting."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudstack_mcp.config_http import HttpSettings
from cloudstack_mcp.safety.audit import AuditLog
from cloudstack_mcp.server.auth import Principal
from cloudstack_mcp.server.http import audit_stream
from cloudstack_mcp.server.limits import Gate, TokenBucket
from cloudstack_mcp.server.metrics import Metrics
from cloudstack_mcp.server.principals import tee_audit

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_refills_at_its_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)
    assert [bucket.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a") == pytest.approx(0.5)  # empty: one token in half a second
    assert bucket.take("b") == 0.0  # another principal has its own bucket
    clock.now += 0.5
    assert bucket.take("a") == 0.0
    clock.now += 10
    assert [bucket.take("a") for _ in range(4)][-1] > 0  # refilled to the burst, not beyond


async def _asgi(
    gate: Gate, headers: dict[str, str], method: str = "POST", body: bytes = b"{}"
) -> tuple[int, dict[str, str]]:
    sent: list[dict[str, Any]] = []
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {"type": "http", "method": method, "path": "/mcp", "headers": raw}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await gate(scope, receive, send)
    start = sent[0]
    return start["status"], {k.decode(): v.decode() for k, v in start.get("headers", [])}


async def test_sessions_idle_out_of_the_principals_count() -> None:
    clock = Clock()
    counter = iter(range(100))

    async def sdk(scope: Any, receive: Any, send: Any) -> None:  # stands in for the session manager
        await receive()
        sid = scope["headers"] and dict(scope["headers"]).get(b"mcp-session-id")
        status, headers = (200, [(b"mcp-session-id", f"s{next(counter)}".encode())]) if not sid else (200, [])
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def never(principal: Principal, tool: str, args: dict[str, Any]) -> bool:
        return False

    http = HttpSettings(sessions_per_principal=2, session_idle_timeout=60, rate_limit=0)
    gate = Gate(sdk, http, Metrics(), known=lambda p: True, changes=never, clock=clock)
    assert [(await _asgi(gate, {}))[0] for _ in range(3)] == [200, 200, 429]
    clock.now += 30
    assert (await _asgi(gate, {"mcp-session-id": "s0"}))[0] == 200  # s0 is in use, s1 is not
    clock.now += 40  # s1 idle 70 s: gone; s0 idle 40 s: still open
    assert gate.open_sessions("local") == 1
    assert (await _asgi(gate, {}))[0] == 200
    assert (await _asgi(gate, {}))[0] == 429


def test_audit_stream_gets_every_record_masked(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    audit.scrubber.remember("s3cr3t-value-123456")
    tee_audit(audit, audit_stream("stdout"))
    audit.write({"api": "deployVirtualMachine", "note": "password s3cr3t-value-123456"})
    line = capsys.readouterr().out.strip()
    assert json.loads(line)["api"] == "deployVirtualMachine" and "s3cr3t-value-123456" not in line
    assert "s3cr3t-value-123456" not in (tmp_path / "audit.jsonl").read_text()
    assert audit_stream("none") is None
    assert callable(audit_stream("syslog"))  # /dev/log, or UDP to 127.0.0.1:514


async def test_cloudstack_requests_in_flight_are_capped() -> None:
    import anyio
    import httpx2

    from cloudstack_mcp.server.limits import LimitedTransport

    now = peak = 0

    async def endpoint(request: httpx2.Request) -> httpx2.Response:
        nonlocal now, peak
        now += 1
        peak = max(peak, now)
        await anyio.sleep(0.02)
        now -= 1
        return httpx2.Response(200, json={})

    metrics = Metrics()
    transport = LimitedTransport(3, metrics, inner=httpx2.MockTransport(endpoint))
    async with httpx2.AsyncClient(transport=transport) as client, anyio.create_task_group() as tg:
        for _ in range(12):
            tg.start_soon(client.get, "http://127.0.0.1:1/client/api")
    assert peak == 3  # a burst of 12 waits for its turn, three at a time
    assert metrics.registry.get_sample_value("cloudstack_mcp_cloudstack_inflight") == 0
