"""What one doctor check found (shared by the checks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Check", "Status", "mask"]

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass
class Check:
    name: str
    status: Status
    summary: str
    fix: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def mask(value: str | None) -> str:
    """A key as doctor shows it: enough to tell two apart, never enough to use."""
    if not value:
        return "(not set)"
    return f"{value[:4]}...{value[-4:]} ({len(value)} chars)" if len(value) > 12 else f"*** ({len(value)} chars)"
