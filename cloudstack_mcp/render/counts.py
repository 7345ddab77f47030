"""Counts of a list by one or two fields, as a few lines a model reads at a glance.

The question operators ask of a big cloud is "how many, where, in what state": the answer is a
handful of numbers, not thousands of rows, so it stays a few hundred tokens whatever the size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.catalog.naming import tool_name

__all__ = ["render_counts"]


def _line(name: str, counts: Mapping[str, int]) -> str:
    return f"by {name}: " + " | ".join(f"{value} {n:,}" for value, n in counts.items())


def render_counts(api: ApiSpec, summary: Mapping[str, Any], *, capped: bool = False) -> str:
    """`summary` is `paging.Counts.summary()`: count, listed, by, one mapping per field (+ pairs)."""
    fields = list(summary["by"])
    lines = [f"{tool_name(api.name)}: {summary['count']:,} counted"]
    if capped:
        lines[0] += (
            f" of {summary['listed']:,} (the --max-pages cap stopped the count; narrow the list with filters or raise"
            " --max-pages)"
        )
    for name in fields:
        lines.append(_line(name, summary[name]))
    if len(fields) == 2:
        lines.append(_line(" / ".join(fields), summary[" / ".join(fields)]))
    return "\n".join(lines)
