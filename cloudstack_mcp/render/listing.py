"""Lists: `count`, one compact row per item, what was left out and how to get it."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.render.fields import extract, field_rank, rank_fields, split_path
from cloudstack_mcp.render.summary import is_scalar, is_tag_list, summarise
from cloudstack_mcp.render.values import cell, is_empty
from cloudstack_mcp.safety.secrets import MASK, is_secret_name, mask_value

__all__ = ["MAX_COLUMNS", "ListPlan", "choose_columns", "plan_list", "render_list"]

MAX_COLUMNS = 10
HOIST_FROM_RANK = 5.0  # place, kind, size, ... (never id, name, state or addresses)
HOIST_MIN_ROWS = 4
_PAGING = frozenset({"page", "pagesize", "listall", "isrecursive", "domainid", "account", "projectid", "keyword"})
_ALL = ("*", "all")
_PAIR_FIELDS = frozenset({"key", "name", "value"})
_NAME_LIKE = frozenset({"displayname", "displaytext", "description"})


def _keys(items: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(str(k) for item in items for k in item))


def _nested_paths(items: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> list[str]:
    """Derived columns for nested lists: `nic.ipaddress` for NICs, `tags` for tag lists."""
    out = []
    for key in keys:
        lists = [item[key] for item in items if isinstance(item.get(key), list) and item[key]]
        if not lists or not all(isinstance(e, Mapping) for lst in lists for e in lst):
            continue
        inner = {str(k).lower() for lst in lists for e in lst for k in e}
        for addr in ("ipaddress", "ip6address"):
            if addr in inner:
                out.append(f"{key}.{addr}")
    return out


def _has_value(items: Sequence[Mapping[str, Any]], path: str) -> bool:
    return any(not is_empty(extract(item, path)) for item in items)


class _Rows:
    """The items of one list with what rendering asks about them more than once, each worked out once."""

    def __init__(self, items: Sequence[Mapping[str, Any]]):
        self.items = items
        self.keys = _keys(items)
        self._filled: dict[str, bool] = {}
        # One pass over the fields: those with a value in some item, those holding a non-empty list.
        self._valued: set[Any] = set()
        self._lists: set[Any] = set()
        for item in items:
            for key, value in item.items():
                if not is_empty(value):
                    self._valued.add(key)
                    if isinstance(value, list):
                        self._lists.add(key)

    def has_value(self, path: str) -> bool:
        if path in self._valued and "." not in path:  # a field as written, with a value: extract finds it
            return True
        found = self._filled.get(path)
        if found is None:
            found = self._filled[path] = _has_value(self.items, path)
        return found

    def nested_paths(self) -> list[str]:
        """`_nested_paths`, looking only at the fields that hold a list somewhere."""
        return _nested_paths(self.items, [k for k in self.keys if k in self._lists])


def choose_columns(items: Sequence[Mapping[str, Any]], limit: int = MAX_COLUMNS) -> list[str]:
    """The default columns for these items, by rules over their field names and values."""
    return _choose_columns(_Rows(items), limit)


def _choose_columns(rows: _Rows, limit: int = MAX_COLUMNS) -> list[str]:
    items, keys = rows.items, rows.keys
    candidates = keys + rows.nested_paths()
    ranked = []
    for _rank, path in rank_fields(candidates):
        low = path.lower()
        if not rows.has_value(path):
            continue
        if low == "tags":
            if not all(is_tag_list(v) for i in items if (v := i.get(path))):
                continue
        elif "." not in path and not all(is_scalar(i.get(path)) for i in items):
            continue  # nested parts get derived columns (nic.ipaddress) instead
        if low in _NAME_LIKE and all(i.get(path) in (None, "", i.get("name")) for i in items):
            continue  # same as the name everywhere: adds nothing
        ranked.append(path)
    return ranked[:limit]


def _resolve(items: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """Requested columns -> (columns, unknown names, all known names)."""
    keys = _keys(items)
    known = keys + _nested_paths(items, keys)
    lower = {k.lower(): k for k in keys}
    columns: list[str] = []
    unknown: list[str] = []
    wanted = [f.strip() for f in fields if f and f.strip()]
    if any(f.lower() in _ALL for f in wanted):
        wanted = keys
    for f in wanted:
        head = split_path(f)[0].lower() if split_path(f) else ""
        if head not in lower:
            unknown.append(f)
            continue
        real = ".".join([lower[head], *split_path(f)[1:]])
        if real not in columns:
            columns.append(real)
    for id_key in ("id", *(k for k in ("uuid", "jobid") if "id" not in lower)):
        if id_key in lower and lower[id_key] not in columns:
            columns.insert(0, lower[id_key])  # ids always stay: they are how anything is referred to
            break
    return columns, unknown, known


class _Column:
    """What a column's cells share: its path, its last part, whether its name marks a secret."""

    __slots__ = ("last", "low", "path", "secret")

    def __init__(self, path: str, api_name: str | None):
        parts = split_path(path)
        self.path, self.low, self.last = path, path.lower(), parts[-1] if parts else path
        self.secret = any(is_secret_name(p, api_name) for p in parts)


@lru_cache(maxsize=4096)
def _column(path: str, api_name: str | None) -> _Column:
    return _Column(path, api_name)


def _cell_text(item: Mapping[str, Any], column: _Column, docs: Mapping[str, str], api: ApiSpec | None) -> str | None:
    """One cell, secrets masked: only the value shown is masked (a whole row would cost far more)."""
    if column.low == "value" and "value" in item:
        # A key/value row (configurations, details): the secrets module judges the pair as one.
        pair = {k: v for k, v in item.items() if str(k).lower() in _PAIR_FIELDS}
        value = mask_value(pair, api).get(next(k for k in pair if str(k).lower() == "value"))
    else:
        value = extract(item, column.path)
    if is_empty(value):
        return None
    if column.secret:
        return MASK
    value = mask_value(value, api)
    return summarise(column.last, value, docs, path=column.low, limit=5)


def _filters(api: ApiSpec | None) -> str:
    if api is None:
        return "keyword"
    names = [p.name for p in api.params if p.name.lower() not in _PAGING]
    has_keyword = any(p.name.lower() == "keyword" for p in api.params)
    picked = (["keyword"] if has_keyword else []) + names[:5]
    return ", ".join(picked) or "the API's filters"


@dataclass(frozen=True)
class ListPlan:
    """What a list answer shows: the same for the text and the structured content (render/projection.py)."""

    rows: _Rows
    columns: list[str]  # the table's columns, after hoisting
    table: list[list[str | None]]  # cell texts, one row per shown item
    hoisted: list[tuple[str, str]]  # (column, text) the same in every row, said once under the table
    shown: int  # items shown (the first `shown`)
    unknown: list[str] = field(default_factory=list)  # requested fields the items do not have
    known: list[str] = field(default_factory=list)  # fields the items have (for the unknown note)
    _left: list[tuple[list[str], int]] = field(default_factory=list, repr=False, compare=False)

    def left_out(self) -> tuple[list[str], int]:
        """(fields with a value somewhere that no column shows, how many more are empty in every row)."""
        if not self._left:
            self._left.append(self._work_out_left_out())
        return self._left[0]

    def _work_out_left_out(self) -> tuple[list[str], int]:
        shown = self.columns + [c for c, _ in self.hoisted]
        heads = {split_path(c)[0].lower() for c in shown if split_path(c)}
        rest = [k for k in self.rows.keys if k.lower() not in heads]
        filled = [k for k in rest if self.rows.has_value(k)]
        return filled, len(rest) - len(filled)


def plan_list(
    api: ApiSpec | None,
    items: Sequence[Mapping[str, Any]],
    *,
    fields: Sequence[str] | None,
    max_rows: int,
    docs: Mapping[str, str],
) -> ListPlan:
    """Columns (chosen by rules, or `fields`), the cells of the shown rows, and the columns said once.

    The text and the structured content of one result ask for the same plan: the last one is kept."""
    key = (id(api), tuple(map(id, items)), tuple(fields or ()), max_rows, id(docs))
    last = _last_plan.get("plan")
    if last is not None and last[0] == key:
        return last[2]  # type: ignore[no-any-return]
    plan = _plan_list(api, items, fields=fields, max_rows=max_rows, docs=docs)
    _last_plan["plan"] = (key, (api, list(items), docs), plan)  # the refs keep the ids in the key valid
    return plan


_last_plan: dict[str, tuple[Any, Any, ListPlan]] = {}


def _plan_list(
    api: ApiSpec | None,
    items: Sequence[Mapping[str, Any]],
    *,
    fields: Sequence[str] | None,
    max_rows: int,
    docs: Mapping[str, str],
) -> ListPlan:
    rows = _Rows(items)
    unknown: list[str] = []
    known: list[str] = []
    if fields:
        columns, unknown, known = _resolve(items, fields)
        if len(columns) <= 1 and unknown:
            columns = _choose_columns(rows)
    else:
        columns = _choose_columns(rows)
    shown = items[: max(max_rows, 0)]
    cols = [_column(c, api.name if api else None) for c in columns]
    table = [[_cell_text(item, c, docs, api) for c in cols] for item in shown]
    hoisted: list[tuple[str, str]] = []
    if not fields and len(shown) >= HOIST_MIN_ROWS:
        keep = []
        for i, c in enumerate(columns):
            values = {row[i] for row in table}
            rank = field_rank(c)
            if len(values) == 1 and None not in values and rank is not None and rank >= HOIST_FROM_RANK:
                hoisted.append((c, str(next(iter(values)))))
            else:
                keep.append(i)
        columns = [columns[i] for i in keep]
        table = [[row[i] for i in keep] for row in table]
    return ListPlan(rows, columns, table, hoisted, len(shown), unknown, known)


def render_list(
    api: ApiSpec | None,
    key: str,
    items: Sequence[Mapping[str, Any]],
    *,
    count: int | None,
    fields: Sequence[str] | None,
    max_rows: int,
    docs: Mapping[str, str],
    extra: Mapping[str, Any] | None = None,
    every_page: bool = False,
) -> str:
    """A list answer as a header, one row per item and notes; never drops rows silently.

    `every_page`: the items are the first of a list read over every page (fetch_all), not one page."""
    total = count if isinstance(count, int) else len(items)
    head = f"count: {total} {key}"
    if total > len(items) and every_page:
        head += (
            f" (every page read; the answer keeps the first {len(items)}: count them with count_by, or narrow the list)"
        )
    elif total > len(items):
        head += f" (this page holds {len(items)}; ask for the next one with page/pagesize)"
    elif total < len(items):
        head += f" (the answer holds {len(items)})"
    lines = [head]
    for k, v in mask_value(dict(extra or {}), api).items():
        text = summarise(k, v, docs)
        if text is not None:
            lines.append(f"{k}: {text}")
    if not items:
        lines.append(f"(no {key} in this answer)")
        return "\n".join(lines)

    plan = plan_list(api, items, fields=fields, max_rows=max_rows, docs=docs)
    if plan.unknown:
        close = (difflib.get_close_matches(u.lower(), plan.known, n=3, cutoff=0.6) for u in plan.unknown)
        hints = sorted({m for matches in close for m in matches})
        lines.append(
            f"unknown fields ignored: {', '.join(plan.unknown)}"
            + (f" (did you mean {', '.join(hints)}?)" if hints else "")
            + f"; fields these items have: {', '.join(plan.known)}"
        )
    columns, table, shown = plan.columns, plan.table, plan.shown
    hoisted = [f"{c}={text}" for c, text in plan.hoisted]
    lines.append(" | ".join(columns))
    lines.extend(" | ".join(cell(v) for v in row) for row in table)
    if hoisted:
        lines.append(f"same in every row: {', '.join(hoisted)}")
    if len(items) > shown:
        lines.append(
            f"rows cut: showing {shown} of {len(items)}; the other {len(items) - shown} are left out. To see"
            f" them, narrow the list ({_filters(api)}) or page with page=2, pagesize={max(shown, 1)}."
        )
    lines.extend(_left_out(plan))
    return "\n".join(lines)


def _left_out(plan: ListPlan) -> list[str]:
    filled, empty = plan.left_out()
    rows = plan.rows
    if not filled and not empty:
        return []
    if not filled:
        return [f"({empty} more fields, empty in every row)"]
    note = f"not shown: {len(filled)} more fields ({', '.join(filled)})"
    if empty:
        note += f", {empty} empty"
    example = ", ".join(f'"{k}"' for k in filled[:2])
    nested = _nested_example(rows)
    more = f' (nested: "{nested}"; all: "*")' if nested else ' (all: "*")'
    note += f". Pick columns with fields=[{example}, ...]{more}; the same goes for the structured content."
    return [note]


def _nested_example(rows: _Rows) -> str | None:
    """A dotted path into the first nested list of objects (`nic.macaddress`), to show the syntax."""
    for key in rows.keys:
        for item in rows.items:
            value = item.get(key)
            if isinstance(value, list) and value and isinstance(value[0], Mapping):
                inner = [str(k) for k in value[0] if str(k).lower() not in ("id", "ipaddress")]
                return f"{key}.{inner[0]}" if inner else None
    return None
