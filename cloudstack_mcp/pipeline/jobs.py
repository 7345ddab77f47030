"""Async jobs this server started: each followed to its end once, whoever waits for it.

Why: a client gives up on a request after its own timeout (60 s in the TypeScript SDK) while a
CloudStack job can run for minutes. So a call waits for its job at most the wait budget
(`--job-timeout`, from the call's arrival), then answers normally that the job is still running,
with its id, what it acts on and the one call that waits again (`wait_for_job`). The job is not
dropped: one follower task per job (in the app's task group) polls it to its end on the schedule of
`cloudstack.jobs.poll_gap`, whether the call waited, answered early or was cancelled by the client;
callers only wait on the follower's updates, so a job is never polled twice over. When the call that
started a job did not see its end, the end is written to the audit log (`on_end`).

The duplicate guard: a change with the same API and the same request parameters as one whose job
is still running (or whose outcome is unknown) is held, with a pointer to the earlier job, unless
the caller passes `allow_duplicate=true`: a retry after a timeout must not make a second VM.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
from anyio.abc import TaskGroup

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.cloudstack.jobs import job_status, wait_for_job
from cloudstack_mcp.cloudstack.retry import RETRYABLE_API_CODES
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import ApiError, CloudStackMcpError
from cloudstack_mcp.pipeline.steps import ToolCall
from cloudstack_mcp.tools.job_tool import JOB_TOOL  # the tool that waits again for a job

__all__ = ["JOB_TOOL", "Job", "JobBook", "JobState", "acts_on"]

log = logging.getLogger(__name__)

JobState = Literal["running", "succeeded", "failed", "cancelled", "unknown"]
Key = tuple[str, tuple[tuple[str, str], ...]]
_ENDED = frozenset({"succeeded", "failed", "cancelled"})
_UNKNOWN_HOLD = 600.0  # seconds a change of unknown outcome (no job id) holds its duplicates
_FOLLOW_ROUNDS = 20  # rounds of failed polling (each ends after 3 failed polls) before a follower gives up
_KEEP_ENDED = 500  # ended jobs remembered for wait_for_job


@dataclass(eq=False)
class Job:
    """One async job (or a change of unknown outcome, `jobid` None) and what is known of it."""

    jobid: str | None
    api: ApiSpec | None
    started: float  # time.monotonic() when it was submitted (or first seen)
    call: ToolCall | None = None  # the call that started it (None: a job this server did not start)
    key: Key | None = None  # the duplicate guard's key (API + request parameters)
    submitted: dict[str, Any] = field(default_factory=dict)  # the submit answer (jobid, id of a new object)
    status: JobState = "running"
    body: dict[str, Any] = field(default_factory=dict)  # the last queryAsyncJobResult answer
    polls: int = 0
    ended: float | None = None
    error: CloudStackMcpError | None = None  # why its outcome is unknown
    message: str = ""  # the last progress line
    followed: bool = False  # a follower task polls it
    answered_early: str = ""  # "budget" or "cancelled": the starting call did not see the end
    _tick: anyio.Event = field(default_factory=anyio.Event, repr=False)

    @property
    def age(self) -> float:
        return (self.ended if self.ended is not None else time.monotonic()) - self.started

    @property
    def done(self) -> bool:
        return self.status in _ENDED

    def changed(self) -> None:
        """Wake everyone waiting on this job (after each poll and at the end)."""
        tick, self._tick = self._tick, anyio.Event()
        tick.set()


OnEnd = Callable[[Job], None]
Progress = Callable[[Job], Awaitable[None]]


class JobBook:
    """The jobs this server follows: by job id, and by (API, parameters) for the duplicate guard."""

    def __init__(self, client: CloudStackClient, settings: Settings, on_end: OnEnd | None = None):
        self.client = client
        self.settings = settings
        self.on_end = on_end
        self._by_id: OrderedDict[str, Job] = OrderedDict()
        self._by_key: dict[Key, Job] = {}
        self._own_tg: TaskGroup | None = None
        self._parent: JobBook | None = None

    @property
    def _tg(self) -> TaskGroup | None:
        return self._own_tg if self._parent is None else self._parent._tg

    def follow_in(self, parent: JobBook) -> None:
        """Run this book's followers in `parent`'s task group (an App built per principal, server/principals.py)."""
        self._parent = parent

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[JobBook]:
        """Followers run in this block's task group; leaving it stops them (their jobs end as unknown)."""
        async with anyio.create_task_group() as tg:
            self._own_tg = tg
            try:
                yield self
            finally:
                self._own_tg = None
                tg.cancel_scope.cancel()

    # -- registering -------------------------------------------------------------------------

    @staticmethod
    def key_for(call: ToolCall) -> Key:
        return (call.api.name.lower(), tuple(sorted(call.params.items())))

    def started(self, call: ToolCall, jobid: str, submitted: dict[str, Any], *, follow: bool = True) -> Job:
        """Track the job `call` started; a follower polls it when `follow` (wait=false leaves it to the caller)."""
        job = Job(jobid, call.api, call.started, call=call, key=self.key_for(call), submitted=dict(submitted))
        job.body = {"jobid": jobid, "jobstatus": 0}
        self._remember(job)
        if follow:
            self._start_follower(job)
        return job

    def unfinished(self, call: ToolCall) -> None:
        """Pipeline.on_unfinished: `call` answered before its job ended; the follower records the end."""
        if not call.job_id:
            return
        job = self._by_id.get(call.job_id)
        if job is None:  # wait=false: known to the duplicate guard, followed once someone waits for it
            job = Job(call.job_id, call.api, call.started, call=call, key=self.key_for(call))
            job.body = {"jobid": call.job_id, "jobstatus": 0}
            self._remember(job)
        job.answered_early = job.answered_early or "wait=false"

    def outcome_unknown(self, call: ToolCall) -> None:
        """A change that may or may not have happened (no job id): hold its duplicates for a while."""
        job = Job(None, call.api, time.monotonic(), call=call, key=self.key_for(call), status="unknown")
        self._by_key[job.key] = job  # type: ignore[index]

    def adopt(self, jobid: str, api: ApiSpec | None = None) -> Job:
        """A job id this server did not start (or forgot): followed like its own, without an audit record."""
        job = self._by_id.get(jobid)
        if job is None:
            job = Job(jobid, api, time.monotonic(), body={"jobid": jobid, "jobstatus": 0})
            self._remember(job)
        if not job.followed and not job.done:
            self._start_follower(job)
        return job

    def get(self, jobid: str) -> Job | None:
        return self._by_id.get(jobid)

    @property
    def running_jobs(self) -> list[Job]:
        return [j for j in self._by_id.values() if not j.done]

    def _remember(self, job: Job) -> None:
        assert job.jobid is not None
        self._by_id[job.jobid] = job
        if job.key is not None:
            self._by_key[job.key] = job
        ended = [k for k, j in self._by_id.items() if j.done]
        for jobid in ended[: max(0, len(ended) - _KEEP_ENDED)]:
            del self._by_id[jobid]

    # -- the duplicate guard -----------------------------------------------------------------

    async def earlier(self, call: ToolCall) -> Job | None:
        """The earlier identical change still running or of unknown outcome, else None."""
        key = self.key_for(call)
        job = self._by_key.get(key)
        if job is None:
            return None
        if job.jobid is None and time.monotonic() - job.started > _UNKNOWN_HOLD:
            job = None
        elif job.jobid is not None and not job.followed and not job.done:
            await self._poll_once(job)  # wait=false: nobody follows it, so look once
        if job is None or job.done:
            self._by_key.pop(key, None)
            return None
        return job

    async def _poll_once(self, job: Job) -> None:
        try:
            answer = await self.client.call("queryAsyncJobResult", {"jobid": job.jobid}, idempotent=True)
        except CloudStackMcpError as exc:
            job.error = exc
            return
        if isinstance(answer, dict):
            self._update(job, answer)

    # -- waiting -----------------------------------------------------------------------------

    async def wait(self, job: Job, deadline: float, progress: Progress | None = None) -> Job:
        """Wait until the job ends, its outcome becomes unknown, or `deadline` (time.monotonic()) passes."""
        if not job.followed and not job.done:
            if self._tg is None:  # no task group to follow it in: poll it here, within the deadline
                await self._poll_here(job, deadline, progress)
                return job
            self._start_follower(job)
        while not job.done and job.status != "unknown":
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            tick = job._tick
            with anyio.move_on_after(remaining):
                await tick.wait()
            if progress is not None and not job.done and job.status == "running" and tick.is_set():
                await progress(job)
        return job

    async def _poll_here(self, job: Job, deadline: float, progress: Progress | None) -> None:
        assert job.jobid is not None

        async def tick(_elapsed: float, message: str) -> None:
            job.polls += 1
            job.message = message
            if progress is not None:
                await progress(job)

        s = self.settings
        polls_before = job.polls
        try:
            outcome = await wait_for_job(
                self.client,
                job.jobid,
                timeout=max(0.0, deadline - time.monotonic()),
                first_delay=s.poll_interval,
                max_delay=s.poll_max,
                age=job.age,
                progress=tick,
                on_poll=lambda body: self._seen(job, body),
            )
        except CloudStackMcpError as exc:
            job.status, job.error = "unknown", exc
            return
        job.polls = polls_before + outcome.polls
        self._update(job, outcome.body)

    # -- following ---------------------------------------------------------------------------

    def _start_follower(self, job: Job) -> None:
        if self._tg is None or job.jobid is None:
            return
        job.followed = True
        self._tg.start_soon(self._follow, job, name=f"follow job {job.jobid}")

    async def _follow(self, job: Job) -> None:
        s = self.settings
        rounds = 0
        assert job.jobid is not None

        async def tick(_elapsed: float, message: str) -> None:
            job.polls += 1
            job.message = message
            job.changed()

        try:
            while not job.done:
                try:
                    polls_before = job.polls
                    outcome = await wait_for_job(
                        self.client,
                        job.jobid,
                        timeout=math.inf,
                        first_delay=s.poll_interval,
                        max_delay=s.poll_max,
                        age=job.age,
                        progress=tick,
                        on_poll=lambda body: self._seen(job, body),
                    )
                except CloudStackMcpError as exc:
                    job.status, job.error = "unknown", exc
                    job.changed()
                    rounds += 1
                    gone = isinstance(exc, ApiError) and exc.code not in RETRYABLE_API_CODES
                    if gone or rounds >= _FOLLOW_ROUNDS:
                        log.warning("gave up following job %s: %s", job.jobid, exc)
                        break
                    await self.client.sleep(s.poll_max)
                    continue
                job.polls = polls_before + outcome.polls
                self._update(job, outcome.body)
        except anyio.get_cancelled_exc_class():
            if not job.done:  # the server stops: say so instead of guessing
                job.status = "unknown"
                job.message = "the server stopped before the job ended"
                self._ended(job)
            raise
        finally:
            job.followed = False
        self._ended(job)

    @staticmethod
    def _seen(job: Job, body: dict[str, Any]) -> None:
        """A poll's answer while the job runs (it names the object the job acts on)."""
        job.body = body
        if job.status == "unknown":
            job.status, job.error = "running", None  # polling works again

    def _update(self, job: Job, body: dict[str, Any]) -> None:
        job.body = body
        state = job_status(body)
        if state != "running":
            job.status, job.error = state, None
            job.ended = time.monotonic()
            if job.key is not None and self._by_key.get(job.key) is job:
                del self._by_key[job.key]
        elif job.status == "unknown":
            job.status, job.error = "running", None  # polling works again
        job.changed()

    def _ended(self, job: Job) -> None:
        job.changed()
        if job.call is not None and job.answered_early and self.on_end is not None:
            try:
                self.on_end(job)
            except Exception:  # recording must not kill the follower's task group
                log.exception("recording the end of job %s failed", job.jobid)


def acts_on(job: Job) -> dict[str, str]:
    """What a job acts on: the object CloudStack names in the job (or the new object's id), and the name given."""
    body, found = job.body, {}
    if body.get("jobinstancetype") and body.get("jobinstanceid"):
        found = {"type": str(body["jobinstancetype"]), "id": str(body["jobinstanceid"])}
    elif job.submitted.get("id"):
        found = {"type": "new object", "id": str(job.submitted["id"])}
    elif job.call is not None:
        for name in ("id", "virtualmachineid", "volumeid", "networkid", "hostid", "templateid"):
            if job.call.arguments.get(name):
                found = {"type": name.removesuffix("id") or "object", "id": str(job.call.arguments[name])}
                break
    if job.call is not None:
        for name in ("name", "displayname"):
            if isinstance(job.call.arguments.get(name), str):
                found["name"] = job.call.arguments[name]
                break
    return found
