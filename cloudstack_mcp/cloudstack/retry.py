"""Retries without duplicates: what may be sent again, when, and what to say when a change's outcome is unknown.

The rules, for one API call:

- A read-only call (policy.classify(api).read_only) is retried, with exponential backoff and full
  jitter, when the failure is one that may pass: no connection, a dropped connection, a truncated
  answer, an HTTP 5xx or 429 answer that is not CloudStack JSON, or CloudStack's own 429, 503 or
  530. A `Retry-After` header is honoured (capped). A timeout is retried once only: a server that
  did not answer twice in a row is overloaded, and waiting longer helps nobody.
- A call that changes something is sent at most once. It is tried again only when the request
  provably never left this machine (the connection could not be made). Any other failure after
  the request went out (timeout, dropped connection, 5xx page, truncated answer) leaves its outcome
  unknown: `unknown_outcome_text` says so plainly, with the job id when one is known and the list
  call that shows whether it happened.
- CloudStack's own error answers (431, 432, 531, ...) are verdicts, never retried.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.catalog.naming import tool_name
from cloudstack_mcp.errors import ApiError, CloudStackMcpError, TransportError

if TYPE_CHECKING:
    from cloudstack_mcp.config import Settings

__all__ = [
    "RETRYABLE_API_CODES",
    "RetryPolicy",
    "change_failure_text",
    "check_call",
    "never_ran",
    "outcome_unknown",
    "retryable",
    "unknown_outcome_text",
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

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """From `Settings`: retries, retry_backoff; one attempt may last 2 x timeout + connect_timeout."""
        return cls(
            retries=settings.retries,
            backoff=settings.retry_backoff,
            attempt_deadline=2 * settings.timeout + settings.connect_timeout,
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
                await anyio.sleep(wait)

    async def _once(self, attempt: Callable[[], Awaitable[T]], command: str, endpoint: str) -> T:
        if self.attempt_deadline is None:
            return await attempt()
        try:
            with anyio.fail_after(self.attempt_deadline):
                return await attempt()
        except TimeoutError as exc:
            raise TransportError(
                f"CloudStack at {endpoint} did not finish answering {command} within {self.attempt_deadline:g} s "
                "(the answer kept coming too slowly); raise CLOUDSTACK_TIMEOUT if the server is just slow",
                endpoint=endpoint,
                kind="timeout",
            ) from exc


def _short(exc: BaseException) -> str:
    return str(exc).split("\n", 1)[0][:160]


def _tried(exc: CloudStackMcpError, attempts: int, elapsed: float) -> CloudStackMcpError:
    """The same error, saying it happened on every one of `attempts` tries."""
    note = f" (tried {attempts} times over {elapsed:.1f} s)"
    if isinstance(exc, TransportError):
        return TransportError(
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


# -- when a change's outcome is unknown -------------------------------------------------------------

_ID_FILTERS = ("id", "ids", "name", "keyword")


def _list_api_for(api: ApiSpec, catalog: Mapping[str, ApiSpec]) -> ApiSpec | None:
    """The list API that shows what `api` creates or changes: same response object, else a related
    list API (listApis' `related`), else one named after the object (`addIpToNic` -> listNics)."""
    from cloudstack_mcp.policy.classify import parse_name

    words = parse_name(api.name).words.split()
    noun = "".join(w.capitalize() for w in words).lower()

    def best(candidates: list[ApiSpec], siblings: Sequence[str] = ()) -> ApiSpec | None:
        # Named after the same object first; then the one whose object most APIs of the same response
        # name (attachIso -> listVirtualMachines, not listVnfAppliances); then the shortest.
        def key(a: ApiSpec) -> tuple[bool, int, int, str]:
            stem = a.name[4:].lower().rstrip("s")
            return (noun not in a.name.lower(), -sum(stem in n for n in siblings), len(a.name), a.name)

        return min(candidates, key=key, default=None)

    if api.response_object and api.response_object not in ("SuccessResponse", "AsyncJobResponse"):
        same = [a for a in catalog.values() if a.response_object == api.response_object]
        found = best([a for a in same if a.is_list], [a.name.lower() for a in same])
        if found is not None:
            return found
    found = best([a for a in (_find(catalog, n) for n in api.related) if a is not None and a.is_list])
    if found is not None:
        return found
    for start in range(len(words)):  # "ip to nic" -> "to nic" -> "nic"
        name = "".join(w.capitalize() for w in words[start:])
        plurals = [f"{name}s", f"{name}es", f"{name[:-1]}ies" if name.endswith("y") else "", name]
        for candidate in plurals:
            found = _find(catalog, f"list{candidate}") if candidate else None
            if found is not None:
                return found
    return None


def _find(catalog: Mapping[str, ApiSpec], name: str) -> ApiSpec | None:
    finder = getattr(catalog, "find", None)
    if finder is not None:
        return finder(name)
    lowered = name.lower()
    return next((a for n, a in catalog.items() if n.lower() == lowered), None)


def _object_noun(api: ApiSpec) -> str:
    from cloudstack_mcp.policy.classify import parse_name

    return parse_name(api.name).words.replace(" ", "")


def check_call(api: ApiSpec, arguments: Mapping[str, Any], catalog: Mapping[str, ApiSpec] | None) -> str | None:
    """The list tool call that shows whether `api` with `arguments` happened, e.g. `list_volumes(name='data1')`."""
    if catalog is None:
        return None
    lister = _list_api_for(api, catalog)
    if lister is None:
        return None
    filters: dict[str, Any] = {}
    noun = _object_noun(api)
    if noun and noun in lister.name.lower():  # the call names the listed object itself: its id or name
        for name in _ID_FILTERS:
            value = arguments.get(name)
            target = "keyword" if name == "name" and lister.param("name") is None else name
            if value not in (None, "", []) and lister.param(target) is not None and target not in filters:
                filters[target] = value
    if not filters and lister.response_object and lister.param("id") is not None:
        # attachIso(id=ISO, virtualmachineid=VM) -> list_virtual_machines(id=VM): the argument naming that object.
        for key, value in arguments.items():
            param = api.param(key)
            if param is not None and param.entity == lister.response_object and isinstance(value, str):
                filters["id"] = value
                break
    args = ", ".join(f"{k}={v!r}" for k, v in filters.items())
    return f"{tool_name(lister.name)}({args})"


def _what_happened(exc: TransportError) -> str:
    if exc.kind == "timeout":
        return "no answer came back in time"
    if exc.kind == "dropped":
        return "the connection closed before the answer came back"
    if exc.kind == "truncated":
        return "the answer came back cut short"
    status = f"HTTP {exc.status}" if exc.status else "an answer"
    return f"{status} came back instead of a CloudStack answer (a proxy or load balancer may have answered)"


def unknown_outcome_text(
    api: ApiSpec,
    arguments: Mapping[str, Any],
    exc: CloudStackMcpError,
    catalog: Mapping[str, ApiSpec] | None = None,
    *,
    jobid: str | None = None,
) -> str:
    """The result text of a change whose outcome is unknown: what we know, what we did not do, how to check."""
    detail = str(exc).split("\n", 1)[0]
    if jobid:
        head = (
            f"{api.name}: OUTCOME UNKNOWN. CloudStack accepted it as async job {jobid}, but following the job "
            f"failed: {detail}. The job may still be running, have finished, or have failed."
        )
        check = f"Follow it with {tool_name('queryAsyncJobResult')}(jobid={jobid!r})"
    else:
        what = _what_happened(exc) if isinstance(exc, TransportError) else "its answer could not be used"
        head = (
            f"{api.name}: OUTCOME UNKNOWN. The request was sent, but {what}: {detail}. "
            "CloudStack may or may not have done it."
        )
        check = ""
    lines = [head, "It was not sent again, so that it cannot happen twice."]
    listing = check_call(api, arguments, catalog)
    if listing:
        check = f"{check}; {listing} shows the result" if check else f"Check with {listing} whether it happened"
    elif not check:
        check = "Check with the matching list tool whether it happened"
    if api.isasync and not jobid:
        check += f"; {tool_name('listAsyncJobs')}() lists the jobs started recently"
    lines.append(f"{check}, before calling {tool_name(api.name)} again.")
    return "\n".join(lines)


def change_failure_text(
    api: ApiSpec, arguments: Mapping[str, Any], exc: CloudStackMcpError, catalog: Mapping[str, ApiSpec] | None
) -> str | None:
    """The result text when a call that changes things failed on the way (None: CloudStack's own error).

    Either the outcome is unknown (`unknown_outcome_text`), or the request provably did not run and
    the text says that nothing changed.
    """
    if not isinstance(exc, TransportError):
        return None
    if outcome_unknown(exc):
        return unknown_outcome_text(api, arguments, exc, catalog)
    why = "the request never left this machine" if exc.kind == "connect" else "it was refused before CloudStack ran it"
    wait = " after a short wait" if exc.status in (429, 503) else ""
    return f"{exc}\nNothing changed: {why}. Calling {tool_name(api.name)} again{wait} is safe."
