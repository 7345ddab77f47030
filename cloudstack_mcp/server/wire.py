"""One line of the stdio wire -> a JSON-RPC message for the SDK, or the error replies it deserves.

Good lines cost one parse (the SDK's own message adapter). Only a line that fails is looked at again,
to find an id the client waits on: a top-level scan over the raw bytes that needs neither valid JSON
nor valid UTF-8 (nesting, lone surrogates and huge numbers elsewhere in the line do not hide the id).
Codes: -32700 with id null when no id can be read; with the id, -32602 when the fault is inside
`params` and -32600 otherwise; a batch gets -32600 for each request in it (MCP has no batches).
"""

from __future__ import annotations

import json
import re
from typing import Any

import mcp_types as types
from pydantic import ValidationError

__all__ = ["MAX_ID_CHARS", "MAX_LINE_BYTES", "MAX_NESTING", "check_line"]

MAX_LINE_BYTES = 32 << 20  # one message per line; CloudStack's own POST bodies stay far below
MAX_NESTING = 200  # pydantic-core's JSON parser refuses deeper nesting
MAX_ID_CHARS = 64  # a request id longer than this is not echoed back

PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602

_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]', re.DOTALL)
_SCAN = 1 << 20  # how much of a bad line is scanned for its id (clients put the id first)
_COLUMN = re.compile(r" at line \d+ column (\d+)")
_NO_ID = object()


def check_line(line: bytes, *, overlong: int = 0) -> tuple[types.JSONRPCMessage | None, list[types.JSONRPCError]]:
    """(message to serve, error replies to send); `overlong` is the full size of a line cut to its head."""
    size = overlong or len(line)
    if size > MAX_LINE_BYTES:
        fields = _top_level(line)
        ident = _read_id(line, fields)
        reason = f"the line has {size} bytes; at most {MAX_LINE_BYTES} are read (one JSON-RPC message per line)"
        if ident is _NO_ID:
            return None, [_error(None, PARSE_ERROR, f"Parse error: {reason}")]
        return None, [_error(ident, INVALID_REQUEST, f"Invalid Request: {reason}")]
    try:
        message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValidationError as exc:
        return None, _replies(line, exc)
    if isinstance(message, types.JSONRPCNotification) and b'"id"' in line:
        # An id that is not an integer or a string (1.5, true) makes the SDK read a request as a notification,
        # which never gets an answer: say so instead.
        fields = _top_level(line)
        if fields is not None and b"id" in fields:
            raw = _span_text(line, fields[b"id"])
            return None, [_error(None, INVALID_REQUEST, f"Invalid Request: the id {raw} is not an integer or a string")]
    return message, []


def _replies(line: bytes, exc: ValidationError) -> list[types.JSONRPCError]:
    problem = exc.errors(include_url=False, include_input=False)[0]
    syntax = problem.get("type") == "json_invalid"
    text = _describe(str(problem.get("msg", "invalid message")))
    if line.lstrip()[:1] == b"[":
        return _batch_replies(line, text if syntax else None)
    fields = _top_level(line)
    ident = _read_id(line, fields)
    if ident is _NO_ID:
        head = "Parse error" if syntax else "Invalid Request"
        return [_error(None, PARSE_ERROR if syntax else INVALID_REQUEST, f"{head}: {text}")]
    if syntax:
        in_params = _at_column(text, fields.get(b"params") if fields else None)
    else:
        where = [str(part) for part in problem.get("loc", ())]
        in_params = "params" in where
        text = f"{'.'.join(where[1:]) or 'message'}: {text}" if where else text
    if in_params:
        return [_error(ident, INVALID_PARAMS, f"Invalid params: {text}")]
    return [_error(ident, INVALID_REQUEST, f"Invalid Request: {text}")]


def _batch_replies(line: bytes, syntax_error: str | None) -> list[types.JSONRPCError]:
    if syntax_error is not None:
        return [_error(None, PARSE_ERROR, f"Parse error: {syntax_error}")]
    try:
        batch = json.loads(line)
    except (ValueError, RecursionError):
        batch = []
    text = "Invalid Request: JSON-RPC batches are not supported by MCP; send each message on its own line"
    ids = [m["id"] for m in batch if isinstance(m, dict) and _good_id(m.get("id"))] if isinstance(batch, list) else []
    return [_error(i, INVALID_REQUEST, text) for i in ids] or [_error(None, INVALID_REQUEST, text)]


def _describe(msg: str) -> str:
    """pydantic's words for a bad line, plus our limits where they apply."""
    if "recursion limit" in msg:
        return f"{msg} (nesting deeper than {MAX_NESTING} levels is not read)"
    if "surrogate" in msg or "hex escape" in msg or "unicode code point" in msg:
        return f"{msg} (strings must be valid Unicode: no lone surrogates)"
    if "number out of range" in msg:
        return f"{msg} (a number too large to read)"
    return msg


def _at_column(text: str, span: tuple[int, int] | None) -> bool:
    found = _COLUMN.search(text)
    if span is None or found is None:
        return False
    column = int(found.group(1)) - 1
    return span[0] <= column <= span[1]


def _error(ident: Any, code: int, message: str) -> types.JSONRPCError:
    return types.JSONRPCError(jsonrpc="2.0", id=ident, error=types.ErrorData(code=code, message=message))


def _good_id(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return len(str(value)) <= MAX_ID_CHARS
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: it could not be written back
            return False
        return len(value) <= MAX_ID_CHARS
    return False


def _read_id(line: bytes, fields: dict[bytes, tuple[int, int]] | None) -> Any:
    """The top-level id if one can be read and echoed back, else _NO_ID."""
    if not fields or b"id" not in fields:
        return _NO_ID
    raw = line[fields[b"id"][0] : fields[b"id"][1]].strip()
    if not raw or len(raw) > MAX_ID_CHARS + 2:
        return _NO_ID
    try:
        value = json.loads(raw)
    except ValueError:
        return _NO_ID
    return value if _good_id(value) else _NO_ID


def _span_text(line: bytes, span: tuple[int, int]) -> str:
    return line[span[0] : span[1]].strip()[:MAX_ID_CHARS].decode("utf-8", errors="replace")


def _top_level(line: bytes) -> dict[bytes, tuple[int, int]] | None:
    """Each top-level key of an object on the line and the byte span of its value; None if it is no object.

    A tolerant scan (strings, brackets, colons and commas; no recursion) of the first MiB, so that a fault
    anywhere else in the line still leaves the id readable.
    """
    start = len(line) - len(line.lstrip())
    if line[start : start + 1] != b"{":
        return None
    fields: dict[bytes, tuple[int, int]] = {}
    depth, key, value_start = 1, None, -1
    for token in _TOKEN.finditer(line, start + 1, _SCAN):
        text = token.group()
        if depth == 1:
            if text[:1] == b'"' and value_start < 0:
                key = text[1:-1]
            elif text == b":" and key is not None:
                value_start = token.end()
            elif text in (b",", b"}"):
                if key is not None and value_start >= 0:
                    fields.setdefault(key, (value_start, token.start()))
                key, value_start = None, -1
                if text == b"}":
                    return fields
                continue
        if text in (b"{", b"["):
            depth += 1
        elif text in (b"}", b"]"):
            depth -= 1
            if depth < 1:
                return fields
    if key is not None and value_start >= 0:  # cut short: the value runs to the end of the line
        fields.setdefault(key, (value_start, len(line)))
    return fields
