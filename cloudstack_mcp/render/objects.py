"""Single objects: important fields first, then the rest, nested parts summarised, empties named once."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from cloudstack_mcp.render.fields import rank_fields, split_path
from cloudstack_mcp.render.summary import describe_element, is_scalar, summarise
from cloudstack_mcp.render.values import format_scalar, is_empty

__all__ = ["MAX_ELEMENTS", "render_object"]

MAX_ELEMENTS = 10  # nested list elements described one per line; beyond that, summarised in one line


def render_object(
    key: str | None,
    obj: Mapping[str, Any],
    *,
    docs: Mapping[str, str],
    fields: Sequence[str] | None = None,
    prefix: str = "",
) -> str:
    """`key:` then `field: value` lines (ranked fields first, server order after)."""
    keys = [str(k) for k in obj]
    if fields and not any(f.strip().lower() in ("*", "all") for f in fields):
        lower = {k.lower(): k for k in keys}
        wanted = [lower[h] for f in fields if (h := (split_path(f) or [""])[0].lower()) in lower]
        unknown = [f for f in fields if (split_path(f) or [""])[0].lower() not in lower]
        ids = [lower["id"]] if "id" in lower and lower["id"] not in wanted else []
        keys = list(dict.fromkeys(ids + wanted))
    else:
        unknown = []
    ranked = [k for _, k in rank_fields(keys)]
    order = ranked + [k for k in keys if k not in ranked]

    titled = key is not None
    lines = [f"{key}:"] if titled else []
    indent = "  " if titled else ""
    empties = []
    for k in order:
        value = obj[k]
        path = (prefix + k).lower()
        if is_empty(value):
            empties.append(k)
        elif is_scalar(value):
            lines.append(f"{indent}{k}: {_one_line(format_scalar(k, value, docs.get(path, '')))}")
        else:
            lines.extend(f"{indent}{line}" for line in _nested(k, value, docs, path))
    if empties:
        lines.append(f"{indent}empty: {', '.join(empties)}")
    if len(lines) == int(titled):
        lines.append(f"{indent}(no fields)")
    if unknown:
        lines.append(
            f"{indent}unknown fields ignored: {', '.join(unknown)}; this object has: {', '.join(map(str, obj))}"
        )
    return "\n".join(lines)


def _one_line(text: str) -> str:
    """Multi-line or space-padded text as a JSON string literal, so every field stays on its own line."""
    if "\n" in text or "\r" in text or text != text.strip():
        return json.dumps(text, ensure_ascii=False)
    return text


def _nested(name: str, value: Any, docs: Mapping[str, str], path: str) -> list[str]:
    if isinstance(value, list) and value and all(isinstance(e, Mapping) for e in value):
        if "key" in value[0] or len(value) > MAX_ELEMENTS:
            return [f"{name} ({len(value)}): {summarise(name, value, docs, path=path, limit=MAX_ELEMENTS)}"]
        if len(value) == 1:
            return [f"{name}: {describe_element(value[0], docs, path, limit=10)}"]
        return [f"{name}[{i}]: {describe_element(e, docs, path, limit=10)}" for i, e in enumerate(value)]
    if isinstance(value, Mapping) and all(is_scalar(v) for v in value.values()):
        return [f"{name}: {summarise(name, value, docs, path=path, limit=12)}"]
    if isinstance(value, Mapping):
        return [f"{name}: {describe_element(value, docs, path, limit=12)}"]
    return [f"{name}: {summarise(name, value, docs, path=path, limit=MAX_ELEMENTS)}"]
