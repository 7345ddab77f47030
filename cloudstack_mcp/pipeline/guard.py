"""The guard step of the call pipeline: the last word before a request leaves the server.

The pipeline calls, for every API call (named tool, `call_api`, or the `call` command):

    controls = guard.controls_for(api, policy)   # extra control arguments for the tool's schema
    verdict = await guard.review(call, ctx)      # None = go; else the result to return instead
    ... request, job, render ...
    await guard.after(call, Outcome(result, elapsed), ctx)   # audit hook, also for refused calls

`review` writes its decision on `call.decision` (pipeline.steps: typed values, no free-form keys).

In order, `review`:

1. refuses what `--deny-tools` names, what `--allow-tools` leaves out, and under `--read-only`
   anything that is not read-only;
2. refuses changes when the audit log cannot be written (unless `--no-audit-required`);
3. answers `dry_run=true` with the request that would be sent (secrets masked), sending nothing;
4. asks for confirmation when the call's severity reaches `--confirm-level`: through the client
   when it declares elicitation (a form request on handshake-era sessions, an `InputRequiredResult`
   on 2026-07-28 ones), else by `--confirm-mode` (phrase, deny or allow).

`after` masks secrets in the result (structured content and text), shows a new secret once when
the API exists to hand one out, and writes the audit record.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import mcp_types as types

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.catalog.naming import matches, tool_name
from cloudstack_mcp.config import Settings, default_confirm_key_path
from cloudstack_mcp.pipeline.steps import Outcome, ToolCall
from cloudstack_mcp.policy.classify import ApiPolicy, Severity, classify, worst_case
from cloudstack_mcp.render.results import error_result, text_result
from cloudstack_mcp.safety import confirm
from cloudstack_mcp.safety.audit import AuditLog, default_audit_path
from cloudstack_mcp.safety.phrase_key import KeyError_, load_key
from cloudstack_mcp.safety.scrubbing import reveal_text, server_scrubber, text_arguments
from cloudstack_mcp.safety.secrets import (
    SecretScrubber,
    mask_params,
    reveals_secrets,
)

__all__ = ["Guard", "Outcome", "ToolCall", "Verdict", "matches"]

log = logging.getLogger(__name__)

Verdict = types.CallToolResult | types.InputRequiredResult | None
_MODERN = "2026-07-28"
_INPUT_KEY = "cloudstack-mcp/confirm/"
_INSTANT_DECLINE = 0.3  # seconds: a decline faster than this was not a person's


class Guard:
    """Allow, refuse, confirm, dry-run and audit calls according to the settings."""

    def __init__(self, settings: Settings, *, audit: AuditLog | None = None, scrubber: SecretScrubber | None = None):
        self.settings = settings
        self.scrubber = scrubber or server_scrubber(settings)
        self.mode: confirm.ConfirmMode = getattr(settings, "confirm_mode", "phrase")
        self.via: str = getattr(settings, "confirm_via", "auto")
        self.phrases = confirm.Phrases(self._phrase_key(settings))
        # The target's name for what a person types to confirm a critical call (the pipeline sets it: it
        # looks the object up); None: the id is shown instead.
        self.lookup_name: Callable[[ApiSpec, Mapping[str, Any]], Awaitable[str | None]] | None = None
        self.instant_decline = _INSTANT_DECLINE
        self.level: Severity = Severity(getattr(settings, "confirm_level", confirm.DEFAULT_LEVEL))
        self.audit_required: bool = bool(getattr(settings, "audit_required", True))
        if audit is None:
            path = getattr(settings, "audit_log", default_audit_path())
            audit = AuditLog(Path(path) if path is not None else None, scrubber=self.scrubber)
        self.audit = audit
        self.warnings: list[str] = []
        problem = self.audit.open()
        if problem:
            then = (
                "changes are REFUSED until it is fixed (or restart with --no-audit-required)"
                if self.audit_required
                else "changes proceed unrecorded (--no-audit-required)"
            )
            self.warnings.append(f"AUDIT LOG UNWRITABLE: {problem}; {then}. Set --audit-log PATH to fix it.")
        elif not self.audit.enabled:
            self.warnings.append("audit log disabled (--audit-log off): changes are not recorded")
        if self.mode == "allow":
            self.warnings.append(
                "--confirm-mode allow: dangerous calls run without confirmation when the client cannot ask the user"
            )
        for warning in self.warnings:
            log.warning("%s", warning)

    def _phrase_key(self, settings: Settings) -> bytes:
        path = getattr(settings, "confirm_key_file", None) or default_confirm_key_path()
        try:
            return load_key(getattr(settings, "confirm_key", None), Path(path))
        except KeyError_ as exc:
            # Phrases still cannot be forged (the key is random), but they do not survive a restart.
            self.warnings.append(f"{exc}; confirmation phrases use a key held in memory until restart")
            return secrets.token_bytes(32)

    # -- schema -----------------------------------------------------------------------------

    def controls_for(self, api: ApiSpec, policy: ApiPolicy) -> tuple[str, ...]:
        """`dry_run` for every tool that changes something; `confirm` where confirmation can be needed."""
        names: list[str] = []
        if not policy.read_only:
            names.append("dry_run")
            if api.isasync:  # the duplicate guard of changes whose job still runs (pipeline/jobs.py)
                names.append("allow_duplicate")
        if confirm.needs_confirmation(policy, self.level) or confirm.needs_confirmation(worst_case(api), self.level):
            names.append("confirm")
        return tuple(names)

    @property
    def controls_key(self) -> str | None:
        """What decides `controls_for`'s answers, for caches of tool schemas (tools.listing_cache); None
        for a subclass, which may add other control arguments: its listing is never cached."""
        return f"confirm-level {int(self.level)}" if type(self) is Guard else None

    # -- review -----------------------------------------------------------------------------

    async def review(self, call: ToolCall, ctx: Any) -> Verdict:
        s = self.settings
        self.scrubber.learn(text_arguments(call.api, call.arguments), call.api)
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
        if call.controls.get("dry_run") is True:
            return self._dry_run(call)
        if self._audited(call) and self.audit.enabled and self.audit_required and self.audit.open() is not None:
            return self._refuse_unaudited(call)
        if not confirm.needs_confirmation(call.policy, self.level):
            call.decision.confirmation = "not needed"
            return self._go(call)
        verdict = await self._confirm(call, ctx)
        return verdict if verdict is not None else self._go(call)

    def _go(self, call: ToolCall) -> Verdict:
        """The call is cleared: record the intent before it is sent (no record written, no change sent)."""
        if not self._audited(call):
            return None
        request_id = self.audit.intent(self._base_record(call))
        if request_id is None and self.audit_required:
            return self._refuse_unaudited(call)
        call.request_id = request_id
        return None

    def _refuse_unaudited(self, call: ToolCall) -> types.CallToolResult:
        return self._refuse(
            call,
            f"the audit log cannot be written ({self.audit.problem}); fix --audit-log (changes resume as soon as "
            "a record can be written) or restart with --no-audit-required",
        )

    def refused(
        self, tool: str, api: ApiSpec | str, arguments: Mapping[str, Any] | None, message: str, *, via: str
    ) -> str:
        """A call refused before the guard saw it (invalid arguments, an unknown API): audited when it could
        change something, and its message returned scrubbed (it may quote an argument)."""
        spec = api if isinstance(api, ApiSpec) else None
        args = dict(arguments or {})
        # The message may quote a secret argument: scrub it with what this call holds, but do not make the
        # server remember values of a call that is never sent (a refused password=["a", "list"] would
        # otherwise mask "list" in every later answer, tool names and hints included).
        once = SecretScrubber()
        once.learn(text_arguments(spec, args) if spec is not None else args, spec)
        text = self.scrubber.scrub(once.scrub(message))
        if spec is None or not classify(spec).read_only:
            self.audit.decision(
                {
                    "tool": tool,
                    "api": spec.name if spec is not None else str(api),
                    "via": via,
                    "arguments": mask_params(args, spec),
                    "outcome": "denied",
                    "reason": text.splitlines()[0] if text else "",
                    "confirmation": "not asked",
                    "endpoint": self.settings.endpoint or "built-in simulator",
                    "user": _who(self.settings),
                }
            )
        return text

    def job_started(self, call: ToolCall, job_id: str) -> None:
        """The change became async job `job_id`: remembered for its outcome record (also on SIGTERM)."""
        call.job_id = job_id
        self.audit.note_job(call.request_id, job_id)

    async def _confirm(self, call: ToolCall, ctx: Any) -> Verdict:
        api, args, policy = call.api, call.arguments, call.policy
        asks = _elicitation_supported(ctx)
        if self.via == "elicitation" and not asks:
            return self._refuse(
                call,
                f"it needs confirmation (severity {policy.severity.label}) and --confirm-via elicitation is set, "
                "but this client does not declare elicitation. Use a client that does, or restart with "
                "--confirm-via auto",
            )
        if not asks or self.via == "phrase":
            return self._by_mode(call)
        typed = await self._typed(call) if policy.severity >= Severity.CRITICAL else None
        key = _INPUT_KEY + self.phrases.code(api, args)
        message, schema = confirm.elicitation_request(policy, api, args, typed)
        if _modern(ctx):
            answer = (getattr(call.request, "input_responses", None) or {}).get(key)
            if answer is None:
                call.decision.stop("confirmation-required", confirmation="asked through the client")
                request = types.ElicitRequest(
                    params=types.ElicitRequestFormParams(message=message, requested_schema=schema)
                )
                return types.InputRequiredResult(input_requests={key: request}, request_state=key)
            return self._elicited(call, _field(answer, "action"), _field(answer, "content"), typed, None)
        started = time.monotonic()
        try:
            answer = await ctx.session.elicit_form(message, schema, related_request_id=ctx.request_id)
        except Exception as exc:  # the client claimed elicitation but could not ask: fall back to the mode
            log.warning("elicitation failed (%s); using --confirm-mode %s", exc, self.mode)
            return self._by_mode(call)
        return self._elicited(call, answer.action, answer.content, typed, time.monotonic() - started)

    async def _typed(self, call: ToolCall) -> str:
        """What a person types for a critical call: action, the target's name (looked up), a short code."""
        name = None
        if self.lookup_name is not None:
            try:
                name = await self.lookup_name(call.api, call.arguments)
            except Exception as exc:  # no name: the id is shown instead
                log.debug("name lookup for %s failed: %s", call.api.name, exc)
        if not name:
            items = confirm.target_items(call.api, call.arguments)
            name = str(items[0][1]) if items else "it"
        return self.phrases.typed(call.api, call.arguments, " ".join(self.scrubber.scrub(name).split()))

    def _elicited(self, call: ToolCall, action: Any, content: Any, typed: str | None, seconds: float | None) -> Verdict:
        outcome = confirm.read_elicitation(call.policy, call.api, call.arguments, str(action), content, typed)
        call.decision.confirmation = f"elicitation: {outcome}"
        if outcome == "accepted":
            return None
        call.decision.stop("declined")
        why = {
            "declined": "the user declined",
            "cancelled": "the user cancelled",
            "mismatch": "the phrase typed did not match",
        }[outcome]
        text = f"not done: {why}, so {call.api.name} was not called and nothing was sent."
        instant = seconds is not None and seconds < self.instant_decline and outcome in ("declined", "cancelled")
        if instant:
            # No person answers a confirmation in a few milliseconds: the client declines them unseen.
            call.decision.confirmation = f"elicitation: {outcome} at once ({seconds * 1000:.0f} ms)"
            text = (
                f"not done: the client {outcome} the confirmation request at once ({seconds * 1000:.0f} ms), before "
                "anyone could have read it, so it seems to decline every elicitation automatically. "
                f"{call.api.name} was not called and nothing was sent. To confirm by phrase instead (the phrase "
                "appears in the client's approval prompt), restart the server with --confirm-via phrase "
                "(CLOUDSTACK_MCP_CONFIRM_VIA=phrase), or let the client show elicitation requests."
            )
        return error_result(text, data={"confirmation": outcome, "sent": False, "declined_at_once": instant})

    def _by_mode(self, call: ToolCall) -> Verdict:
        api, args, policy = call.api, call.arguments, call.policy
        if self.mode == "allow":
            call.decision.confirmation = "allowed by --confirm-mode allow"
            return None
        if self.mode == "deny":
            return self._refuse(
                call,
                f"it needs confirmation (severity {policy.severity.label}, --confirm-level {self.level.label}) and "
                "this client cannot ask the user (no elicitation) while --confirm-mode is deny. Use a client with "
                "elicitation, or restart with --confirm-mode phrase",
            )
        phrase = self.scrubber.scrub(self.phrases.phrase(api, args))  # a target equal to a secret is masked
        given = call.controls.get("confirm")
        # The code binds every non-secret argument under the server key; the rest of the phrase is for people.
        if self.phrases.check(api, args, given):
            call.decision.confirmation = "phrase"
            return None
        call.decision.stop("confirmation-required", confirmation="phrase asked")
        tool = _tool_name(call) if call.via == "tool" else call.tool
        text = confirm.phrase_instructions(policy, api, args, tool, phrase)
        mismatch = given not in (None, "")
        if mismatch:
            call.decision.confirmation = "phrase mismatch"
            text = "The confirm phrase given does not match this call (arguments changed?).\n" + text
        # A normal safety step, not a failure (isError false): clients and tools that treat errors as
        # failures would otherwise stop here. The first line says plainly that nothing happened.
        return text_result(
            f"NOT DONE. {text}",  # "NOT DONE. Confirmation required: <api> was NOT called; nothing was sent."
            data={
                "status": "confirmation_required",
                "done": False,
                "confirmation_required": True,
                "phrase_mismatch": mismatch,
                "phrase": phrase,
                "severity": policy.severity.label,
                "api": api.name,
                "sent": False,
            },
        )

    def _dry_run(self, call: ToolCall) -> types.CallToolResult:
        call.decision.stop("dry-run", confirmation="not asked (dry run)")
        shown = mask_params({"command": call.api.name, **call.params}, call.api)
        lines = [f"Dry run: {call.api.name} was NOT called; nothing was sent."]
        lines.append(f"It would send to {self.settings.endpoint or 'the built-in simulator'}:")
        lines += [f"  {k}={v}" for k, v in shown.items()]
        lines.append("(plus apiKey, signatureVersion, expires and signature when signed; secrets masked)")
        policy = call.policy
        if not policy.read_only:
            need = confirm.needs_confirmation(policy, self.level)
            lines.append(
                f"Policy: {policy.kind}, severity {policy.severity.label}"
                + (" (needs confirmation)" if need else "")
                + f". {policy.warning}"
            )
        return text_result(
            "\n".join(lines),
            data={"dry_run": True, "sent": False, "params": shown, "severity": policy.severity.label},
        )

    def _refuse(self, call: ToolCall, why: str) -> types.CallToolResult:
        call.decision.stop("denied", reason=why)
        return error_result(f"refused: {call.api.name} was not called because {why}. Nothing was sent.")

    # -- after ------------------------------------------------------------------------------

    async def after(self, call: ToolCall, outcome: Outcome, ctx: Any) -> None:
        """Mask secrets in the result, show a new secret once, and write the audit record."""
        result = outcome.result
        reveal = ""
        if result is not None:
            raw = result.structured_content
            if raw is not None:
                if not result.is_error and reveals_secrets(call.api) and call.decision.stopped is None:
                    reveal = reveal_text(call.api, raw)
                result.structured_content = self.scrubber.scrub_value(raw, call.api)  # also learns its secrets
            for block in result.content:
                if isinstance(block, types.TextContent):
                    block.text = self.scrubber.scrub(block.text)
            if reveal:
                result.content.append(types.TextContent(type="text", text=reveal))
        if call.request_id is not None:
            self._outcome(call, outcome)
        elif self._audited(call) and call.decision.stopped is not None:
            self.audit.decision(self._decision_record(call, outcome))

    def _audited(self, call: ToolCall) -> bool:
        return not call.read_only or call.policy.severity > Severity.NONE or call.decision.stopped is not None

    def _outcome(self, call: ToolCall, end: Outcome) -> None:
        result = end.result
        data = result.structured_content if result is not None and isinstance(result.structured_content, dict) else {}
        summary = {k: data[k] for k in ("jobid", "jobstatus", "id") if data.get(k) not in (None, "")}
        status = call.status or ("failed" if result is None or result.is_error else "succeeded")
        error = None
        if status != "succeeded" and result is not None:
            first = next((b.text for b in result.content if isinstance(b, types.TextContent)), "")
            error = first.splitlines()[0] if first else None
        job_id = call.job_id or (str(data["jobid"]) if data.get("jobid") else None)
        self.audit.outcome(
            call.request_id,
            status=status,
            job_id=job_id,
            error=error,
            result=summary,
            final=status != "running",
            arguments=mask_params(call.arguments, call.api),
            duration_ms=round(end.elapsed * 1000, 1),
        )

    def _decision_record(self, call: ToolCall, end: Outcome) -> dict[str, Any]:
        record = self._base_record(call)
        record.update(outcome=end.status(call.decision), duration_ms=round(end.elapsed * 1000, 1))
        if call.decision.stopped == "denied":
            record["reason"] = call.decision.reason
        return record

    def _base_record(self, call: ToolCall) -> dict[str, Any]:
        return {
            "tool": call.tool,
            "api": call.api.name,
            "via": call.via,
            "kind": call.policy.kind,
            "severity": call.policy.severity.label,
            "arguments": mask_params(call.arguments, call.api),
            "confirmation": call.decision.confirmation,
            "endpoint": self.settings.endpoint or "built-in simulator",
            "user": _who(self.settings),
        }


def _tool_name(call: ToolCall) -> str:
    return tool_name(call.api.name)


def _elicitation_supported(ctx: Any) -> bool:
    session = getattr(ctx, "session", None)
    caps = getattr(session, "client_capabilities", None) if session is not None else None
    elicitation = getattr(caps, "elicitation", None)
    return elicitation is not None and (elicitation.form is not None or getattr(elicitation, "url", None) is None)


def _modern(ctx: Any) -> bool:
    from mcp_types.version import is_version_at_least

    version = getattr(ctx, "protocol_version", None)
    return bool(version) and is_version_at_least(str(version), _MODERN)


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)


def _who(settings: Settings) -> str:
    """Who acted, without a credential: the user name, or the API key shortened."""
    if settings.username and not settings.api_key:
        return f"{settings.domain.rstrip('/')}/{settings.username}"
    key = settings.api_key or ""
    return f"apikey {key[:6]}...{key[-4:]}" if len(key) > 12 else ("apikey (short)" if key else "anonymous")
