"""Confirmation of dangerous calls, as pure functions over (policy, call).

Stateless by design: the phrase a user must confirm is derived from the call itself
(action, target, escalating flags and a short digest of every argument), so the
server keeps no pending state between the first call and its confirmed retry; any
instance, after any restart, verifies the same phrase. A phrase confirms exactly
one call: change any argument and the phrase changes.

Modes when the client cannot ask the user (no elicitation): `phrase` (default: the
first call returns the warning and the phrase to pass back as `confirm`), `deny`
(refuse), `allow` (proceed; still audited). `--confirm-level` is the lowest
severity that needs confirmation (default: high).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.config import CONFIRM_MODES, ConfirmMode  # the setting's values: config owns them
from cloudstack_mcp.policy.classify import ApiPolicy, Severity, parse_name
from cloudstack_mcp.policy.escalation import phrase_flags
from cloudstack_mcp.safety.secrets import MASK, is_secret_name

__all__ = [
    "CONFIRM_MODES",
    "DEFAULT_LEVEL",
    "ConfirmMode",
    "ElicitOutcome",
    "check_phrase",
    "describe_target",
    "elicitation_request",
    "needs_confirmation",
    "phrase_for",
    "phrase_instructions",
    "read_elicitation",
    "warning_text",
]

DEFAULT_LEVEL = Severity.MEDIUM  # low means harmless: everything above it is confirmed
ElicitOutcome = Literal["accepted", "declined", "cancelled", "mismatch"]

# Arguments that name what a call acts on, most telling first.
_TARGET_NAMES = ("id", "ids", "name", "username", "ipaddress", "virtualmachineid", "resourceids", "keyword")
_MAX_VALUE = 80


def needs_confirmation(policy: ApiPolicy, level: Severity) -> bool:
    """True when the call's severity is at or above the confirmation level, and always for a call that hands
    out a credential."""
    return policy.credential or (policy.severity > Severity.NONE and policy.severity >= level)


def _shown(name: str, value: Any, api: ApiSpec) -> str:
    if is_secret_name(name, api):
        return MASK
    if isinstance(value, (list, tuple)):
        text = ",".join(str(v) for v in value)
    elif isinstance(value, Mapping):
        text = json.dumps(value, sort_keys=True, default=str)
    else:
        text = str(value)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."


def _target_items(api: ApiSpec, arguments: Mapping[str, Any]) -> list[tuple[str, Any]]:
    args = {
        str(k).lower(): (str(k), v)
        for k, v in arguments.items()
        if v not in (None, "", [], {}) and not is_secret_name(str(k), api)
    }
    items = [args[n] for n in _TARGET_NAMES if n in args]
    if not items:
        required = [p.name.lower() for p in api.params if p.required]
        uuids = [p.name.lower() for p in api.params if p.type == "uuid"]
        items = [args[n] for n in dict.fromkeys(required + uuids) if n in args]
    return items[:3]


def describe_target(api: ApiSpec, arguments: Mapping[str, Any]) -> str:
    """What the call acts on, from its identifying arguments (secrets masked): `id=3f2a..., name=web-1`."""
    items = _target_items(api, arguments)
    if not items:
        return "no target named (the call acts on what its other arguments select)"
    return ", ".join(f"{name}={_shown(name, value, api)}" for name, value in items)


def _digest(api: ApiSpec, arguments: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        [api.name.lower(), sorted((str(k).lower(), v) for k, v in arguments.items())], sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:6]


def phrase_for(api: ApiSpec, arguments: Mapping[str, Any]) -> str:
    """The exact phrase that confirms this call: action, target, escalating flags, argument digest.

    e.g. `delete image store 3f2a6c0e-... #c41a7e`, `destroy virtual machine 9b1d... with expunge #0f3e21`.
    """
    parsed = parse_name(api.name)
    action = " ".join(w for w in (parsed.verb, parsed.words) if w) or api.name
    items = _target_items(api, arguments)
    target = " ".join(_shown(name, value, api) for name, value in items[:1])
    flags = phrase_flags(arguments)
    parts = [action, target, f"with {' and '.join(flags)}" if flags else "", f"#{_digest(api, arguments)}"]
    return " ".join(p for p in parts if p)


def _normal(text: str) -> str:
    text = text.strip().strip("\"'`").strip().rstrip(".").casefold()
    return re.sub(r"\s+", " ", text)


def check_phrase(expected: str, given: Any) -> bool:
    """True when `given` is the expected phrase (case, quotes and spacing ignored)."""
    return isinstance(given, str) and _normal(given) == _normal(expected)


def warning_text(policy: ApiPolicy, api: ApiSpec, arguments: Mapping[str, Any]) -> str:
    """What the user must know before saying yes: what is lost or interrupted, the target, the stakes."""
    undo = "cannot be undone" if not policy.reversible else "can be undone"
    return (
        f"{policy.severity.label.upper()} ({policy.kind}, {undo}, impact: {policy.scope or 'resource'}): "
        f"{policy.warning}\nTarget: {policy.category or 'resource'} {describe_target(api, arguments)}"
    )


def phrase_instructions(policy: ApiPolicy, api: ApiSpec, arguments: Mapping[str, Any], tool: str) -> str:
    """The answer to an unconfirmed call in phrase mode: the warning and the exact phrase to pass back."""
    phrase = phrase_for(api, arguments)
    return (
        f"Confirmation required: {api.name} was NOT called; nothing was sent.\n"
        f"{warning_text(policy, api, arguments)}\n"
        f"Ask the user. Only if they agree, call {tool} again with the same arguments plus\n"
        f'  confirm: "{phrase}"\n'
        "The phrase is tied to these exact arguments; with any other argument it is refused."
    )


def elicitation_request(policy: ApiPolicy, api: ApiSpec, arguments: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The message and requested schema for asking the user through the client (form elicitation).

    Critical calls ask the user to type the phrase; others ask for a yes/no.
    """
    message = f"{warning_text(policy, api, arguments)}\nRun {api.name}?"
    if policy.severity >= Severity.CRITICAL:
        phrase = phrase_for(api, arguments)
        schema = {
            "type": "object",
            "properties": {
                "phrase": {
                    "type": "string",
                    "title": "Type the phrase to confirm",
                    "description": f"To run it, type exactly: {phrase}",
                }
            },
            "required": ["phrase"],
        }
        return f"{message}\nType exactly: {phrase}", schema
    schema = {
        "type": "object",
        "properties": {
            "confirm": {
                "type": "boolean",
                "title": f"Run {api.name}",
                "description": "Check to run it; anything else sends nothing.",
                "default": False,
            }
        },
        "required": ["confirm"],
    }
    return message, schema


def read_elicitation(
    policy: ApiPolicy, api: ApiSpec, arguments: Mapping[str, Any], action: str, content: Mapping[str, Any] | None
) -> ElicitOutcome:
    """The user's answer to `elicitation_request`: accepted only with a yes (or the exact phrase)."""
    if action == "cancel":
        return "cancelled"
    if action != "accept":
        return "declined"
    content = content or {}
    if policy.severity >= Severity.CRITICAL:
        return "accepted" if check_phrase(phrase_for(api, arguments), content.get("phrase")) else "mismatch"
    value = content.get("confirm")
    return "accepted" if value is True or str(value).strip().lower() == "true" else "declined"
