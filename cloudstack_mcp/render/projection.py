"""The structured content of a list answer: the same projection the text shows, as data.

Some clients hand the model only `structuredContent` when a result has it, others both it and the
text; the full CloudStack answer there would undo the compact text (50 VMs: ~99 KB instead of ~5 KB).
So for a list answer (output mode `text`) the structured content is CloudStack's own shape, pruned:

    {"count": 50, "virtualmachine": [{"id": ..., "name": ..., "state": ..., "nic": [{"ipaddress": ...}], ...}],
     "same_in_every_row": {"zonename": "ams-zone1"}, "not_shown": {"fields": [...], "how": "..."}}

- rows: the rows the text shows (at most max_rows), each with the text's columns only, raw values (not
  the text's "20 GiB"): the id always, name, state and addresses whenever the items have them (the
  column rules rank them first and never hoist them); a nested column (`nic.ipaddress`) keeps its
  nesting (`"nic": [{"ipaddress": ...}]`), tags keep key and value;
- `same_in_every_row`: columns the text says once under the table (raw value of the first row);
- `not_shown`: the fields left out and how to get them; `rows_cut` when rows were left out;
- any other top-level value of the answer, as in the answer.

`fields=["*"]` (or "all"), `--output json` and `--output both` give the whole answer instead.
Secrets are masked here as in the text (and the guard scrubs the result once more).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.render.answer import DEFAULT_MAX_ROWS, answer_kind, list_part
from cloudstack_mcp.render.fields import field_docs, split_path
from cloudstack_mcp.render.listing import plan_list
from cloudstack_mcp.render.summary import is_tag_list
from cloudstack_mcp.safety.secrets import mask_value

__all__ = ["project_answer", "wants_everything"]

_ALL = ("*", "all")


def wants_everything(fields: Sequence[str] | None) -> bool:
    return any(isinstance(f, str) and f.strip().lower() in _ALL for f in fields or ())


def project_answer(
    api: ApiSpec | None,
    answer: Any,
    *,
    fields: Sequence[str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Any:
    """The structured content for `answer`: the projection of a list answer, any other answer as it is."""
    if wants_everything(fields) or not isinstance(answer, Mapping) or answer_kind(api, answer) != "list":
        return answer
    part = list_part(answer)
    if part is None:
        return answer
    key, items = part
    plan = plan_list(api, items, fields=fields, max_rows=max_rows, docs=field_docs(api))
    hoisted = [c for c, _ in plan.hoisted]
    shown = items[: plan.shown]
    out: dict[str, Any] = {}
    for name, value in answer.items():
        out[name] = [mask_value(_prune(item, plan.columns), api) for item in shown] if name == key else value
    if "count" not in out:
        out = {"count": len(items), **out}
    if plan.hoisted and shown:
        out["same_in_every_row"] = mask_value({c: _prune(shown[0], [c]).get(split_path(c)[0]) for c in hoisted}, api)
    if plan.shown < len(items):
        out["rows_cut"] = {
            "shown": plan.shown,
            "of": len(items),
            "how": f"narrow the list or page with page=2, pagesize={max(plan.shown, 1)}",
        }
    filled, empty = plan.left_out()
    if filled or empty:
        out["not_shown"] = {
            "fields": filled,
            "empty_fields": empty,
            "how": 'fields=["name", ...] picks the columns (dotted paths reach into nested parts: "nic.macaddress"); '
            'fields=["*"] gives every field',
        }
    if plan.unknown:
        out["unknown_fields"] = plan.unknown
    return out


def _prune(item: Mapping[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    """`item` with only these columns, in CloudStack's own shape (ids first)."""
    out: dict[str, Any] = {}
    for key in ("id",):
        if key in item:
            out[key] = item[key]
    for column in columns:
        parts = split_path(column)
        if not parts:
            continue
        head = _real_key(item, parts[0])
        if head is None:
            continue
        value = item[head]
        if len(parts) == 1:
            out[head] = _tags(value) if isinstance(value, list) and is_tag_list(value) else value
            continue
        nested = _prune_path(value, parts[1:])
        if nested is not None:
            out[head] = _merge(out.get(head), nested)
    return out


def _real_key(item: Mapping[str, Any], name: str) -> str | None:
    if name in item:
        return name
    low = name.lower()
    return next((str(k) for k in item if str(k).lower() == low), None)


def _prune_path(value: Any, parts: Sequence[str]) -> Any:
    """The part of `value` that a dotted path reaches, keeping lists and objects on the way."""
    if not parts:
        return value
    if isinstance(value, list):
        pruned = [_prune_path(e, parts) for e in value]
        return pruned if any(p is not None for p in pruned) else None
    if isinstance(value, Mapping):
        key = _real_key(value, parts[0])
        if key is None:
            return None
        inner = _prune_path(value[key], parts[1:])
        return None if inner is None else {key: inner}
    return None


def _merge(old: Any, new: Any) -> Any:
    """Two prunings of the same value (nic.ipaddress and nic.macaddress) as one."""
    if old is None:
        return new
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [_merge(a, b) for a, b in zip(old, new, strict=True)]
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for k, v in new.items():
            merged[k] = _merge(merged.get(k), v)
        return merged
    return new


def _tags(value: list[Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in tag.items() if str(k).lower() in ("key", "value")} for tag in value]
