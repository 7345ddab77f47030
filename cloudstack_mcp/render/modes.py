"""Output modes: what the text part and the structured content of a tool result hold.

- `text` (default): the compact rendering; the structured content of a list answer is the same
  projection as data (render/projection.py), left out when that would be over STRUCTURED_LIMIT
  bytes; any other answer as it is. Whichever part a client hands the model (text, structured
  content or both), it reads a fraction of the JSON's tokens.
- `json`: the answer as compact JSON text, and the whole answer as structured content.
- `both`: the compact rendering, then the JSON; the whole answer as structured content.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.render.answer import DEFAULT_MAX_ROWS, answer_kind, list_part, render_answer
from cloudstack_mcp.render.fields import extract, split_path
from cloudstack_mcp.render.projection import project_answer, wants_everything
from cloudstack_mcp.safety.secrets import mask_value

__all__ = [
    "DEFAULT_OUTPUT",
    "STRUCTURED_LIMIT",
    "OutputMode",
    "answer_json",
    "parse_output_mode",
    "render_output",
    "structured_output",
]


class OutputMode(str, Enum):
    TEXT = "text"
    JSON = "json"
    BOTH = "both"


DEFAULT_OUTPUT = OutputMode.TEXT
# A list's structured projection is sent only up to this size (~500 tokens). A longer one would double
# what a client that reads both parts hands the model, for rows the text already holds: it is left out,
# and every client reads the text (clients that prefer structured content use the text when there is none).
STRUCTURED_LIMIT = 2048
_MIN_ROW_BYTES = 44  # the least a projected row holds: {"id":"<uuid>"},


def parse_output_mode(value: str | OutputMode) -> OutputMode:
    """`text`, `json` or `both` (any case); a clear error for anything else."""
    if isinstance(value, OutputMode):
        return value
    try:
        return OutputMode(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(m.value for m in OutputMode)
        raise ValueError(
            f"unknown output mode {value!r}: use one of {choices} (default {DEFAULT_OUTPUT.value})"
        ) from None


def _project(item: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("id",):
        if key in item:
            out[key] = item[key]
    for f in fields:
        value = extract(item, f)
        if value is not None:
            out[".".join(split_path(f))] = value
    return out


def answer_json(
    api: ApiSpec | None,
    answer: Any,
    *,
    fields: Sequence[str] | None = None,
    max_rows: int | None = DEFAULT_MAX_ROWS,
) -> str:
    """The answer as compact JSON text: secrets masked, list items cut to max_rows and projected to `fields`."""
    answer = mask_value(answer, api)
    note = ""
    if isinstance(answer, Mapping) and answer_kind(api, answer) == "list" and (part := list_part(answer)):
        key, items = part
        total = len(items)
        if max_rows is not None and total > max_rows:
            items = items[:max_rows]
            note = f"rows cut: the JSON below holds {max_rows} of {total} {key}; narrow the list or page with page/pagesize.\n"
        wanted = [f for f in fields or () if f.strip() and f.strip().lower() not in ("*", "all")]
        if wanted:
            items = [_project(i, wanted) for i in items]
        answer = {**answer, key: items}
    return note + json.dumps(answer, ensure_ascii=False, separators=(",", ":"), default=str)


def render_output(
    api: ApiSpec | None,
    answer: Any,
    *,
    mode: OutputMode | str = DEFAULT_OUTPUT,
    fields: Sequence[str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    every_page: bool = False,
    params: Mapping[str, Any] | None = None,
) -> str:
    """The text part of a tool result in the chosen output mode.

    `every_page`: see render_answer; `params`: what was asked (for the empty-list hint)."""
    mode = parse_output_mode(mode)
    if mode is OutputMode.JSON:
        return answer_json(api, answer, fields=fields, max_rows=max_rows)
    text = render_answer(api, answer, fields=fields, max_rows=max_rows, every_page=every_page, params=params)
    if mode is OutputMode.BOTH:
        return f"{text}\n\nJSON:\n{answer_json(api, answer, fields=fields, max_rows=max_rows)}"
    return text


def structured_output(
    api: ApiSpec | None,
    answer: Any,
    *,
    mode: OutputMode | str = DEFAULT_OUTPUT,
    fields: Sequence[str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Any:
    """The structured content of a tool result in the chosen output mode (see the module docstring);
    None (left out) for a list whose projection would be over STRUCTURED_LIMIT bytes."""
    if parse_output_mode(mode) is not OutputMode.TEXT:
        return answer
    if not wants_everything(fields) and isinstance(answer, Mapping) and answer_kind(api, answer) == "list":
        part = list_part(answer)
        if part is not None and min(len(part[1]), max_rows) * _MIN_ROW_BYTES > STRUCTURED_LIMIT:
            return None  # too many rows to fit whatever the columns: skip working the projection out
    projected = project_answer(api, answer, fields=fields, max_rows=max_rows)
    if projected is answer:  # not a list, or every field asked for: the answer as it is
        return answer
    size = len(json.dumps(projected, ensure_ascii=False, separators=(",", ":"), default=str))
    return projected if size <= STRUCTURED_LIMIT else None
