"""Retries without duplicates: what may be sent again, and when.

The rules, for one API call:

- A read-only call (policy.classify(api).read_only) is retried, with exponential backoff and full
  jitter, when the failure is one that may pass: no connection, a dropped connection, a truncated
  answer, an HTTP 5xx or 429 answer that is not CloudStack JSON, or CloudStack's own 429, 503 or
  530. A `Retry-After` header is honoured (capped). A timeout is retried once only: a server that
  did not answer twice in a row is overloaded, and waiting longer helps nobody.
- A call that changes something is sent at most once. It is tried again only when the request
  provably never left this machine (the connection could not be made). Any other failure after
  the request went out (timeout, dropped connection, 5xx page, truncated answer) leaves its outcome
  unknown (`outcome_unknown`); what to tell the user then is written above the wire, in
  render/failures.py (it needs the catalog and tool names).
- CloudStack's own error answers (431, 432, 531, ...) are verdicts, never retried.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import anyio

from cloudstack_mcp.errors import AnswerTimeout, ApiError, CloudStackMcpError, TransportError

if TYPE_CHECKING:
    from cloudstack_mcp.config import Settings

__all__ = [
    "RETRYABLE_API_CODES",
    "RetryPolicy",
    "never_ran",
    "outcome_unknown",
    "retryable",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

# CloudStack error codes worth another try for a read: rate limit, not ready, internal error (a DB or
# agent hiccup). The others (431 bad parameter, 531 permission, 533 capacity, ...) are verdicts.
RETRYABLE_API_CODES = frozenset({429, 503, 530})
_TRANSIENT_KINDS = frozenset({"connect", "timeout", "dropped", "truncated"})


def _status(exc: BaseException) -> int | None:
    if isinstance(exc, ApiError):
        return exc.code
    if isinstance(exc, TransportError):
        return exc.status
    return None


def never_ran(exc: BaseException) -> bool:
    """True when the failure proves CloudStack did not run the call (so sending it again is safe)."""
    if isinstance(exc, ApiError):
        return True  # CloudStack answered with an error: the command failed or was refused
    if not isinstance(exc, TransportError):
        return False
    if exc.kind == "connect":
        return True
    # A 4xx page (404 wrong URL, 403 from a firewall, 429 rate limit) refused the request before it ran.
    return exc.kind == "answer" and exc.status is not None and 400 <= exc.status < 500


def outcome_unknown(exc: BaseException) -> bool:
    """True when a call that was sent may or may not have happened (the answer was lost or unreadable)."""
    return isinstance(exc, TransportError) and not never_ran(exc)


def retryable(exc: BaseException, *, read_only: bool) -> bool:
    """May the call that failed with `exc` be sent again? (See the module docstring.)"""
    if not read_only:
        return isinstance(exc, TransportError) and exc.kind == "connect"
    if isinstance(exc, ApiError):
        return exc.code in RETRYABLE_API_CODES
    if not isinstance(exc, TransportError):
        return False
    if exc.kind in _TRANSIENT_KINDS:
        return True
    status = exc.status or 0
    return status >= 500 or status == 429


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a call is tried again (`retries` more times at most)."""

    retries: int = 2
    backoff: float = 0.5  # the first retry waits up to this long; each next one up to twice as long
    max_delay: float = 10.0
    max_retry_after: float = 30.0  # a longer Retry-After is not waited for
    timeout_retries: int = 1  # timeouts are retried at most this many times
    attempt_deadline: float | None = None  # hard cap on one attempt (a server trickling bytes)
    sleep: Callable[[float], Awaitable[None]] = field(default=anyio.sleep, compare=False)  # tests inject one

    @classmethod
    def from_settings(
        cls, settings: Settings, *, sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    ) -> RetryPolicy:
        """From `Settings`: retries, retry_backoff; one attempt may last 2 x timeout + connect_timeout."""
        return cls(
            retries=settings.retries,
            backoff=settings.retry_backoff,
            attempt_deadline=2 * settings.timeout + settings.connect_timeout,
            sleep=sleep,
        )

    def delay(self, retry: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number `retry` (0 = the first): full jitter, at least Retry-After."""
        ceiling = min(self.max_delay, self.backoff * (2**retry))
        wait = (rng or random).uniform(0.0, ceiling)
        if retry_after is not None and retry_after > 0:
            wait = max(wait, min(retry_after, self.max_retry_after))
        return wait

    async def run(
        self,
        attempt: Callable[[], Awaitable[T]],
        *,
        read_only: bool,
        command: str,
        endpoint: str = "",
    ) -> T:
        """Await `attempt()` until it succeeds, fails for good, or the retries are used up."""
        start = time.monotonic()
        retries = timeouts = 0
        while True:
            try:
                return await self._once(attempt, command, endpoint)
            except CloudStackMcpError as exc:
                if isinstance(exc, TransportError) and exc.kind == "timeout":
                    timeouts += 1
                    give_up = timeouts > self.timeout_retries
                else:
                    give_up = False
                if give_up or retries >= self.retries or not retryable(exc, read_only=read_only):
                    if retries:
                        raise _tried(exc, retries + 1, time.monotonic() - start) from exc
                    raise
                wait = self.delay(retries, getattr(exc, "retry_after", None))
                retries += 1
                log.info("%s failed (%s); retry %d of %d in %.2f s", command, _short(exc), retries, self.retries, wait)
                await self.sleep(wait)

    async def _once(self, attempt: Callable[[], Awaitable[T]], command: str, endpoint: str) -> T:
        if self.attempt_deadline is None:
            return await attempt()
        try:
            with anyio.fail_after(self.attempt_deadline):
                return await attempt()
        except TimeoutError as exc:
            raise AnswerTimeout(
                f"CloudStack at {endpoint} did not finish answering {command} within {self.attempt_deadline:g} s "
                "(the answer kept coming too slowly); raise CLOUDSTACK_TIMEOUT if the server is just slow",
                endpoint=endpoint,
            ) from exc


def _short(exc: BaseException) -> str:
    return str(exc).split("\n", 1)[0][:160]


def _tried(exc: CloudStackMcpError, attempts: int, elapsed: float) -> CloudStackMcpError:
    """The same error, saying it happened on every one of `attempts` tries."""
    note = f" (tried {attempts} times over {elapsed:.1f} s)"
    if isinstance(exc, TransportError):
        return type(exc)(
            f"{exc}{note}",
            endpoint=exc.endpoint,
            status=exc.status,
            kind=exc.kind,
            retry_after=exc.retry_after,
        )
    if isinstance(exc, ApiError):
        return ApiError(
            exc.code,
            f"{exc.text}{note}",
            api=exc.api,
            cserrorcode=exc.cserrorcode,
            uuids=exc.uuids,
            jobid=exc.jobid,
        )
    return exc
