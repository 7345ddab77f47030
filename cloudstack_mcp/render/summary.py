"""Nested parts in one line: NICs by address, tags and maps as k=v, other objects by their label."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudstack_mcp.render.fields import field_rank, rank_fields
from cloudstack_mcp.render.values import format_scalar, is_empty

__all__ = ["describe_element", "element_label", "inline", "is_scalar", "is_tag_list", "join_cut", "summarise"]

_LABEL_PREFERENCE = ("ipaddress", "ip6address", "name", "displayname", "username", "id")


def is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def is_tag_list(value: Sequence[Any]) -> bool:
    """A list of {key, value, ...} (resource tags, details as list)."""
    return bool(value) and all(isinstance(e, Mapping) and "key" in e for e in value)


def join_cut(parts: Sequence[str], limit: int | None, sep: str = ", ") -> str:
    if limit is not None and len(parts) > limit:
        return sep.join([*parts[:limit], f"+{len(parts) - limit} more"])
    return sep.join(parts)


def inline(field: str, value: Any, docs: Mapping[str, str], path: str = "") -> str:
    """A scalar (formatted) or a nested value (summarised with a small limit)."""
    path = path or field.lower()
    if is_scalar(value):
        return format_scalar(field, value, docs.get(path, ""))
    return summarise(field, value, docs, path=path, limit=3) or ""


def element_label(element: Mapping[str, Any], field: str = "", docs: Mapping[str, str] | None = None) -> str:
    """What names one element of a nested list: its address, else its name, else its id, else k=v."""
    lower = {str(k).lower(): k for k in element}
    for want in _LABEL_PREFERENCE:
        key = lower.get(want)
        if key is not None and is_scalar(element[key]) and not is_empty(element[key]):
            return format_scalar(str(key), element[key])
    pairs = [f"{k}={format_scalar(str(k), v)}" for k, v in element.items() if is_scalar(v) and not is_empty(v)]
    return "{" + ", ".join(pairs[:3]) + "}" if pairs else "{}"


def summarise(field: str, value: Any, docs: Mapping[str, str], *, path: str = "", limit: int | None = 5) -> str | None:
    """One-line text for any value; None when it is empty."""
    if is_empty(value):
        return None
    path = path or field.lower()
    if is_scalar(value):
        return format_scalar(field, value, docs.get(path, ""))
    if isinstance(value, Mapping):
        pairs = [
            f"{k}={inline(str(k), v, docs, f'{path}.{str(k).lower()}')}" for k, v in value.items() if not is_empty(v)
        ]
        return join_cut(pairs, limit)
    if isinstance(value, list):
        if is_tag_list(value):
            pairs = [f"{e['key']}={format_scalar('value', e.get('value'))}" for e in value]
            return join_cut(pairs, limit)
        parts = []
        for element in value:
            if isinstance(element, Mapping):
                parts.append(element_label(element, field, docs))
            elif not is_empty(element):
                parts.append(inline(field, element, docs, path))
        # Addresses are identity: never cut them.
        keep_all = field_rank(path) is not None and path.endswith(("ipaddress", "ip6address"))
        return join_cut(parts, None if keep_all else limit)
    return str(value)


def describe_element(element: Mapping[str, Any], docs: Mapping[str, str], path: str, *, limit: int = 8) -> str:
    """One nested object in detail (`id=..., ipaddress=..., networkname=...`): ranked fields first."""
    scalars = {str(k): v for k, v in element.items() if is_scalar(v) and not is_empty(v)}
    order = [k for _, k in rank_fields(scalars)]
    order += [k for k in scalars if k not in order]
    pairs = [f"{k}={format_scalar(k, scalars[k], docs.get(f'{path}.{k.lower()}', ''))}" for k in order]
    for k, v in element.items():
        if not is_scalar(v) and not is_empty(v):
            text = summarise(str(k), v, docs, path=f"{path}.{str(k).lower()}", limit=3)
            if text:
                pairs.append(f"{k}=[{text}]")
    return join_cut(pairs, limit)
