"""Errors a model can act on: code, meaning, the server's text, the parameter at fault and what to try."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec, ParamSpec
from cloudstack_mcp.catalog.naming import tool_name
from cloudstack_mcp.errors import error_meaning
from cloudstack_mcp.safety.secrets import MASK, is_secret_name, mask_params

__all__ = ["render_error", "render_error_answer", "suspect_param"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_PARAM_PATTERNS = (
    re.compile(r"missing parameter[s]?\s*:?\s*([A-Za-z0-9_.]+)", re.I),
    re.compile(r"Invalid parameter ([A-Za-z0-9_.]+) value=", re.I),
    re.compile(r"invalid value \S* ?for parameter ([A-Za-z0-9_.]+)", re.I),
    re.compile(r"for param(?:eter)?:? ([A-Za-z0-9_.]+)", re.I),
    re.compile(r"parameter ([A-Za-z0-9_.]+) (?:is|must|should|cannot|can't|has)", re.I),
)
_MAX_LENGTH = re.compile(r"max allowed length (\d+)", re.I)

_HINTS: dict[int, str] = {
    401: "check the API key and secret key (or log in again if a session expired); signed requests that"
    " carry `expires` also fail when the clocks of this machine and the server disagree.",
    405: "the server refused the HTTP method: login must be sent with POST.",
    429: "the server throttles API calls (api.throttling.max per api.throttling.interval): wait a second and retry.",
    430: "a map or list parameter could not be decoded: pass a map as an object (or a list of objects) and a list"
    " as an array of values.",
    431: "check every parameter's type (uuids, integers, booleans, dates as yyyy-MM-dd) and that each id exists"
    " (the matching list tool shows valid ids).",
    432: "this server does not know the API or your role may not call it: search the catalog for the right name,"
    " or ask an administrator for the permission.",
    503: "the server is not ready: retry in a little while.",
    511: "this session needs two-factor authentication: complete it in the UI or use an API key.",
    530: "the server failed while doing it; the text may say why. Non-admin callers get a generic text: an"
    " administrator can find the cause in the management server log (search for the ids or job id).",
    531: "the caller may not act on this resource: check that it belongs to your account, domain or project"
    " (pass projectid for project resources), or use an account that has the permission.",
    532: "an account resource limit was reached: free some resources or ask an administrator to raise the limit"
    f" ({tool_name('listResourceLimits')} shows the limits).",
    533: "no host, storage or address has room for this: try another zone or cluster, a smaller offering, or"
    " free capacity first.",
    534: "a resource this needs is unavailable (a host down, storage in maintenance): check its state and retry later.",
    535: "allocation failed: check that the requested resources (IP addresses, VLANs, storage) are free.",
    536: "the resource is in use: detach, stop or delete what uses it first.",
    537: "a network rule clashes with an existing one: list the existing rules and choose other ports or protocols.",
}


def suspect_param(text: str, api: ApiSpec | None = None, params: Mapping[str, Any] | None = None) -> str | None:
    """The parameter an error text blames: named in the text, else the one whose value it quotes."""
    named = None
    for pattern in _PARAM_PATTERNS:
        m = pattern.search(text)
        if m:
            name = m.group(1).rstrip(".")
            if api is None or api.param(name) or not api.params:
                return name
            named = named or name
    if named:
        return named
    low = text.lower()
    for name, value in (params or {}).items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            continue
        shown = str(value)
        if len(shown) >= 2 and not is_secret_name(name) and re.search(rf"(?<![\w-]){re.escape(shown)}(?![\w-])", text):
            return name
    if api is not None:
        # "Unable to find service offering: 104" -> serviceofferingid
        squeezed = re.sub(r"[^a-z0-9]", "", low)
        best = None
        for p in api.params:
            stem = p.name.lower().removesuffix("ids").removesuffix("id")
            if (
                len(stem) >= 4
                and stem in squeezed
                and p.name.lower() != stem
                and (best is None or len(stem) > len(best))
            ):
                best = p.name
        return best
    return None


def _article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _list_tool_for(param: ParamSpec) -> str | None:
    lists = [r for r in dict.fromkeys(param.related) if r.startswith("list")]
    if not lists:
        return None
    stem = (param.entity or "").removesuffix("Response").lower()
    for name in lists:
        if stem and stem in name.lower():
            return tool_name(name)
    return tool_name(lists[0])


def _param_hint(code: int, text: str, name: str, api: ApiSpec | None, params: Mapping[str, Any] | None) -> str:
    spec = api.param(name) if api else None
    sent = None
    if params:
        lowered = {k.lower(): v for k, v in mask_params(params).items()}
        sent = lowered.get(name.lower())
    what = f"`{name}`"
    if spec is not None:
        kind = spec.type + (f" of {spec.collection_type}" if spec.collection_type else "")
        entity = f", the id of {_article(spec.entity.removesuffix('Response'))}" if spec.entity else ""
        what += f" ({kind}{entity}{', required' if spec.required else ''})"
    parts = [f"parameter {what}"]
    if re.search(r"missing parameter", text, re.I) and sent is None:
        parts.append("is missing: pass it")
    elif sent is not None:
        parts.append(f"got {sent!r}")
    m = _MAX_LENGTH.search(text)
    if m:
        parts.append(f"is too long: keep it to at most {m.group(1)} characters")
    if spec is not None and spec.type == "uuid" and sent is not None and not _UUID.match(str(sent)):
        parts.append("which is not a uuid (ids look like 1d8d87d4-1425-459c-8d81-c6f57dca2bd2)")
    if spec is not None and (spec.type == "uuid" or spec.entity):
        tool = _list_tool_for(spec)
        if tool:
            parts.append(f"check the id with {tool}")
    if spec is not None and spec.type == "date":
        parts.append("pass dates as yyyy-MM-dd or yyyy-MM-dd HH:mm:ss")
    return " ".join(parts[:1]) + (": " + "; ".join(parts[1:]) if len(parts) > 1 else "") + "."


def render_error(
    code: int,
    text: str,
    api: ApiSpec | str | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    cserrorcode: int | None = None,
    uuids: Sequence[Any] | None = None,
    jobid: str | None = None,
) -> str:
    """`api failed: error 431 (meaning): server text`, then the cause and a hint for the usual reasons."""
    text = _hide_sent_secrets(text, params)
    spec = api if isinstance(api, ApiSpec) else None
    name = api.name if isinstance(api, ApiSpec) else api
    try:
        code = int(code)
    except (TypeError, ValueError):
        code = 0
    # The first line reads like `str(ApiError)`, so logs and results say the same thing.
    where = f"{name} failed" if name else "CloudStack error"
    job = f" (job {jobid})" if jobid else ""
    lines = [f"{where}{job}: error {code} ({error_meaning(code)}): {text or '(no text from the server)'}"]
    cause = None
    if code in (430, 431) or (code == 530 and text and re.search(r"parameter", text, re.I)):
        param = suspect_param(text or "", spec, params)
        if param:
            cause = _param_hint(code, text or "", param, spec, params)
            lines.append(f"Cause: {cause}")
    named = [_uuid_text(u) for u in uuids or () if u]
    if named:
        lines.append(f"Entities named: {', '.join(named)}")
    hint = _HINTS.get(code)
    if hint and not (cause and code == 431):
        lines.append(f"Hint: {hint}")
    if cserrorcode not in (None, 9999):
        lines.append(f"cserrorcode: {cserrorcode}")
    return "\n".join(lines)


def _hide_sent_secrets(text: str, params: Mapping[str, Any] | None) -> str:
    """Servers sometimes echo a bad value: never let it be a password or key we sent."""
    for name, value in (params or {}).items():
        if is_secret_name(str(name)) and isinstance(value, str) and len(value) >= 4:
            text = text.replace(value, MASK)
    return text


def _uuid_text(entry: Any) -> str:
    if isinstance(entry, Mapping):
        uuid = entry.get("uuid", "")
        desc = entry.get("description") or entry.get("serialVersionUID")
        return f"{uuid} ({desc})" if desc else str(uuid)
    return str(entry)


def render_error_answer(
    api: ApiSpec | str | None, body: Mapping[str, Any], params: Mapping[str, Any] | None = None
) -> str:
    """An error answer body (`errorcode`, `errortext`, `cserrorcode`, `uuidList`) as text."""
    return render_error(
        body.get("errorcode", 0),
        str(body.get("errortext", "")),
        api,
        params,
        cserrorcode=body.get("cserrorcode"),
        uuids=body.get("uuidList") or (),
    )
