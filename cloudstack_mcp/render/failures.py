"""What to say when a call that changes things failed on the way: did it happen, and how to check.

The wire layer (cloudstack/retry.py) decides whether a failure proves the call never ran or leaves
its outcome unknown; this module turns that into the result text, with the job id when one is known
and the list tool call that shows whether it happened (which needs the catalog and tool names).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.catalog.naming import tool_name
from cloudstack_mcp.cloudstack.retry import outcome_unknown
from cloudstack_mcp.errors import CloudStackMcpError, TransportError
from cloudstack_mcp.policy.classify import parse_name

__all__ = ["change_failure_text", "check_call", "unknown_outcome_text"]

_ID_FILTERS = ("id", "ids", "name", "keyword")


def _list_api_for(api: ApiSpec, catalog: Mapping[str, ApiSpec]) -> ApiSpec | None:
    """The list API that shows what `api` creates or changes: same response object, else a related
    list API (listApis' `related`), else one named after the object (`addIpToNic` -> listNics)."""
    words = parse_name(api.name).words.split()
    noun = "".join(w.capitalize() for w in words).lower()

    def best(candidates: list[ApiSpec], siblings: Sequence[str] = ()) -> ApiSpec | None:
        # Named after the same object first; then the one whose object most APIs of the same response
        # name (attachIso -> listVirtualMachines, not listVnfAppliances); then the shortest.
        def key(a: ApiSpec) -> tuple[bool, int, int, str]:
            stem = a.name[4:].lower().rstrip("s")
            return (noun not in a.name.lower(), -sum(stem in n for n in siblings), len(a.name), a.name)

        return min(candidates, key=key, default=None)

    if api.response_object and api.response_object not in ("SuccessResponse", "AsyncJobResponse"):
        same = [a for a in catalog.values() if a.response_object == api.response_object]
        found = best([a for a in same if a.is_list], [a.name.lower() for a in same])
        if found is not None:
            return found
    found = best([a for a in (_find(catalog, n) for n in api.related) if a is not None and a.is_list])
    if found is not None:
        return found
    for start in range(len(words)):  # "ip to nic" -> "to nic" -> "nic"
        name = "".join(w.capitalize() for w in words[start:])
        plurals = [f"{name}s", f"{name}es", f"{name[:-1]}ies" if name.endswith("y") else "", name]
        for candidate in plurals:
            found = _find(catalog, f"list{candidate}") if candidate else None
            if found is not None:
                return found
    return None


def _find(catalog: Mapping[str, ApiSpec], name: str) -> ApiSpec | None:
    finder = getattr(catalog, "find", None)
    if finder is not None:
        return finder(name)
    lowered = name.lower()
    return next((a for n, a in catalog.items() if n.lower() == lowered), None)


def _object_noun(api: ApiSpec) -> str:
    return parse_name(api.name).words.replace(" ", "")


def check_call(api: ApiSpec, arguments: Mapping[str, Any], catalog: Mapping[str, ApiSpec] | None) -> str | None:
    """The list tool call that shows whether `api` with `arguments` happened, e.g. `list_volumes(name='data1')`."""
    if catalog is None:
        return None
    lister = _list_api_for(api, catalog)
    if lister is None:
        return None
    filters: dict[str, Any] = {}
    noun = _object_noun(api)
    if noun and noun in lister.name.lower():  # the call names the listed object itself: its id or name
        for name in _ID_FILTERS:
            value = arguments.get(name)
            target = "keyword" if name == "name" and lister.param("name") is None else name
            if value not in (None, "", []) and lister.param(target) is not None and target not in filters:
                filters[target] = value
    if not filters and lister.response_object and lister.param("id") is not None:
        # attachIso(id=ISO, virtualmachineid=VM) -> list_virtual_machines(id=VM): the argument naming that object.
        for key, value in arguments.items():
            param = api.param(key)
            if param is not None and param.entity == lister.response_object and isinstance(value, str):
                filters["id"] = value
                break
    args = ", ".join(f"{k}={v!r}" for k, v in filters.items())
    return f"{tool_name(lister.name)}({args})"


def _what_happened(exc: TransportError) -> str:
    if exc.kind == "timeout":
        return "no answer came back in time"
    if exc.kind == "dropped":
        return "the connection closed before the answer came back"
    if exc.kind == "truncated":
        return "the answer came back cut short"
    status = f"HTTP {exc.status}" if exc.status else "an answer"
    return f"{status} came back instead of a CloudStack answer (a proxy or load balancer may have answered)"


def unknown_outcome_text(
    api: ApiSpec,
    arguments: Mapping[str, Any],
    exc: CloudStackMcpError,
    catalog: Mapping[str, ApiSpec] | None = None,
    *,
    jobid: str | None = None,
) -> str:
    """The result text of a change whose outcome is unknown: what we know, what we did not do, how to check."""
    detail = str(exc).split("\n", 1)[0]
    if jobid:
        head = (
            f"{api.name}: OUTCOME UNKNOWN. CloudStack accepted it as async job {jobid}, but following the job "
            f"failed: {detail}. The job may still be running, have finished, or have failed."
        )
        check = f"Follow it with {tool_name('queryAsyncJobResult')}(jobid={jobid!r})"
    else:
        what = _what_happened(exc) if isinstance(exc, TransportError) else "its answer could not be used"
        head = (
            f"{api.name}: OUTCOME UNKNOWN. The request was sent, but {what}: {detail}. "
            "CloudStack may or may not have done it."
        )
        check = ""
    lines = [head, "It was not sent again, so that it cannot happen twice."]
    listing = check_call(api, arguments, catalog)
    if listing:
        check = f"{check}; {listing} shows the result" if check else f"Check with {listing} whether it happened"
    elif not check:
        check = "Check with the matching list tool whether it happened"
    if api.isasync and not jobid:
        check += f"; {tool_name('listAsyncJobs')}() lists the jobs started recently"
    lines.append(f"{check}, before calling {tool_name(api.name)} again.")
    return "\n".join(lines)


def change_failure_text(
    api: ApiSpec, arguments: Mapping[str, Any], exc: CloudStackMcpError, catalog: Mapping[str, ApiSpec] | None
) -> str | None:
    """The result text when a call that changes things failed on the way (None: CloudStack's own error).

    Either the outcome is unknown (`unknown_outcome_text`), or the request provably did not run and
    the text says that nothing changed.
    """
    if not isinstance(exc, TransportError):
        return None
    if outcome_unknown(exc):
        return unknown_outcome_text(api, arguments, exc, catalog)
    why = "the request never left this machine" if exc.kind == "connect" else "it was refused before CloudStack ran it"
    wait = " after a short wait" if exc.status in (429, 503) else ""
    return f"{exc}\nNothing changed: {why}. Calling {tool_name(api.name)} again{wait} is safe."
