"""Operations over HTTP: Prometheus metrics (prometheus_client), /healthz, /readyz, and JSON logs.

Metrics (one registry per server, so tests and several servers in a process do not mix):

- `cloudstack_mcp_tool_calls_total{tool,outcome}`: outcome ok, error, input_required, confirmation
- `cloudstack_mcp_tool_call_seconds{tool}`: latency histogram of tools/call
- `cloudstack_mcp_cloudstack_errors_total{code}`: CloudStack error codes in answers (431, 530, ...)
- `cloudstack_mcp_jobs_in_flight`: calls of async APIs waiting for their job
- `cloudstack_mcp_confirmations_total{route}`: input_required (asked through the client), phrase (asked
  for the typed phrase), declined
- `cloudstack_mcp_http_refusals_total{reason}`: rate, sessions, scope, principal, body
- `cloudstack_mcp_cloudstack_inflight`: requests to the CloudStack endpoint in flight
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["JsonFormatter", "Metrics", "ops_routes"]

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The registry and the instruments; `middleware` is an SDK ServerMiddleware timing every tools/call."""

    def __init__(self, is_async: Callable[[str], Awaitable[bool]] | None = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.calls = Counter(
            "cloudstack_mcp_tool_calls", "tools/call by tool and outcome", ["tool", "outcome"], registry=r
        )
        self.latency = Histogram(
            "cloudstack_mcp_tool_call_seconds", "tools/call latency", ["tool"], buckets=_BUCKETS, registry=r
        )
        self.cs_errors = Counter("cloudstack_mcp_cloudstack_errors", "CloudStack errors by code", ["code"], registry=r)
        self.jobs = Gauge("cloudstack_mcp_jobs_in_flight", "async API calls waiting for their job", registry=r)
        self.confirmations = Counter("cloudstack_mcp_confirmations", "confirmations by route", ["route"], registry=r)
        self.refusals = Counter(
            "cloudstack_mcp_http_refusals", "HTTP requests refused by reason", ["reason"], registry=r
        )
        self.inflight = Gauge("cloudstack_mcp_cloudstack_inflight", "requests in flight to CloudStack", registry=r)
        self.is_async = is_async

    async def middleware(self, ctx: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
        if ctx.method != "tools/call":
            return await call_next(ctx)
        params = ctx.params or {}
        tool = str(params.get("name", ""))[:64]
        waits = (params.get("arguments") or {}).get("wait") is not False
        job = waits and self.is_async is not None and await self.is_async(tool)
        if job:
            self.jobs.inc()
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await call_next(ctx)
            outcome = self.observe(result)
            return result
        finally:
            if job:
                self.jobs.dec()
            self.latency.labels(tool).observe(time.perf_counter() - started)
            self.calls.labels(tool, outcome).inc()

    def observe(self, result: Any) -> str:
        """The outcome of one result (a wire mapping or a model), counting errors and confirmations."""
        wire = result if isinstance(result, Mapping) else _dump(result)
        if wire.get("resultType") == "input_required" or "inputRequests" in wire:
            self.confirmations.labels("input_required").inc()
            return "input_required"
        data = wire.get("structuredContent") or {}
        if isinstance(data, Mapping) and data.get("confirmation_required"):  # an answer, not an error
            self.confirmations.labels("phrase").inc()
            return "confirmation"
        if not wire.get("isError"):
            return "ok"
        if isinstance(data, Mapping):
            if data.get("confirmation") in ("declined", "cancelled", "mismatch"):
                self.confirmations.labels("declined").inc()
            code = data.get("errorcode")
            if code is not None:
                self.cs_errors.labels(str(code)).inc()
        return "error"

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _dump(result: Any) -> Mapping[str, Any]:
    try:
        return result.model_dump(by_alias=True, exclude_none=True)
    except AttributeError:
        return {}


def ops_routes(metrics: Metrics, ready: Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]) -> list[Route]:
    """/healthz (the process answers), /readyz (CloudStack reachable, catalog loaded), /metrics."""

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        ok, detail = await ready()
        return JSONResponse({"status": "ready" if ok else "not ready", **detail}, status_code=200 if ok else 503)

    async def scrape(request: Request) -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", scrape, methods=["GET"]),
    ]


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (already scrubbed by the secret scrubber's
    record factory), exception text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


JsonFormatter.converter = time.gmtime  # type: ignore[assignment]
