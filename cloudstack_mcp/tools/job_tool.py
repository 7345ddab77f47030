"""`wait_for_job`, listed in every profile: the one call that follows a job a call left running.

A call waits for its async job at most the wait budget (`--job-timeout`, 40 s by default) and then
answers that the job is still running, naming this tool. It waits again, up to the same budget, for
the job's end (with progress notifications) and answers like the original call would have: the
result object, CloudStack's error, or that it still runs. It takes any job id, also one this server
did not start (then the answer is the `queryAsyncJobResult` body).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Protocol

import mcp_types as types

from cloudstack_mcp.render.results import error_result
from cloudstack_mcp.tools.inventory import ToolDef

__all__ = ["JOB_TOOL", "JOB_TOOLSET", "WaitFor", "job_tools"]

JOB_TOOL = "wait_for_job"  # the tool's name; the pipeline's still-running answers name it


class WaitFor(Protocol):
    """The pipeline's wait for a job (pipeline.call.Pipeline.wait_for), which sits above the tools."""

    def __call__(
        self, jobid: str, ctx: Any = None, *, timeout: float | None = None
    ) -> Awaitable[types.CallToolResult]: ...


JOB_TOOLSET = "discovery"  # listed with search/describe/call: every profile has it

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "jobid": {"type": "string", "description": "The async job's id (from a still-running answer, wait=false)"},
        "timeout": {
            "type": "number",
            "minimum": 0,
            "description": "Seconds to wait at most (default and upper limit: the server's --job-timeout)",
        },
    },
    "required": ["jobid"],
    "additionalProperties": False,
}


def job_tools(wait_for: WaitFor) -> list[ToolDef]:
    async def wait_for_job(arguments: dict[str, Any], ctx: Any, request: Any) -> types.CallToolResult:
        jobid = arguments.get("jobid")
        if not isinstance(jobid, str) or not jobid.strip():
            return error_result("wait_for_job needs jobid: the job id a still-running answer gave")
        timeout = arguments.get("timeout")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0):
            return error_result("wait_for_job: timeout must be a number of seconds >= 0")
        unknown = sorted(set(arguments) - {"jobid", "timeout"})
        if unknown:
            return error_result(f"wait_for_job takes jobid and timeout only, not {', '.join(unknown)}")
        return await wait_for(jobid.strip(), ctx, timeout=timeout)

    return [
        ToolDef(
            name=JOB_TOOL,
            description=(
                "Wait for an async CloudStack job (deploy, start, migrate...) that a call left running, and get "
                "its result; waits at most the server's --job-timeout (40 s by default), then says it still runs."
            ),
            input_schema=_SCHEMA,
            annotations={
                "title": "Wait for job",
                "readOnlyHint": True,
                "destructiveHint": False,
                "idempotentHint": True,
                "openWorldHint": True,
            },
            toolset=JOB_TOOLSET,
            handler=wait_for_job,
        )
    ]
