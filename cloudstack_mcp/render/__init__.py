"""Answers a model can read: compact text from any CloudStack answer, driven by its shape.

STUB (issue 6 fills it in): the interface below is fixed; the rendering is not.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cloudstack_mcp.catalog import ApiSpec

__all__ = ["render_answer"]


def render_answer(api: ApiSpec | None, answer: Any, *, fields: Sequence[str] | None = None, max_rows: int = 100) -> str:
    """Text for one unwrapped answer (the value under the envelope key, or a job's `jobresult`)."""
    return json.dumps(answer, indent=1, sort_keys=True, default=str)
