"""Any CloudStack answer as text, by its shape: list, object, success, async job, error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.catalog.naming import tool_name
from cloudstack_mcp.render.errors import render_error, render_error_answer
from cloudstack_mcp.render.fields import field_docs
from cloudstack_mcp.render.hints import empty_list_hint
from cloudstack_mcp.render.listing import render_list
from cloudstack_mcp.render.objects import render_object
from cloudstack_mcp.render.summary import is_scalar, summarise
from cloudstack_mcp.render.values import JOB_STATES, format_scalar, is_empty
from cloudstack_mcp.safety.secrets import mask_value

__all__ = ["DEFAULT_MAX_ROWS", "answer_kind", "list_part", "render_answer", "render_job"]

DEFAULT_MAX_ROWS = 100
_SUCCESS_KEYS = frozenset({"success", "displaytext", "details"})
_SUBMIT_KEYS = frozenset({"jobid", "id"})
_POLL = tool_name("queryAsyncJobResult")


def _follow(jobid: Any) -> str:
    """How to follow a job (the same words as the pipeline's `jobs.follow_hint`)."""
    return f"follow it with {_POLL}(jobid={str(jobid)!r})"


def _is_item_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(e, Mapping) for e in value)


def list_part(answer: Mapping[str, Any]) -> tuple[str, list[Mapping[str, Any]]] | None:
    """(item key, items) when the answer is a list answer (`count` plus one array of objects)."""
    keys = [k for k, v in answer.items() if _is_item_list(v)]
    if not keys:
        return None
    key = keys[0]
    if "count" in answer or (len(keys) == 1 and all(is_scalar(v) for k, v in answer.items() if k != key)):
        return str(key), list(answer[key])
    return None


def answer_kind(api: ApiSpec | None, answer: Any) -> str:
    """Which shape an answer has: empty, error, job, submitted, success, list, object or value."""
    if is_empty(answer):
        return "empty"
    if not isinstance(answer, Mapping):
        return "list" if _is_item_list(answer) else "value"
    if "errorcode" in answer and ("errortext" in answer or len(answer) <= 3):
        return "error"
    if "jobstatus" in answer and ("jobid" in answer or (api is not None and api.name == "queryAsyncJobResult")):
        return "job"
    if "jobid" in answer and set(answer) <= _SUBMIT_KEYS:
        return "submitted"
    if "success" in answer and set(answer) <= _SUCCESS_KEYS:
        return "success"
    if list_part(answer) is not None or set(answer) == {"count"}:
        return "list"
    return "object"


def render_answer(
    api: ApiSpec | None,
    answer: Any,
    *,
    fields: Sequence[str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    params: Mapping[str, Any] | None = None,
    every_page: bool = False,
) -> str:
    """Text for one unwrapped answer (the value under the envelope key, or a job's `jobresult`).

    `every_page`: a list read over every page (fetch_all) whose answer keeps only its first rows."""
    docs = field_docs(api)
    kind = answer_kind(api, answer)
    if kind != "list":
        answer = mask_value(answer, api)  # lists mask the rows they show (a long list's other rows never show)
    name = api.name if api else "the call"
    if kind == "empty":
        if api is not None and api.is_list:
            return f"count: 0 ({empty_list_hint(api, params)})"
        return f"Done: {name} answered with no content."
    if kind == "error":
        return render_error_answer(api, answer, params)
    if kind == "job":
        return render_job(api, answer, fields=fields, max_rows=max_rows)
    if kind == "submitted":
        extra = f" for {answer['id']}" if answer.get("id") else ""
        return f"Async job {answer['jobid']} started{extra}; {_follow(answer['jobid'])}."
    if kind == "success":
        return _success_line(answer)
    if kind == "value":
        return summarise("value", answer, docs, limit=None) or str(answer)
    if kind == "list":
        if not isinstance(answer, Mapping):
            return render_list(api, "items", answer, count=None, fields=fields, max_rows=max_rows, docs=docs)
        part = list_part(answer)
        key, items = part if part else ("items", [])
        extra = {k: v for k, v in answer.items() if k not in ("count", key)}
        count = answer.get("count")
        return render_list(
            api, key, items, count=count if isinstance(count, int) else None, fields=fields, max_rows=max_rows,
            docs=docs, extra=extra, every_page=every_page,
        )  # fmt: skip
    # A single object under its object name, or a flat object (login, async submission of create-type commands).
    if len(answer) == 1:
        ((key, value),) = answer.items()
        if isinstance(value, Mapping):
            return render_object(str(key), value, docs=docs, fields=fields)
        if _is_item_list(value):
            return render_list(api, str(key), value, count=None, fields=fields, max_rows=max_rows, docs=docs)
    return render_object(None, answer, docs=docs, fields=fields)


def _success_line(answer: Mapping[str, Any]) -> str:
    ok = answer.get("success")
    ok = ok is True or str(ok).lower() == "true"
    text = answer.get("displaytext") or answer.get("details")
    head = "Success" if ok else "Not successful (success=false)"
    return f"{head}: {text}" if text else f"{head}."


def render_job(
    api: ApiSpec | None,
    job: Mapping[str, Any],
    *,
    fields: Sequence[str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> str:
    """An async job's outcome (a queryAsyncJobResult body) first, then its result object or error."""
    job = mask_value(job, api)
    jobid = job.get("jobid", "?")
    status = job.get("jobstatus")
    state = JOB_STATES.get(status, f"in state {status}") if isinstance(status, int) else f"in state {status}"
    facts = []
    cmd = job.get("cmd")
    if cmd:
        facts.append(str(cmd).rsplit(".", 1)[-1])
    if job.get("jobinstancetype") or job.get("jobinstanceid"):
        facts.append(f"{job.get('jobinstancetype', 'instance')} {job.get('jobinstanceid', '')}".strip())
    for key in ("created", "completed"):
        if job.get(key):
            facts.append(f"{key} {format_scalar(key, job[key])}")
    head = f"Job {jobid} {state}" + (f" ({'; '.join(facts)})" if facts else "")
    result = job.get("jobresult")
    if status == 0:
        progress = f", progress step {job['jobprocstatus']}" if job.get("jobprocstatus") else ""
        return f"{head}{progress}: still running; {_follow(jobid)}."
    if status in (2, 3):
        if isinstance(result, Mapping) and ("errorcode" in result or "errortext" in result):
            code = result.get("errorcode") or job.get("jobresultcode") or 530
            error = render_error(
                code, str(result.get("errortext", "")), api, None,
                cserrorcode=result.get("cserrorcode"), uuids=result.get("uuidList"), jobid=str(jobid),
            )  # fmt: skip
            return f"{head}.\n{error}"
        code = job.get("jobresultcode")
        detail = f"error {code}" if code else "no error details in the answer"
        return f"{head} ({detail})." + (f"\n{render_answer(api, result)}" if not is_empty(result) else "")
    if is_empty(result):
        return f"{head}."
    body = render_answer(api, result, fields=fields, max_rows=max_rows)
    return f"{head}.\n{body}"
