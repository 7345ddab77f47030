"""CloudStack version strings of any form, read and compared as numbers.

Releases were "4.20.0.0" (four parts), are written "4.23" in talk and notes, and the next one is
announced as "24.0" without the "4." prefix ("24.0.0"). Suffixes come and go ("-SNAPSHOT",
"-rc1", a leading "v"). `parse` reads all of these into a tuple of ints that compares the way the
releases follow each other: missing parts are zero, and a release without the "4." prefix
(first number above 4) comes after every 4.x.
"""

from __future__ import annotations

import re
from functools import total_ordering

__all__ = ["Version", "parse"]

_NUMBERS = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")


@total_ordering
class Version:
    """A CloudStack version: `Version("4.23") < Version("24.0.0")`, `Version("4.20") == "4.20.0.0"`."""

    __slots__ = ("parts", "text")

    def __init__(self, text: str) -> None:
        m = _NUMBERS.match(str(text))
        if not m:
            raise ValueError(f"not a CloudStack version: {text!r}")
        numbers = [int(p) for p in m.group(1).split(".")]
        while len(numbers) > 1 and numbers[-1] == 0:
            numbers.pop()
        self.parts = tuple(numbers)
        self.text = str(text).strip()

    def _key(self) -> tuple[int, ...]:
        return self.parts

    def __eq__(self, other: object) -> bool:
        other_v = _coerce(other)
        return other_v is not None and self._key() == other_v._key()

    def __lt__(self, other: object) -> bool:
        other_v = _coerce(other)
        if other_v is None:
            return NotImplemented
        return self._key() < other_v._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Version({self.text!r})"

    def __str__(self) -> str:
        return self.text

    @property
    def major_minor(self) -> str:
        """ "4.20" for 4.20.0.0, "24.0" for 24.0.0: how releases are named."""
        major = self.parts[0]
        minor = self.parts[1] if len(self.parts) > 1 else 0
        return f"{major}.{minor}"

    def at_least(self, other: str | Version) -> bool:
        return self >= _need(other)


def _coerce(value: object) -> Version | None:
    if isinstance(value, Version):
        return value
    if isinstance(value, str):
        try:
            return Version(value)
        except ValueError:
            return None
    return None


def _need(value: str | Version) -> Version:
    found = _coerce(value)
    if found is None:
        raise ValueError(f"not a CloudStack version: {value!r}")
    return found


def parse(text: str | None) -> Version | None:
    """A Version, or None for text that holds no version ("?", empty, None)."""
    return _coerce(text) if text else None
