"""The guard step of the call pipeline: the last word before a request leaves the server.

The pipeline calls, for every API call (named tool, `call_api`, or the `call` command):

    controls = guard.controls_for(api, policy)   # extra control arguments for the tool's schema
    verdict = await guard.review(call, ctx)      # None = go; else the result to return instead
    ... request, job, render ...
    await guard.after(call, result, ctx, elapsed=...)   # audit hook, also for refused calls

This first version refuses changes under `--read-only` and applies `--allow-tools` /
`--deny-tools`. Confirmation (elicitation in both protocol eras), `dry_run` and the audit
record belong here too and need no change elsewhere: `call.request` carries the MCP request
params (with `input_responses` / `request_state` on a 2026-07-28 retry) and `ctx` is the
SDK's request context (None from the CLI).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import mcp_types as types

from cloudstack_mcp.catalog import ApiSpec
from cloudstack_mcp.config import Settings
from cloudstack_mcp.policy import ApiPolicy
from cloudstack_mcp.results import error_result

__all__ = ["Guard", "ToolCall", "Verdict", "matches"]

Verdict = types.CallToolResult | types.InputRequiredResult | None


def matches(patterns: Iterable[str], *names: str) -> bool:
    """True when any glob pattern matches any of the names (case-insensitive)."""
    low = [n.lower() for n in names if n]
    return any(fnmatch.fnmatchcase(n, p.lower()) for p in patterns for n in low)


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
    via: Literal["tool", "call_api", "cli"] = "tool"
    request: types.CallToolRequestParams | None = None
    notes: dict[str, Any] = field(default_factory=dict)  # free space for guard steps (audit ids, ...)

    @property
    def read_only(self) -> bool:
        return self.base_policy.read_only and self.policy.read_only


class Guard:
    """Allow or refuse calls according to the settings (first version: read-only, allow/deny lists)."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def controls_for(self, api: ApiSpec, policy: ApiPolicy) -> tuple[str, ...]:
        """Control arguments this guard reads, added to the tool's input schema (none yet)."""
        return ()

    async def review(self, call: ToolCall, ctx: Any) -> Verdict:
        s = self.settings
        names = (call.api.name, _tool_name(call))
        if s.deny_tools and matches(s.deny_tools, *names):
            return self._refuse(call, "it matches --deny-tools")
        if s.allow_tools and not matches(s.allow_tools, *names):
            return self._refuse(call, "it is not in --allow-tools")
        if s.read_only and not call.read_only:
            return self._refuse(
                call,
                f"the server runs read-only (--read-only) and {call.api.name} changes things ({call.policy.kind})",
            )
        return None

    async def after(self, call: ToolCall, result: types.CallToolResult | None, ctx: Any, *, elapsed: float) -> None:
        """Called once the call has ended (sent or not); the audit record goes here."""
        return None

    @staticmethod
    def _refuse(call: ToolCall, why: str) -> types.CallToolResult:
        return error_result(f"refused: {call.api.name} was not called because {why}. Nothing was sent.")


def _tool_name(call: ToolCall) -> str:
    from cloudstack_mcp.naming import tool_name

    return tool_name(call.api.name)
