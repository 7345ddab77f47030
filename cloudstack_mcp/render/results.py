"""Building MCP tool results: every answer, good or bad, is a `CallToolResult` the model can read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mcp_types as types

__all__ = ["error_result", "structured", "text_result"]


def structured(value: Any) -> dict[str, Any] | None:
    """structuredContent must be an object: dicts pass, anything else is wrapped as {"result": value}."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return dict(value)
    return {"result": value}


def text_result(text: str, *, data: Any = None, meta: dict[str, Any] | None = None) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=structured(data),
        is_error=False,
        _meta=meta,
    )


def error_result(text: str, *, data: Any = None) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=structured(data),
        is_error=True,
    )
