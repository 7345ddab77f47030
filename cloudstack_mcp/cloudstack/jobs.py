"""Waiting for async jobs: poll `queryAsyncJobResult` on a schedule that follows the job's age, report
progress with the elapsed time, stop at a timeout."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.cloudstack.retry import RETRYABLE_API_CODES
from cloudstack_mcp.errors import ApiError, TransportError

__all__ = ["POLL_SHARE", "JobOutcome", "Status", "follow_hint", "job_error", "job_status", "poll_gap", "wait_for_job"]

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], Awaitable[None]]
_STATUS = {0: "running", 1: "succeeded", 2: "failed", 3: "cancelled"}
_MAX_POLL_FAILURES = 3
# The gap between polls grows to this share of the job's age. The promise is an answer at most 10% of the
# job's time (or 0.5 s) after its end; 9% (and a 0.45 s floor) leaves a tenth of it for the poll's own
# round trip and the answer's way back to the client.
POLL_SHARE = 0.09
Status = Literal["running", "succeeded", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class JobOutcome:
    jobid: str
    status: Status
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


def poll_gap(age: float, *, floor: float, ceiling: float, share: float = POLL_SHARE) -> float:
    """Seconds from one poll of a job `age` seconds old to the next: max(floor, share x age), at most `ceiling`.

    A job that ends just after a poll is seen at the next one, so this gap (plus one poll's round trip)
    is the most a job's answer can lag behind its end: 0.45 s for short jobs, 9% of a long job's time
    at the defaults, within the promised max(0.5 s, 10%). Polls per job: one per `floor` for the first
    floor/share seconds (5 s at the defaults: 11 polls), then one per 9% of growth (ln(T/5)/ln(1.09):
    +21 polls to 30 s, +47 to 300 s; from 45 s on the gaps are capped at `ceiling`, 5 s by default).
    """
    return max(0.0, min(ceiling, max(floor, share * age)))


async def wait_for_job(
    client: CloudStackClient,
    jobid: str,
    *,
    timeout: float,
    first_delay: float = 0.45,
    max_delay: float = 5.0,
    share: float = POLL_SHARE,
    age: float = 0.0,
    progress: ProgressFn | None = None,
    on_poll: Callable[[dict[str, Any]], None] | None = None,
) -> JobOutcome:
    """Poll until the job ends or `timeout` seconds pass (then status is "running").

    The gap between polls is `poll_gap` of the job's age (`age` seconds old when this starts), from
    `first_delay` (the shortest gap) up to `max_delay`; the last poll's round trip is taken off the
    next gap, so the time from a job's end to its answer stays within the gap. `on_poll(body)` sees each
    answer; `progress(elapsed, message)` is awaited after each poll that finds the job running.
    """
    start = time.monotonic()
    polls = failures = 0
    rtt = 0.0
    body: dict[str, Any] = {"jobid": jobid, "jobstatus": 0}
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= timeout:
            return JobOutcome(jobid, "running", body, elapsed, polls)
        gap = poll_gap(age + elapsed, floor=first_delay, ceiling=max_delay, share=share)
        await client.sleep(min(max(gap - rtt, gap / 2), max(0.0, timeout - elapsed)))
        sent = time.monotonic()
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
        rtt = time.monotonic() - sent
        polls += 1
        body = answer if isinstance(answer, dict) else {"jobid": jobid, "jobstatus": 0}
        if on_poll is not None:
            on_poll(body)
        state = job_status(body)
        elapsed = time.monotonic() - start
        if state != "running":
            return JobOutcome(jobid, state, body, elapsed, polls)
        if progress is not None:
            detail = f", step {body['jobprocstatus']}" if body.get("jobprocstatus") else ""
            await progress(age + elapsed, f"job {jobid} running for {age + elapsed:.1f} s{detail}")


def job_status(body: dict[str, Any]) -> Status:
    """running | succeeded | failed | cancelled, from a queryAsyncJobResult answer's `jobstatus`."""
    try:
        return _STATUS.get(int(body.get("jobstatus", 0)), "running")
    except (TypeError, ValueError):
        return "running"
