"""Answers a model can read: compact text from any CloudStack answer, driven by its shape.

One design for every API (no per-API formatters): lists become `count` plus one
row per item with the columns that identify and describe it, single objects
show their important fields first, async jobs their outcome then the object,
errors their code, meaning, text and a hint. The structured content carries the
same projection (render/projection.py; the whole answer with fields=["*"] or
--output json|both); `fields` picks list columns; `OutputMode` decides whether
the text part is this rendering, JSON, or both.
"""

from __future__ import annotations

from cloudstack_mcp.render.answer import DEFAULT_MAX_ROWS, answer_kind, render_answer, render_job
from cloudstack_mcp.render.counts import render_counts
from cloudstack_mcp.render.errors import render_error, render_error_answer
from cloudstack_mcp.render.modes import (
    DEFAULT_OUTPUT,
    OutputMode,
    answer_json,
    parse_output_mode,
    render_output,
    structured_output,
)

__all__ = [
    "DEFAULT_MAX_ROWS",
    "DEFAULT_OUTPUT",
    "OutputMode",
    "answer_json",
    "answer_kind",
    "parse_output_mode",
    "render_answer",
    "render_counts",
    "render_error",
    "render_error_answer",
    "render_job",
    "render_output",
    "structured_output",
]
