"""How much is at stake in a call: the one scale policy, confirmation, settings and the audit log share.

Kept in a module of its own at the bottom of the layers (it imports nothing of ours) so the
settings can hold a confirmation level and the policy tables can use the scale without importing
the policy logic.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Severity"]


class Severity(IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use one of low, medium, high, critical") from None

    @property
    def label(self) -> str:
        return self.name.lower()
