"""The typed values passed between the pipeline's steps (prepare -> guard -> send -> after).

`ToolCall` is one validated call on its way out; the guard writes its `Decision` on it (stopped or
not, how it was confirmed, why it was refused); `Outcome` is how the call ended, handed to the
guard's `after` step (audit, masking). The audit record is read from these fields, not from
free-form keys, so a typo is a type error instead of a silently different audit line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

import mcp_types as types

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.policy.classify import ApiPolicy

__all__ = ["ChangeStatus", "Decision", "Outcome", "Status", "Stop", "ToolCall"]

# Why a call was not sent (the guard answered instead of CloudStack).
Stop = Literal["denied", "dry-run", "declined", "confirmation-required", "duplicate-held"]
# How a call ended, as the audit log records it.
Status = Literal["allowed", "failed", "denied", "dry-run", "declined", "confirmation-required", "duplicate-held"]
# How a change that was sent ended, as its outcome record says (`running`: not yet, a later record follows).
ChangeStatus = Literal["succeeded", "failed", "cancelled", "unknown", "running"]


@dataclass(slots=True)
class Decision:
    """The guard's word on one call: set by `Guard.review`, read by `Guard.after`."""

    stopped: Stop | None = None  # None: the call went ahead (its result says allowed or failed)
    confirmation: str = "not asked"  # how the call was confirmed ("phrase", "elicitation: accepted", ...)
    reason: str = ""  # why a refused call was refused

    def stop(self, why: Stop, *, confirmation: str | None = None, reason: str = "") -> None:
        self.stopped = why
        if confirmation is not None:
            self.confirmation = confirmation
        if reason:
            self.reason = reason


@dataclass(slots=True)
class ToolCall:
    """One API call on its way out, as the guard sees it."""

    tool: str  # the MCP tool called ("list_zones", "call_api", ...)
    api: ApiSpec
    arguments: dict[str, Any]  # API arguments, validated and normalised (no control arguments)
    controls: dict[str, Any]  # control arguments given (wait, fetch_all, fields, dry_run, confirm, ...)
    policy: ApiPolicy  # policy.for_call(api, arguments)
    base_policy: ApiPolicy  # policy.classify(api)
    params: dict[str, str]  # the encoded request parameters that would be sent (before signing)
    post: bool = False  # send as a POST form (pipeline.call decides: a secret must not sit in a URL)
    via: Literal["tool", "call_api", "cli"] = "tool"
    request: types.CallToolRequestParams | None = None
    decision: Decision = field(default_factory=Decision)
    # The audit trail of a change that is sent (safety.audit): the intent's request id, the async job it
    # became, and how it ended when the pipeline knows better than the result.
    request_id: str | None = None
    job_id: str | None = None
    status: ChangeStatus | None = None
    started: float = field(default_factory=time.monotonic)  # when the call arrived: the wait budget counts from here

    @property
    def read_only(self) -> bool:
        return self.base_policy.read_only and self.policy.read_only


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one call ended: the result returned to the client (None if none was made) and its duration."""

    result: types.CallToolResult | None
    elapsed: float  # seconds, from the guard's review to the answer

    def status(self, decision: Decision) -> Status:
        if decision.stopped is not None:
            return decision.stopped
        return "failed" if self.result is None or self.result.is_error else "allowed"
