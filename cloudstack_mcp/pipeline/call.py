"""The call pipeline, the same for every tool: validate -> guard -> client -> jobs -> render.

`Pipeline.call_tool(tool, arguments, ctx)` runs a listed tool; `Pipeline.call_api(name, arguments,
ctx)` runs any API of the catalog by API or tool name (the `call_api` discovery tool and the CLI's
`call` use it). Neither raises: every failure becomes an `isError` result saying what to fix.
"""

from __future__ import annotations

import difflib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import anyio
import mcp_types as types

from cloudstack_mcp import render
from cloudstack_mcp.catalog.model import ApiSpec, Catalog
from cloudstack_mcp.catalog.naming import ToolNames
from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.cloudstack.jobs import follow_hint
from cloudstack_mcp.cloudstack.methods import may_go_by_get
from cloudstack_mcp.cloudstack.retry import outcome_unknown
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import ApiError, ArgumentError, CloudStackMcpError
from cloudstack_mcp.pipeline import job_answers
from cloudstack_mcp.pipeline.guard import Guard
from cloudstack_mcp.pipeline.jobs import Job, JobBook
from cloudstack_mcp.pipeline.names import target_name
from cloudstack_mcp.pipeline.paging import PagingFailed, count_pages, fetch_pages
from cloudstack_mcp.pipeline.steps import Outcome, ToolCall
from cloudstack_mcp.policy.classify import ApiPolicy, classify, for_call
from cloudstack_mcp.render.failures import change_failure_text
from cloudstack_mcp.render.results import error_result, text_result
from cloudstack_mcp.safety.secrets import mask_params
from cloudstack_mcp.tools.inventory import ToolDef
from cloudstack_mcp.tools.schema import Validator, controls_for, encode, normalise

__all__ = ["Pipeline"]

log = logging.getLogger(__name__)

# fetch_all keeps the rows an answer can show (render's row limit); the others are counted, not held.
_KEEP_ROWS = render.DEFAULT_MAX_ROWS
Result = types.CallToolResult | types.InputRequiredResult


class Pipeline:
    """Runs calls against one CloudStack (client) with one catalog, guard and settings."""

    def __init__(self, catalog: Catalog, client: CloudStackClient, guard: Guard, settings: Settings):
        self.catalog = catalog
        self.client = client
        self.guard = guard
        # What a person types to confirm a critical call names the target: the guard asks us to look it up.
        guard.lookup_name = lambda api, arguments: target_name(client, catalog, api, arguments)
        self.settings = settings
        self._tool_to_api = catalog.names  # tool name -> API name, every API of the catalog (one map)
        self._validators: dict[str, Validator] = {}
        self._controls: dict[str, tuple[str, ...]] = {}
        self._policies: dict[str, ApiPolicy] = {}
        self._bare: dict[str, tuple[str, ...]] = {}
        # Called with a change whose job is still running when the call returns (wait=false, the wait limit,
        # a cancelled call): the job follower hooks in here and records the job's end through
        # guard.audit.outcome(call.request_id, status=..., job_id=call.job_id, ...).
        self.on_unfinished: Callable[[ToolCall], None] | None = None
        # Async jobs (pipeline/jobs.py): one follower per job, the duplicate guard. Its hook marks the jobs
        # whose call answered before their end, so that the follower records the end (job_answers.record_end).
        self.jobs = JobBook(client, settings, on_end=lambda job: job_answers.record_end(guard, job))
        self.on_unfinished = self.jobs.unfinished

    # -- entry points ------------------------------------------------------------------------

    async def call_tool(
        self,
        tool: ToolDef,
        arguments: Mapping[str, Any] | None,
        ctx: Any = None,
        request: types.CallToolRequestParams | None = None,
    ) -> Result:
        """Run a listed tool: its own handler for extra tools, else the API pipeline."""
        try:
            if tool.handler is not None:
                return await tool.handler(dict(arguments or {}), ctx, request)
            assert tool.api is not None
            return await self._run(tool.api, arguments, ctx, tool=tool.name, via="tool", request=request)
        except Exception as exc:  # the SDK would turn this into a JSON-RPC error the model never sees
            return _internal_error(tool.name, exc)

    async def call_api(
        self,
        api_name: str,
        arguments: Mapping[str, Any] | None,
        ctx: Any = None,
        request: types.CallToolRequestParams | None = None,
        *,
        via: Literal["call_api", "cli"] = "call_api",
    ) -> Result:
        """Run any API of the catalog by its API name (any case) or tool name."""
        try:
            api = self.resolve(api_name)
            if api is None:
                message = self.unknown_api_message(api_name)
                self.guard.refused(via, api_name, arguments, message, via=via)
                return error_result(message)
            return await self._run(api, arguments, ctx, tool=via, via=via, request=request)
        except Exception as exc:
            return _internal_error(api_name, exc)

    @property
    def tool_to_api(self) -> ToolNames:
        return self._tool_to_api

    def resolve(self, name: str) -> ApiSpec | None:
        """The API called `name` (case-insensitive), or whose tool is called `name`."""
        api = self.catalog.find(name.strip())
        if api is None and name.strip().lower() in self._tool_to_api:
            api = self.catalog[self._tool_to_api[name.strip().lower()]]
        return api

    def unknown_api_message(self, name: str) -> str:
        pool = list(self.catalog) + list(self._tool_to_api)
        close = difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        return (
            f"unknown API {name!r}: this CloudStack ({len(self.catalog)} APIs) has no such API.{hint} "
            "Search with search_apis, or list APIs with the `tools --toolsets all` command."
        )

    def controls(self, api: ApiSpec) -> tuple[str, ...]:
        found = self._controls.get(api.name)
        if found is None:
            found = self._controls[api.name] = controls_for(api) + self.guard.controls_for(api, self.policy(api))
        return found

    def policy(self, api: ApiSpec) -> ApiPolicy:
        """The API's static policy (policy.classify), computed once per API."""
        found = self._policies.get(api.name)
        if found is None:
            found = self._policies[api.name] = classify(api)
        return found

    def _problems_without_arguments(self, api: ApiSpec) -> list[str]:
        """What validation says of a call with no arguments (the same every time: worked out once per API)."""
        found = self._bare.get(api.name)
        if found is None:
            found = self._bare[api.name] = tuple(self.validator(api).problems({}))
        return list(found)

    def validator(self, api: ApiSpec) -> Validator:
        found = self._validators.get(api.name)
        if found is None:
            found = self._validators[api.name] = Validator(api, self.controls(api))
        return found

    # -- the pipeline ------------------------------------------------------------------------

    def prepare(
        self, api: ApiSpec, arguments: Mapping[str, Any] | None, *, tool: str, via: Any, request: Any = None
    ) -> ToolCall:
        """Validate and encode a call; raises ArgumentError naming every bad field."""
        norm = normalise(api, arguments, self.controls(api))
        problems = list(norm.problems)
        given = {**norm.arguments, **norm.controls}
        problems += self.validator(api).problems(given) if given else self._problems_without_arguments(api)
        if norm.controls.get("fetch_all") and "page" in norm.arguments:
            problems.append("'page' cannot be combined with fetch_all=true (fetch_all reads every page)")
        if norm.controls.get("count_by") and "page" in norm.arguments:
            problems.append("'page' cannot be combined with count_by (count_by counts over every page)")
        if problems:
            raise ArgumentError(api.name, problems)
        params = encode(api, norm.arguments)
        policy, base_policy = for_call(api, norm.arguments), self.policy(api)
        return ToolCall(
            tool=tool,
            api=api,
            arguments=norm.arguments,
            controls=norm.controls,
            policy=policy,
            base_policy=base_policy,
            params=params,
            post=by_post(api, params, read_only=policy.read_only and base_policy.read_only),
            via=via,
            request=request,
        )

    async def _run(
        self,
        api: ApiSpec,
        arguments: Mapping[str, Any] | None,
        ctx: Any,
        *,
        tool: str,
        via: Any,
        request: types.CallToolRequestParams | None,
    ) -> Result:
        try:
            call = self.prepare(api, arguments, tool=tool, via=via, request=request)
        except ArgumentError as exc:
            message = self.guard.refused(tool, api, arguments, str(exc), via=via)
            return error_result(message)
        start = time.monotonic()
        result: Result | None = None
        try:
            # The duplicate guard comes first: nothing to confirm or record as an intent for a change it holds.
            result = await self._held(call)
            if result is None:
                result = await self.guard.review(call, ctx)
            if result is None:
                result = await self._execute(call, ctx)
        except CloudStackMcpError as exc:
            # A change that failed on the way: say whether it may have happened (render/failures.py).
            text = None if call.read_only else change_failure_text(api, call.arguments, exc, self.catalog)
            if outcome_unknown(exc):
                call.status = "unknown"
                if not call.read_only and not call.job_id:
                    self.jobs.outcome_unknown(call)  # an identical change is held until it is known
            result = error_result(text or _error_text(exc, api, call.arguments), data=_error_data(exc))
        except anyio.get_cancelled_exc_class():
            # The client cancelled or timed out: a job keeps running (its end is recorded by whoever follows
            # it, see Pipeline.on_unfinished); a request without a job id may or may not have run.
            call.status = "running" if call.job_id else "unknown"
            job = self.jobs.get(call.job_id) if call.job_id else None
            if job is not None and not job.done:
                job.answered_early = "cancelled"
                result = job_answers.cancelled(job)  # what the audit's "running" record says of it
            self._unfinished(call)
            raise
        finally:
            done = result if isinstance(result, types.CallToolResult) else None
            await self.guard.after(call, Outcome(done, time.monotonic() - start), ctx)
        return result

    def _unfinished(self, call: ToolCall) -> None:
        if self.on_unfinished is not None and call.job_id:
            try:
                self.on_unfinished(call)
            except Exception:  # a follower that fails must not fail the call
                log.exception("following job %s failed", call.job_id)

    async def _execute(self, call: ToolCall, ctx: Any) -> types.CallToolResult:
        api, params = call.api, call.params
        fields = call.controls.get("fields")
        try:
            if call.controls.get("count_by"):
                return await self._count(api, params, call.controls["count_by"], call.post)
            if call.controls.get("fetch_all"):
                answer, note = await self._fetch_all(api, params, call.post)
                return self._answer(api, answer, fields, note=note, every_page=True, params=params)
        except PagingFailed as exc:
            what = "count_by" if call.controls.get("count_by") else "fetch_all"
            text = f"{_error_text(exc.cause, api, call.arguments)}\n{exc.note(what)}"
            return error_result(text, data=_error_data(exc.cause))
        answer = await self.client.call(api.name, params, idempotent=call.read_only, post=call.post)
        jobid = answer.get("jobid") if isinstance(answer, dict) else None
        if not (api.isasync and jobid):
            return self._answer(api, answer, fields, params=params)
        self.guard.job_started(call, str(jobid))
        if call.controls.get("wait") is False:
            call.status = "running"
            self._unfinished(call)
            what = f" for {answer['id']}" if answer.get("id") else ""
            return text_result(
                f"{api.name} started as async job {jobid}{what}; {follow_hint(str(jobid))}.", data=answer
            )
        job = self.jobs.started(call, str(jobid), answer)
        return await self.wait_job(job, ctx, deadline=call.started + self.settings.job_timeout)

    async def wait_for(self, jobid: str, ctx: Any = None, *, timeout: float | None = None) -> types.CallToolResult:
        """The job tool: wait (at most the wait budget) for a job this server follows, or any job id."""
        limit = self.settings.job_timeout if timeout is None else min(timeout, self.settings.job_timeout)
        job = self.jobs.get(jobid) or self.jobs.adopt(jobid)
        result = await self.wait_job(job, ctx, deadline=time.monotonic() + max(0.0, limit))
        if result.structured_content is not None:  # the answer of a job started before: mask its secrets too
            result.structured_content = self.guard.scrubber.scrub_value(result.structured_content, job.api)
        for block in result.content:
            if isinstance(block, types.TextContent):
                block.text = self.guard.scrubber.scrub(block.text)
        return result

    async def _held(self, call: ToolCall) -> types.CallToolResult | None:
        """The duplicate guard: hold a change identical to one still running, unless allow_duplicate=true."""
        controls = call.controls
        if call.read_only or not call.api.isasync or controls.get("allow_duplicate") is True or controls.get("dry_run"):
            return None
        earlier = await self.jobs.earlier(call)
        if earlier is None:
            return None
        call.decision.stop("duplicate-held", reason=f"identical to job {earlier.jobid or '(no job id)'}")
        return job_answers.held(earlier, call)

    async def wait_job(
        self, job: Job, ctx: Any, *, deadline: float, fields: Sequence[str] | None = None
    ) -> types.CallToolResult:
        """Wait for a followed job until `deadline`, with progress; answer its end, or that it still runs."""
        api = job.api or self.catalog.find("queryAsyncJobResult")
        call, budget = job.call, self.settings.job_timeout
        own = call is not None and call.job_id == job.jobid and call.status is None  # the call that started it

        async def progress(job: Job) -> None:
            await _report(ctx, job.age, job_answers.progress_line(job, budget))

        await self.jobs.wait(job, deadline, progress)
        if call is not None and fields is None:
            fields = call.controls.get("fields")
        if job.status == "succeeded":
            await _report(ctx, job.age, f"job {job.jobid} succeeded after {job.age:.1f} s")
            if api is None:
                return text_result(f"job {job.jobid} succeeded", data=job.body)
            # rendered as the job's outcome, then its result object (render.render_job)
            return self._answer(api, job.body, fields, data=job.body)
        if job.status == "running":
            if own:
                assert call is not None
                call.status, job.answered_early = "running", "budget"
                self._unfinished(call)  # the follower records the end (Pipeline.on_unfinished)
            return job_answers.still_running(job, budget)
        if job.status == "unknown" or api is None:
            if own:
                assert call is not None
                call.status = "unknown"
            return job_answers.unknown(job, self.catalog)
        err = ApiError(*job_answers.error_of(job), api=api.name, jobid=job.jobid)
        if job.status == "cancelled":
            if own:
                assert call is not None
                call.status = "cancelled"
            return error_result(f"{api.name}: job {job.jobid} was cancelled: {err.text}", data=job.body)
        arguments = call.arguments if call is not None else {}
        return error_result(_error_text(err, api, arguments), data=job.body)

    def _answer(
        self,
        api: ApiSpec,
        answer: Any,
        fields: Sequence[str] | None,
        *,
        note: str = "",
        data: Any = None,
        every_page: bool = False,
        params: Mapping[str, Any] | None = None,
    ) -> types.CallToolResult:
        try:
            text = render.render_output(
                api, answer, mode=self.settings.output, fields=fields, every_page=every_page, params=params
            )
        except Exception:  # a rendering bug must not lose the answer
            log.exception("rendering %s failed", api.name)
            text = render_fallback(answer)
        if note:
            text = f"{text}\n{note}"
        if data is None:  # a list answer: the rows and columns the text shows (render/projection.py)
            try:
                data = render.structured_output(api, answer, mode=self.settings.output, fields=fields)
            except Exception:
                log.exception("projecting %s failed", api.name)
                data = answer
        return text_result(text, data=data)

    async def _fetch_all(self, api: ApiSpec, params: dict[str, str], post: bool) -> tuple[Any, str]:
        size = self._page_size(params)
        if size <= 0:  # pagesize=-1: the server sends everything at once
            return await self.client.call(api.name, params, idempotent=True, post=post), ""
        listing = await fetch_pages(
            self.client,
            api.name,
            params,
            page_size=size,
            max_pages=self.settings.max_pages,
            keep=_KEEP_ROWS,
            post=post,
        )
        note = ""
        if listing.capped:
            note = (
                f"fetch_all: the cap of {self.settings.max_pages} pages x {size} cut the list: {listing.read} of "
                f"{listing.count} fetched. Narrow it (keyword or other filters), page with page/pagesize, "
                "raise --max-pages, or count them with count_by."
            )
        return listing.answer(), note

    def _page_size(self, params: Mapping[str, str]) -> int:
        return int(params.get("pagesize") or self.settings.page_size)

    async def _count(
        self, api: ApiSpec, params: dict[str, str], fields: Sequence[str], post: bool
    ) -> types.CallToolResult:
        size = self._page_size(params)  # pagesize=-1 (all at once) counts in pages of the usual size
        counts = await count_pages(
            self.client,
            api.name,
            params,
            fields,
            page_size=size if size > 0 else self.settings.page_size,
            max_pages=self.settings.max_pages,
            post=post,
        )
        text = render.render_counts(api, counts.summary(), capped=counts.listing.capped)
        return text_result(text, data=counts.summary())


def by_post(api: ApiSpec, params: Mapping[str, str], *, read_only: bool = False) -> bool:
    """Whether a request goes as a POST form: every change (servers with enforce.post.requests.and.timestamps
    refuse changes by GET, and POST works everywhere), every API such a server takes only by POST, and any
    request carrying a password or key, which in a query string would end up in the access logs of every
    proxy on the way. Only reads whose names a hardened server takes by GET stay GET."""
    if not read_only or not may_go_by_get(api.name):
        return True
    return mask_params(params, api) != params


async def _report(ctx: Any, elapsed: float, message: str) -> None:
    """A progress notification (the value is the job's age in seconds), when the client asked for them."""
    session = getattr(ctx, "session", None)
    if session is not None:
        try:
            await session.report_progress(round(elapsed, 3), None, message)
        except Exception as exc:  # a client that went away must not fail the call
            log.debug("progress notification failed: %s", exc)


def render_fallback(answer: Any) -> str:
    import json

    return json.dumps(answer, indent=1, sort_keys=True, default=str)


def _error_text(exc: CloudStackMcpError, api: ApiSpec, arguments: Mapping[str, Any]) -> str:
    """str(exc); for CloudStack errors also the parameter at fault and a hint (render.render_error)."""
    if not isinstance(exc, ApiError):
        return str(exc)
    return render.render_error(
        exc.code, exc.text, api, arguments, cserrorcode=exc.cserrorcode, uuids=exc.uuids, jobid=exc.jobid
    )


def _error_data(exc: CloudStackMcpError) -> dict[str, Any] | None:
    if isinstance(exc, ApiError):
        data: dict[str, Any] = {"errorcode": exc.code, "meaning": exc.meaning, "errortext": exc.text}
        if exc.cserrorcode is not None:
            data["cserrorcode"] = exc.cserrorcode
        if exc.uuids:
            data["uuidList"] = exc.uuids
        return data
    return None


def _internal_error(name: str, exc: Exception) -> types.CallToolResult:
    log.exception("internal error while running %s", name)
    return error_result(
        f"internal error in cloudstack-mcp while running {name}: {type(exc).__name__}: {exc}. "
        "The server keeps serving; if this repeats, please report it with the arguments used."
    )
