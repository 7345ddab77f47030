"""Arguments that make one call more dangerous than its API: the one owner of escalating arguments.

`policy.classify.for_call` applies the rules here to a call's arguments (they raise a severity, never
lower it); the guard asks `worst_case_arguments` which control a tool's schema needs (`confirm` when
some argument can push the call over the confirmation level); confirmation phrases name the flags
that are set (`destroy virtual machine web-1 with expunge`) through `phrase_flags`.

A rule either raises the severity by `up` levels or lifts it to at least `floor`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cloudstack_mcp.severity import Severity

__all__ = ["RULES", "Hit", "Rule", "escalations", "phrase_flags", "worst_case_arguments"]


def _text(value: Any) -> str:
    return str(value).strip().lower()


def _true(value: Any, _args: Mapping[str, Any]) -> bool:
    return value is True or (isinstance(value, str) and _text(value) == "true")


def _false(value: Any, _args: Mapping[str, Any]) -> bool:
    return value is False or (isinstance(value, str) and _text(value) == "false")


def _items(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value]
    return [part.strip() for part in _text(value).split(",")]


_WORLD = frozenset({"0.0.0.0/0", "::/0"})


def _world(value: Any, _args: Mapping[str, Any]) -> bool:
    return any(item in _WORLD for item in _items(value))


def _every_port(value: Any, args: Mapping[str, Any]) -> bool:
    """A world-open CIDR on every port (1-65535, or a protocol with no ports: all)."""
    if not _world(value, args):
        return False
    if _text(args.get("protocol", "")) in ("all", "any", "-1"):
        return True
    try:
        return int(str(args.get("startport", "x"))) <= 1 and int(str(args.get("endport", "x"))) >= 65535
    except ValueError:
        return False


def _equals(*wanted: str) -> Callable[[Any, Mapping[str, Any]], bool]:
    return lambda value, _args: _text(value) in wanted


def _every_api_allowed(value: Any, args: Mapping[str, Any]) -> bool:
    return _text(value) == "*" and _text(args.get("permission", "allow")) == "allow"


@dataclass(frozen=True, slots=True)
class Rule:
    argument: str  # lower case
    when: Callable[[Any, Mapping[str, Any]], bool]
    note: str
    up: int = 0  # levels added
    floor: Severity = Severity.NONE  # or: at least this
    irreversible: bool = False
    flag: bool = False  # named in the confirmation phrase ("with expunge")
    worst: Any = "true"  # the value that triggers it (worst_case_arguments)


RULES: tuple[Rule, ...] = (
    Rule("expunge", _true, "expunge=true deletes it at once: it cannot be recovered", up=1, irreversible=True,
         flag=True),
    Rule("forced", _true, "forced=true skips the usual safety checks", up=1, flag=True),
    Rule("cleanup", _true, "cleanup=true also removes what it contains or rebuilds it from scratch", up=1,
         flag=True),
    Rule("forcedestroylocalstorage", _true, "forcedestroylocalstorage=true destroys the VMs on the host's local "
         "storage", up=1, irreversible=True, flag=True),
    Rule("shrinkok", _true, "shrinkok=true shrinks the disk: data beyond the new size is lost", up=1,
         irreversible=True, flag=True),
    Rule("repair", _true, "repair=true modifies the volume to fix what the check finds", up=1, flag=True),
    Rule("deleteprotection", _false, "deleteprotection=false lets it be deleted", floor=Severity.MEDIUM,
         worst="false"),
    # power given away
    Rule("accounttype", _equals("1"), "accounttype=1 makes a root admin of the whole cloud",
         floor=Severity.CRITICAL, worst="1"),
    Rule("accounttype", _equals("2"), "accounttype=2 makes a domain admin", floor=Severity.HIGH, worst="2"),
    Rule("roletype", _equals("admin"), "roletype=Admin gives the role root-admin power", floor=Severity.CRITICAL,
         worst="Admin"),
    Rule("roletype", _equals("domainadmin", "resourceadmin"), "the role type gives admin power",
         floor=Severity.HIGH, worst="DomainAdmin"),
    Rule("rule", _every_api_allowed, "rule=* with permission=allow allows every API", floor=Severity.CRITICAL,
         worst="*"),
    Rule("ispublic", _true, "ispublic=true shares it with every account of the cloud", floor=Severity.HIGH,
         flag=True),
    Rule("isextractable", _true, "isextractable=true lets it be downloaded", floor=Severity.MEDIUM),
    # network access opened to the world
    Rule("cidrlist", _world, "a 0.0.0.0/0 or ::/0 CIDR opens it to the whole internet", floor=Severity.HIGH,
         worst="0.0.0.0/0"),
    Rule("cidrlist", _every_port, "on every port", up=1, worst="0.0.0.0/0"),
    Rule("sourcecidrlist", _world, "a 0.0.0.0/0 or ::/0 source CIDR opens it to the whole internet",
         floor=Severity.HIGH, worst="0.0.0.0/0"),
)  # fmt: skip
_CREDENTIAL_ARGS = re.compile(r"password|secretkey|apikey|privatekey|accesskey", re.I)
_CREDENTIAL_NOTE = "it replaces credentials: the old ones stop working"


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule that applies to a call."""

    note: str
    up: int
    floor: Severity
    irreversible: bool


def escalations(verb: str | None, arguments: Mapping[str, Any]) -> list[Hit]:
    """The rules a call's arguments trigger (argument names in any case)."""
    args = {str(k).lower(): v for k, v in arguments.items()}
    hits = [
        Hit(rule.note, rule.up, rule.floor, rule.irreversible)
        for rule in RULES
        if rule.argument in args and args[rule.argument] is not None and rule.when(args[rule.argument], args)
    ]
    if verb in ("update", "change") and any(_CREDENTIAL_ARGS.search(k) for k in args):
        hits.append(Hit(_CREDENTIAL_NOTE, 0, Severity.HIGH, True))
    return hits


def phrase_flags(arguments: Mapping[str, Any]) -> list[str]:
    """The escalating flags set in a call, as its confirmation phrase names them (`expunge`, `forced`)."""
    args = {str(k).lower(): v for k, v in arguments.items()}
    return [r.argument for r in RULES if r.flag and r.argument in args and r.when(args[r.argument], args)]


def worst_case_arguments(param_names: Iterable[str]) -> dict[str, Any]:
    """Arguments that trigger every rule an API's parameters allow (for the tool's `confirm` control)."""
    names = {n.lower() for n in param_names}
    args: dict[str, Any] = {}
    for rule in RULES:
        if rule.argument in names and rule.argument not in args:
            args[rule.argument] = rule.worst
    if "rule" in args:
        args["permission"] = "allow"
    if "cidrlist" in args or "sourcecidrlist" in args:
        args.update(protocol="all", startport="1", endport="65535")
    for name in names:
        if _CREDENTIAL_ARGS.search(name):
            args.setdefault(name, "x")
    return args
