"""Waiting for async jobs: poll `queryAsyncJobResult` with backoff, report progress, stop at a timeout."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.cloudstack.retry import RETRYABLE_API_CODES
from cloudstack_mcp.errors import ApiError, TransportError

__all__ = ["JobOutcome", "follow_hint", "job_error", "wait_for_job"]

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], Awaitable[None]]
_STATUS = {0: "running", 1: "succeeded", 2: "failed", 3: "cancelled"}
_MAX_POLL_FAILURES = 3


@dataclass(frozen=True, slots=True)
class JobOutcome:
    jobid: str
    status: Literal["running", "succeeded", "failed", "cancelled"]
    body: dict[str, Any]  # the last queryAsyncJobResult answer
    elapsed: float
    polls: int

    @property
    def result(self) -> Any:
        """The command's own answer (`jobresult`), when the job succeeded."""
        return self.body.get("jobresult")


def follow_hint(jobid: str) -> str:
    return f"follow it with query_async_job_result(jobid={jobid!r})"


def job_error(body: dict[str, Any]) -> tuple[int, str]:
    """(error code, error text) of a failed job, from `jobresult` or `jobresultcode`."""
    result = body.get("jobresult")
    code, text = body.get("jobresultcode"), None
    if isinstance(result, dict):
        code = result.get("errorcode", code)
        text = result.get("errortext")
    elif isinstance(result, str):
        text = result
    try:
        number = int(code) if code is not None else 530
    except (TypeError, ValueError):
        number = 530
    return number, str(text or "the job failed without an error text")


async def wait_for_job(
    client: CloudStackClient,
    jobid: str,
    *,
    timeout: float,
    first_delay: float = 0.2,
    max_delay: float = 5.0,
    progress: ProgressFn | None = None,
) -> JobOutcome:
    """Poll until the job ends or `timeout` seconds pass (then status is "running")."""
    start = time.monotonic()
    delay = first_delay
    polls = failures = 0
    body: dict[str, Any] = {"jobid": jobid, "jobstatus": 0}
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= timeout:
            return JobOutcome(jobid, "running", body, elapsed, polls)
        await client.sleep(min(delay, max(0.0, timeout - elapsed)))
        delay = min(delay * 1.5, max_delay)
        try:
            answer = await client.call("queryAsyncJobResult", {"jobid": jobid}, idempotent=True)
            failures = 0
        except (TransportError, ApiError) as exc:
            if isinstance(exc, ApiError) and exc.code not in RETRYABLE_API_CODES:
                raise
            failures += 1
            if failures >= _MAX_POLL_FAILURES:
                raise  # the pipeline reports it with the job id and how to follow it (render.failures.unknown_outcome_text)
            log.info("polling job %s failed (%s); trying again", jobid, exc)
            continue
        polls += 1
        body = answer if isinstance(answer, dict) else {"jobid": jobid, "jobstatus": 0}
        try:
            state = _STATUS.get(int(body.get("jobstatus", 0)), "running")
        except (TypeError, ValueError):
            state = "running"
        elapsed = time.monotonic() - start
        if state != "running":
            return JobOutcome(jobid, state, body, elapsed, polls)  # type: ignore[arg-type]
        if progress is not None:
            detail = f", step {body['jobprocstatus']}" if body.get("jobprocstatus") else ""
            await progress(float(polls), f"job {jobid} running for {elapsed:.1f} s{detail}")
