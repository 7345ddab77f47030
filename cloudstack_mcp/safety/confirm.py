"""Confirmation of dangerous calls, as pure functions over (policy, call).

Stateless by design: the phrase a user must confirm is derived from the call itself
(action, target, escalating flags) and a code: a keyed MAC (HMAC-SHA256, 80 bits shown)
over the API and every non-secret argument, under the server's key (`phrase_key`). The
server keeps no pending state between the first call and its confirmed retry; any
instance holding the same key, after any restart, verifies the same phrase. Without the
key nobody can compute one, and a phrase confirms exactly one call: change any
non-secret argument and the code changes. Secret values are left out of the MAC, so a
phrase never confirms a guess of a password.

Critical calls confirmed through elicitation ask a person to type a short phrase
instead: the action, the target's name (looked up) and a 6-character code.

Modes when the client cannot ask the user (no elicitation): `phrase` (default: the
first call returns the warning and the phrase to pass back as `confirm`), `deny`
(refuse), `allow` (proceed; still audited). `--confirm-level` is the lowest
severity that needs confirmation (default: medium).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.config import CONFIRM_MODES, ConfirmMode  # the setting's values: config owns them
from cloudstack_mcp.policy.classify import ApiPolicy, Severity, parse_name
from cloudstack_mcp.policy.escalation import phrase_flags
from cloudstack_mcp.safety.secrets import MASK, is_secret_name, mask_value

__all__ = [
    "CONFIRM_MODES",
    "DEFAULT_LEVEL",
    "ConfirmMode",
    "ElicitOutcome",
    "Phrases",
    "check_phrase",
    "describe_target",
    "elicitation_request",
    "needs_confirmation",
    "phrase_for",
    "phrase_instructions",
    "read_elicitation",
    "target_items",
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


def target_items(api: ApiSpec, arguments: Mapping[str, Any]) -> list[tuple[str, Any]]:
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
    items = target_items(api, arguments)
    if not items:
        return "no target named (the call acts on what its other arguments select)"
    return ", ".join(f"{name}={_shown(name, value, api)}" for name, value in items)


_CODE_BYTES = 10  # 80 bits: no offline search of argument variations finds a second call with the same code
_TYPED_CHARS = 6  # what a person types for a critical call (a guess costs an elicitation round each)
_CODE = re.compile(r"#\s*([a-z2-7]{4}(?:-?[a-z2-7]{4}){3})\b", re.I)


def _canonical(api: ApiSpec, arguments: Mapping[str, Any]) -> bytes:
    """The call as the MAC sees it: the API and every argument except secrets (names in any case)."""
    shown = {str(k).lower(): v for k, v in arguments.items() if not is_secret_name(str(k), api)}
    shown = mask_value(shown, api)  # secret entries of maps and secret-named fields inside values
    return json.dumps([api.name.lower(), sorted(shown.items())], sort_keys=True, default=str,
                      separators=(",", ":")).encode()  # fmt: skip


def _action(api: ApiSpec) -> str:
    parsed = parse_name(api.name)
    return " ".join(w for w in (parsed.verb, parsed.words) if w) or api.name


class Phrases:
    """Confirmation phrases under one server key: made, and checked, only by who holds the key."""

    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("a phrase key needs at least 16 bytes")
        self._key = key

    def _mac(self, domain: bytes, api: ApiSpec, arguments: Mapping[str, Any]) -> bytes:
        return hmac.new(self._key, domain + b"\0" + _canonical(api, arguments), hashlib.sha256).digest()

    def code(self, api: ApiSpec, arguments: Mapping[str, Any]) -> str:
        """The call's code, 80 bits as four groups of four: `k7m2-x9qp-4hrt-w3ab`."""
        text = base64.b32encode(self._mac(b"phrase", api, arguments)[:_CODE_BYTES]).decode().lower()
        return "-".join(text[i : i + 4] for i in range(0, 16, 4))

    def phrase(self, api: ApiSpec, arguments: Mapping[str, Any]) -> str:
        """The phrase that confirms this call: action, target, escalating flags and the code.

        e.g. `delete image store 3f2a6c0e-... #k7m2-x9qp-4hrt-w3ab`, `destroy virtual machine 9b1d... with expunge
        #...`.
        """
        items = target_items(api, arguments)
        target = " ".join(_shown(name, value, api) for name, value in items[:1])
        flags = phrase_flags(arguments)
        parts = [_action(api), target, f"with {' and '.join(flags)}" if flags else "", f"#{self.code(api, arguments)}"]
        return " ".join(p for p in parts if p)

    def check(self, api: ApiSpec, arguments: Mapping[str, Any], given: Any) -> bool:
        """Whether `given` confirms this call: it names the action and carries this call's code (case,
        quotes, spacing and the shown target do not matter; the code binds every non-secret argument)."""
        if not isinstance(given, str):
            return False
        found = _CODE.search(given)
        if found is None or not _normal(given).startswith(_action(api).casefold()):
            return False
        return hmac.compare_digest(found.group(1).lower().replace("-", ""), self.code(api, arguments).replace("-", ""))

    def typed(self, api: ApiSpec, arguments: Mapping[str, Any], name: str) -> str:
        """What a person types to confirm a critical call: `delete zone east-1 k7m2x9`."""
        short = base64.b32encode(self._mac(b"typed", api, arguments)[:5]).decode().lower()[:_TYPED_CHARS]
        return f"{_action(api)} {name} {short}"


def phrase_for(api: ApiSpec, arguments: Mapping[str, Any], *, key: bytes) -> str:
    """The phrase that confirms this call under `key` (see `Phrases.phrase`)."""
    return Phrases(key).phrase(api, arguments)


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


def phrase_instructions(policy: ApiPolicy, api: ApiSpec, arguments: Mapping[str, Any], tool: str, phrase: str) -> str:
    """The answer to an unconfirmed call in phrase mode: the warning and the exact phrase to pass back."""
    return (
        f"Confirmation required: {api.name} was NOT called; nothing was sent.\n"
        f"{warning_text(policy, api, arguments)}\n"
        f"Ask the user. Only if they agree, call {tool} again with the same arguments plus\n"
        f'  confirm: "{phrase}"\n'
        "The phrase is tied to these exact arguments; with any other argument it is refused."
    )


def elicitation_request(
    policy: ApiPolicy, api: ApiSpec, arguments: Mapping[str, Any], typed: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The message and requested schema for asking the user through the client (form elicitation).

    Critical calls ask the user to type `typed` (`Phrases.typed`); others ask for a yes/no.
    """
    message = f"{warning_text(policy, api, arguments)}\nRun {api.name}?"
    if policy.severity >= Severity.CRITICAL and typed:
        phrase = typed
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
    policy: ApiPolicy,
    api: ApiSpec,
    arguments: Mapping[str, Any],
    action: str,
    content: Mapping[str, Any] | None,
    typed: str | None = None,
) -> ElicitOutcome:
    """The user's answer to `elicitation_request`: accepted only with a yes (or the exact phrase)."""
    if action == "cancel":
        return "cancelled"
    if action != "accept":
        return "declined"
    content = content or {}
    if policy.severity >= Severity.CRITICAL and typed:
        return "accepted" if check_phrase(typed, content.get("phrase")) else "mismatch"
    value = content.get("confirm")
    return "accepted" if value is True or str(value).strip().lower() == "true" else "declined"
