"""Context budget: the `tools/list` entry of a tool, compacted for a model's context window.

Every listed tool costs context before the user says a word. The listing keeps what a model needs
to call a tool right (names, types, required, enumerations, one line on each parameter) and drops
what it can get on demand from `describe_api` (the full text): later sentences and long asides
of descriptions, descriptions that only repeat the parameter's name, and annotation values equal
to the MCP defaults. Nothing here changes what a tool accepts: validation reads the API spec.
"""

from __future__ import annotations

import re
from typing import Any

import mcp_types as types

__all__ = [
    "PARAM_WIDTH",
    "TOOL_WIDTH",
    "compact_text",
    "compact_tool",
    "listing_bytes",
]

PARAM_WIDTH = 90  # characters kept of a parameter's description (plus its allowed values)
TOOL_WIDTH = 200  # characters kept of a tool's description

_ASIDE = re.compile(r"\s*\((?![^()]*\b(?:one of|true|false|default)\b)[^()]{16,}\)")
# A sentence ends at ". " after a word, not after an abbreviation ("e.g. ", "i.e. ", "etc. ", "vs. ").
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]}\"'])(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)(?<!\bex)(?<!\bapprox)\.\s+")
WHOLE_SENTENCE = 200  # a first sentence up to this long is kept whole, even past the width
_CHOICES = re.compile(r"(?:one of|possible values|valid values|values? can be|supported values?)[^.;]*", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_FILLER = frozenset(
    ["the", "a", "an", "of", "for", "to", "by", "in", "on", "this", "that", "is", "are", "be"]
    + ["list", "lists", "id", "ids", "uuid", "name", "keyword"]
)


def compact_text(text: str, width: int = PARAM_WIDTH, *, choices: bool = True) -> str:
    """The first sentence of `text`, long asides dropped; allowed values are kept (unless `choices` is
    false: the schema's enum says them). A first sentence is never cut unless it is longer than
    WHOLE_SENTENCE; then it ends at a clause or with an ellipsis near `width`."""
    text = _ASIDE.sub("", " ".join(text.split()))
    if not text:
        return ""
    first, *rest = _SENTENCE_END.split(text)
    first = first.rstrip(". ")
    allowed = next((m.group(0).rstrip(". ") for s in (first, *rest) if (m := _CHOICES.search(s))), None)
    if not choices:
        allowed = None
        first = _CHOICES.sub("", first).rstrip(",;: ") or first
    if len(first) > max(width, WHOLE_SENTENCE):
        clause = first.rfind("; ", 0, width)  # a whole clause reads better than a cut one
        cut = first[:width].rsplit(" ", 1)[0].rstrip(",;: ") + "\u2026"
        first = first[:clause] if clause > width // 2 else cut
    if allowed and allowed not in first and len(allowed) <= 100:
        first = f"{first}; {allowed}"
    return first


def _says_nothing(description: str, param: str, tool: str) -> bool:
    """ "the name of the host" for `name` of list_hosts: every word is the parameter's or the tool's own."""
    words = [w for w in _WORD.findall(description.lower()) if w not in _FILLER]
    here = param.lower() + " " + tool.replace("_", " ")
    return all(w in here or w.rstrip("s") in here for w in words)


def _compact_schema(schema: dict[str, Any], tool: str) -> dict[str, Any]:
    props = schema.get("properties")
    if not isinstance(props, dict):
        return schema
    out = {}
    for name, prop in props.items():
        prop = dict(prop)
        desc = prop.get("description")
        if isinstance(desc, str):
            short = compact_text(desc, choices="enum" not in prop)
            if short and not _says_nothing(short, name, tool):
                prop["description"] = short
            else:
                del prop["description"]
        out[name] = prop
    return {**schema, "properties": out}


def compact_tool(tool: types.Tool) -> types.Tool:
    """The same tool with a compact description, input schema and annotations (MCP defaults left out)."""
    update: dict[str, Any] = {"input_schema": _compact_schema(dict(tool.input_schema), tool.name)}
    if tool.description:
        update["description"] = compact_text(tool.description, TOOL_WIDTH) or tool.description
    if tool.annotations is not None:
        ann = tool.annotations.model_copy()
        if ann.title is not None and ann.title == tool.title:
            ann.title = None
        if ann.open_world_hint is True:  # the MCP default
            ann.open_world_hint = None
        update["annotations"] = ann
    return tool.model_copy(update=update)


def listing_bytes(tools: list[types.Tool]) -> int:
    """Size of a `tools/list` result as sent (compact JSON, UTF-8)."""
    result = types.ListToolsResult(tools=tools)
    return len(result.model_dump_json(by_alias=True, exclude_none=True).encode())
