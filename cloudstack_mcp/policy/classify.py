"""Safety policy for every API: read-only, mutating or destructive, with severity and a warning.

The policy is derived from the API's name: its verb (delete, stop, migrate, ...)
says what happens, its object (zone, image store, tag, ...) says how much is at
stake. `verbs`, `objects` and `overrides` hold the tables; `escalation` the
arguments that raise one call's severity. Unknown verbs are never read-only: they are treated as dangerous.

`python -m cloudstack_mcp.policy.classify --markdown SPEC` prints the table of dangerous APIs.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.catalog.naming import is_acronym, split_name, tool_name
from cloudstack_mcp.policy.escalation import escalations, worst_case_arguments
from cloudstack_mcp.policy.objects import Obj, find_object
from cloudstack_mcp.policy.overrides import OVERRIDES
from cloudstack_mcp.policy.verbs import NAMESPACES, VERBS, Verb
from cloudstack_mcp.severity import Severity  # the scale is shared (settings, audit): one owner below

__all__ = ["ApiPolicy", "Severity", "classify", "for_call", "markdown_table", "parse_name", "worst_case"]

Kind = Literal["read", "mutating", "destructive"]


@dataclass(frozen=True, slots=True)
class ApiPolicy:
    api: str
    kind: Kind
    severity: Severity = Severity.NONE
    category: str = ""  # what it acts on, e.g. "image store"
    reversible: bool = True
    scope: str = ""  # e.g. "vm", "account", "zone", "cloud"
    warning: str = ""
    # It hands out a credential (a password, keys, a kubeconfig): confirmed at every level, also read-only.
    credential: bool = False

    @property
    def read_only(self) -> bool:
        return self.kind == "read"


@dataclass(frozen=True, slots=True)
class ParsedName:
    """An API name split into verb and object words; `verb` is None when no known verb was found."""

    verb: str | None
    words: str  # the object words, lower case, space separated ("image store")


_DESTRUCTIVE = frozenset({"destroy", "release", "revoke", "reset", "rollback"})
_IRREVERSIBLE = frozenset({"destroy", "release", "revoke", "reset", "rollback"})
# Objects a "destroy" leaves recoverable for a while (recoverVirtualMachine, recoverVolume, ...).
_RECOVERABLE = frozenset({"virtual machine", "volume", "shared file system"})
_UNKNOWN = Obj("resource", "resource", 2, 2, "it", "whatever depends on it")
# Harm that is not loss or outage, by what the object is: creating or changing one of these opens or closes
# network access, or changes who may do what. Never "low" (low means harmless: tags, annotations, icons).
_ACCESS = frozenset({"firewall rule", "security group", "load balancer", "VPN or gateway", "VPN user"})
_POWER = frozenset(
    {"account", "user", "role", "role rule", "permissions", "user credentials", "project member", "authentication"}
)


@functools.lru_cache(maxsize=4096)
def parse_name(name: str) -> ParsedName:
    """Split an API name into its verb and object words (`deleteImageStore` -> delete, "image store")."""
    words = [w.lower() for w in split_name(name)]
    first, rest = words[0], words[1:]
    if first in VERBS:
        return ParsedName(first, " ".join(rest))
    if first in NAMESPACES:
        # quotaTariffDelete, ldapRemove, cloudianSsoLogin: the verb follows the plugin name or ends the name.
        if rest and rest[0] in VERBS:
            return ParsedName(rest[0], " ".join([first, *rest[1:]]))
        if rest and rest[-1] in VERBS:
            return ParsedName(rest[-1], " ".join([first, *rest[:-1]]))
        return ParsedName(None, " ".join(words))
    # Odd casing ("DELETEZONE", "deletezone"): a verb that changes things may prefix the name; read verbs
    # need a word boundary, so an unknown all-lower-case name is never taken for a read.
    low = name.lower()
    changing = [v for v, rule in VERBS.items() if rule.effect != "read" and low.startswith(v)]
    if changing:
        verb = max(changing, key=len)
        rest_name = low[len(verb) :]
        return ParsedName(verb, rest_name)
    return ParsedName(None, " ".join(words))


_VOWEL_LETTERS = frozenset("AEFHILMNORSX")  # acronyms read letter by letter: "an SSH key", "an LB rule"


def _noun(api_name: str, verb: str | None, fallback: str) -> str:
    """The object of an API name in words, acronyms kept: deleteVPCOffering -> "VPC offering"."""
    words = split_name(api_name)
    if len(words) <= 1:  # no case boundaries ("deleteimagestore"): the parsed words are all we have
        return fallback or api_name
    if words and verb and words[0].lower() == verb:
        words = words[1:]
    return " ".join(w if is_acronym(w) else w.lower() for w in words) or api_name


def _with_article(noun: str) -> str:
    first = noun.split(" ", 1)[0]
    if first in ("from", "to", "for") or (noun.endswith("s") and not noun.endswith("ss")):
        return noun  # "from load balancer rule", "alerts", "snapshot policies"
    if first.isupper() and len(first) > 1:
        return ("an " if first[0] in _VOWEL_LETTERS else "a ") + noun
    vowel = first[:1] in ("a", "e", "i", "o") or (first[:1] == "u" and not first.startswith(("us", "un")))
    return ("an " if vowel or first.startswith("unm") else "a ") + noun


def _severity(effect: str, obj: Obj, words: str) -> Severity:
    if effect == "read":
        return Severity.NONE
    if effect == "destroy" and re.search(r"(^| )from ", words):
        effect = "unlink"  # removes X from Y: the association goes, X stays
    rules: dict[str, int] = {
        "destroy": obj.tier,
        "unlink": 1 if obj.tier <= 2 else 2,
        "release": 1 if words.startswith("dedicated") else obj.tier,
        "revoke": obj.tier,
        "reset": 2,
        "rollback": 3,
        "interrupt": obj.outage,
        "maintain": 3,
        "suspend": obj.outage,
        "resize": obj.outage,
        "move": obj.outage,
        "update": 2 if obj.tier >= 4 else 1,
        "dedicate": 2 if obj.tier >= 4 else 1,
        "create": 1,
        "cancel": 1,
    }
    level = rules.get(effect, 3)
    if effect in ("create", "update", "cancel") and (obj.category in _ACCESS or obj.category in _POWER):
        level = max(level, 2)
    return Severity(max(1, min(4, level)))


def _warning(verb: Verb, obj: Obj, noun: str, words: str, reversible: bool) -> str:
    what = _with_article(noun)
    effect = verb.effect
    lost = obj.contents or "it"
    hit = obj.dependents or "whatever depends on it"
    if effect == "destroy" and re.search(r"(^| )from ", words):
        return f"{verb.phrase} {what}: {obj.dependents or 'whatever used the link'} will be affected."
    if effect == "destroy":
        tail = "It cannot be undone." if not reversible else "It can be recovered until it is expunged."
        return f"{verb.phrase} {what}: {lost} will be lost. {tail}"
    if effect == "release":
        if words.startswith("dedicated"):
            return f"{verb.phrase} {what}: other accounts may use it again."
        return f"{verb.phrase} {what}: {lost} will go back to the pool and may not come back."
    if effect == "revoke":
        return f"{verb.phrase} {what}: {obj.dependents or 'whatever relied on it'} will stop working."
    if effect == "reset":
        return f"{verb.phrase} {what}: the current value will be replaced and cannot be restored."
    if effect == "rollback":
        return f"{verb.phrase} {what} to an earlier state: everything changed since then will be lost."
    if effect in ("interrupt", "suspend", "maintain"):
        return f"{verb.phrase} {what}: {hit} will be interrupted."
    if effect in ("resize", "move"):
        return f"{verb.phrase} {what}: {hit} may pause or restart."
    if effect == "dedicate":
        return f"{verb.phrase} {what} to one owner: others can no longer place resources on it."
    if effect == "update":
        return f"{verb.phrase} {what}: {obj.dependents or 'whatever uses it'} will see the change at once."
    return f"{verb.phrase} {what}."


def classify(api: ApiSpec) -> ApiPolicy:
    """The static policy of an API (no arguments known)."""
    return _classify(api.name)


@functools.lru_cache(maxsize=4096)
def _classify(name: str) -> ApiPolicy:
    # The policy depends on the name alone (rules over the verb and object, overrides by name).
    api = ApiSpec(name)
    parsed = parse_name(api.name)
    found = find_object(parsed.words)
    obj = found or _UNKNOWN
    override = OVERRIDES.get(api.name, {})
    verb = VERBS.get(parsed.verb or "")
    if verb is None and "kind" in override:
        # A name the rules cannot read (quotaBalance, samlSso) that our table classifies explicitly.
        base = ApiPolicy(api.name, "read", Severity.NONE, obj.category, True, obj.scope, "")
    elif verb is None:
        base = ApiPolicy(
            api.name,
            "mutating",
            Severity.HIGH,
            obj.category,
            False,
            obj.scope,
            f"{api.name} is not a known kind of action, so it is treated as dangerous until classified.",
        )
    elif verb.effect == "read":
        base = ApiPolicy(api.name, "read", Severity.NONE, obj.category, True, obj.scope, "")
    else:
        reversible = verb.effect not in _IRREVERSIBLE or (parsed.verb == "destroy" and obj.category in _RECOVERABLE)
        if verb.effect == "release" and parsed.words.startswith("dedicated"):
            reversible = True
        base = ApiPolicy(
            api.name,
            "destructive" if verb.effect in _DESTRUCTIVE else "mutating",
            _severity(verb.effect, obj, parsed.words),
            obj.category,
            reversible,
            obj.scope,
            _warning(verb, obj, _noun(api.name, parsed.verb, parsed.words), parsed.words, reversible),
        )
    if found is None and base.kind == "destructive" and "severity" not in override:
        # deleteEverything: a destructive verb on an object no rule knows could be anything: fail closed.
        base = replace(base, severity=max(base.severity, Severity.HIGH))
    if override:
        fields = {k: (Severity(int(v)) if k == "severity" else v) for k, v in override.items()}
        if fields.get("kind") == "read" and "severity" not in fields:
            fields["severity"] = Severity.NONE
        base = replace(base, **fields)
    if base.kind != "read" and base.severity == Severity.NONE:
        base = replace(base, severity=Severity.LOW)
    return base


def for_call(api: ApiSpec, arguments: Mapping[str, Any]) -> ApiPolicy:
    """The policy of one call: its arguments may escalate it (policy.escalation), never lower it."""
    base = classify(api)
    if base.read_only:
        return base
    hits = escalations(parse_name(api.name).verb, arguments)
    if not hits:
        return base
    severity, reversible = int(base.severity), base.reversible
    for hit in hits:
        severity = max(severity + hit.up, int(hit.floor))
        reversible = reversible and not hit.irreversible
    warning = f"{base.warning} With these arguments: {'; '.join(h.note for h in hits)}."
    return replace(
        base, severity=Severity(min(severity, Severity.CRITICAL)), reversible=reversible, warning=warning.strip()
    )


def worst_case(api: ApiSpec) -> ApiPolicy:
    """The policy of the most dangerous call the API allows (every escalating argument set)."""
    args = worst_case_arguments(p.name for p in api.params)
    return for_call(api, args) if args else classify(api)


def markdown_table(apis: Iterable[ApiSpec], min_severity: Severity = Severity.MEDIUM) -> str:
    """A Markdown table of every API at or above `min_severity`, most severe first."""
    rows = [classify(a) for a in apis]
    rows = [p for p in rows if p.severity >= min_severity]
    rows.sort(key=lambda p: (-p.severity, p.api))
    out = [
        "| API | tool | severity | kind | acts on | scope | reversible | warning |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for p in rows:
        warning = p.warning.replace("|", "\\|")
        out.append(
            f"| `{p.api}` | `{tool_name(p.api)}` | {p.severity.label} | {p.kind}{' (credential)' if p.credential else ''} "
            f"| {p.category} | {p.scope} "
            f"| {'yes' if p.reversible else 'no'} | {warning} |"
        )
    return "\n".join(out) + "\n"


def _main(argv: list[str] | None = None) -> int:
    from cloudstack_mcp.catalog.model import Catalog, CatalogError

    parser = argparse.ArgumentParser(
        prog="python -m cloudstack_mcp.policy.classify", description=__doc__.splitlines()[0]
    )
    parser.add_argument("spec", help="a listApis JSON file (apis-meta.json beside it is read too)")
    parser.add_argument("--markdown", action="store_true", help="print the table of dangerous APIs as Markdown")
    parser.add_argument("--min-severity", default="medium", help="lowest severity listed (default: medium)")
    ns = parser.parse_args(argv)
    try:
        catalog = Catalog.load(ns.spec)
        level = Severity.parse(ns.min_severity)
    except (CatalogError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if ns.markdown:
        sys.stdout.write(markdown_table(catalog.values(), level))
        return 0
    for p in sorted((classify(a) for a in catalog.values()), key=lambda p: (-p.severity, p.api)):
        if p.severity >= level:
            print(f"{p.severity.label:8} {p.kind:11} {p.api:45} {p.category} ({p.scope})")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
