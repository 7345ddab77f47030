"""What a call says about a job that has not ended for it, and the audit record of a job's later end.

- still running at the wait budget: a normal answer (not an error) with the job id, what it acts on,
  how long it has run, and the one call that waits again (`wait_for_job`, also in `next_call`);
- held as a duplicate: NOT DONE, the earlier job, how to wait for it, `allow_duplicate=true`;
- outcome unknown (following it failed): the error, with the same pointers;
- the audit record written when a job ends after its call answered (budget) or was cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mcp_types as types

from cloudstack_mcp.catalog.naming import tool_name
from cloudstack_mcp.cloudstack.jobs import job_error
from cloudstack_mcp.errors import CloudStackMcpError
from cloudstack_mcp.pipeline.jobs import JOB_TOOL, Job, acts_on
from cloudstack_mcp.pipeline.steps import ToolCall
from cloudstack_mcp.render.failures import unknown_outcome_text
from cloudstack_mcp.render.results import error_result, text_result

__all__ = ["cancelled", "error_of", "held", "progress_line", "record_end", "still_running", "unknown"]


def next_call(job: Job) -> dict[str, Any]:
    return {"tool": JOB_TOOL, "arguments": {"jobid": job.jobid}}


def _wait_hint(job: Job) -> str:
    return (
        f"Wait for it with {JOB_TOOL}(jobid={job.jobid!r}) (waits again up to the same limit and returns the "
        f"result), or look once with {tool_name('queryAsyncJobResult')}(jobid={job.jobid!r})"
    )


def _secs(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def _name(job: Job) -> str:
    return job.api.name if job.api is not None else f"job {job.jobid}"


def _target_text(job: Job) -> str:
    target = acts_on(job)
    if not target:
        return ""
    what = " ".join(v for v in (target.get("type"), target.get("id")) if v)
    if target.get("name"):
        what = f"{what} (name {target['name']!r})" if what else f"name {target['name']!r}"
    return f" It acts on {what}."


def _data(job: Job, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {**job.body, "jobid": job.jobid, "jobstatus": job.body.get("jobstatus", 0)}
    data.update(
        status=job.status,
        api=job.api.name if job.api is not None else None,
        acts_on=acts_on(job),
        elapsed_s=round(job.age, 1),
        next_call=next_call(job),
    )
    data.update(extra)
    return data


def still_running(job: Job, budget: float) -> types.CallToolResult:
    """The answer at the wait budget: not an error, the job goes on and is followed to its end."""
    text = (
        f"{_name(job)}: NOT FINISHED YET. Job {job.jobid} is still running after {_secs(job.age)}; this server "
        f"answers within {budget:g} s (--job-timeout) so that clients do not time out.{_target_text(job)} "
        f"CloudStack carries on with it, and this server follows it to its end (the audit log records how it "
        f"ended). {_wait_hint(job)}. Do not start it again: an identical call is held while this job runs."
    )
    return text_result(text, data=_data(job, still_running=True))


def held(earlier: Job, call: ToolCall) -> types.CallToolResult:
    """NOT DONE: an identical change is still running (or its outcome is unknown)."""
    name = call.api.name
    if earlier.jobid is None:
        state = (
            f"an identical {name} {_secs(earlier.age)} ago has an unknown outcome (it may have run); check "
            "whether it happened before starting another"
        )
    else:
        how = "is still running" if earlier.status == "running" else "has an unknown outcome"
        state = f"an identical {name} (same arguments) started {_secs(earlier.age)} ago as job {earlier.jobid} {how}"
    text = (
        f"NOT DONE: {name} was held and nothing was sent, because {state}. Sending it again could do it "
        f"twice (a second VM, a second volume...).{_target_text(earlier)}"
    )
    if earlier.jobid is not None:
        text += f" {_wait_hint(earlier)}."
    text += f" To start a second one anyway, call {tool_name(name)} again with allow_duplicate=true."
    data: dict[str, Any] = {"held": True, "sent": False, "duplicate_of": earlier.jobid, "status": earlier.status}
    if earlier.jobid is not None:
        data["next_call"] = next_call(earlier)
    return text_result(text, data=data)


def cancelled(job: Job) -> types.CallToolResult:
    """What the audit record of a call cancelled by its client reads (the client never sees it)."""
    return text_result(
        f"{_name(job)}: the client cancelled the call while job {job.jobid} was running; it is followed to its end.",
        data=_data(job, still_running=True),
    )


def unknown(job: Job, catalog: Mapping[str, Any]) -> types.CallToolResult:
    api = job.api
    exc = job.error or CloudStackMcpError(job.message or "the job could not be followed")
    if api is None:
        return error_result(f"job {job.jobid}: OUTCOME UNKNOWN: {exc}", data={"jobid": job.jobid})
    arguments = job.call.arguments if job.call is not None else {}
    text = unknown_outcome_text(api, arguments, exc, catalog, jobid=job.jobid)
    return error_result(f"{text}\n{_wait_hint(job)}.", data=_data(job))


def error_of(job: Job) -> tuple[int, str]:
    return job_error(job.body)


def progress_line(job: Job, budget: float) -> str:
    """A progress notification's message: the job, how long it has run, what step it is at."""
    step = f", step {job.body['jobprocstatus']}" if job.body.get("jobprocstatus") else ""
    return (
        f"{_name(job)} job {job.jobid} running for {job.age:.1f} s{step} (answer within {budget:.0f} s; "
        f"{job.polls} polls)"
    )


def record_end(guard: Any, job: Job) -> None:
    """Audit how a job ended whose call answered before its end (budget, wait=false) or was cancelled: the
    final outcome record of the call's intent (safety.audit), unless something closed it already (SIGTERM)."""
    call = job.call
    if call is None or call.request_id is None or call.request_id not in guard.audit.pending:
        return
    error = None
    if job.status in ("failed", "cancelled"):
        error = job_error(job.body)[1]
    elif job.status == "unknown":
        error = str(job.error) if job.error is not None else job.message
    result = {k: job.body[k] for k in ("jobid", "jobstatus", "jobinstanceid") if job.body.get(k) not in (None, "")}
    guard.audit.outcome(
        call.request_id,
        status=job.status,
        job_id=job.jobid,
        error=error,
        result=result,
        final=True,
        followed=job.answered_early,  # how the call ended before the job: budget, cancelled or wait=false
        job_seconds=round(job.age, 1),
        polls=job.polls,
    )
