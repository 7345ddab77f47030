"""Fault injection: rules that make chosen APIs slow, fail, drop the connection or answer garbage.

A rule names an API (or `*` for all) and a kind:

- `latency`: wait `seconds` before answering (adds up with other rules);
- `error`: answer with CloudStack error `code` (default 530) and `text`;
- `drop`: close the connection without an answer;
- `malformed`: send the real answer cut in half (invalid JSON);
- `html`: an HTML error page with HTTP status `code` (default 502), as a proxy in front would;
- `status`: a bare HTTP status `code` (default 503) with an empty body, e.g. 429 or 503;
- `job_fail`: the API's async job fails with `code` (default 530) and `text`;
- `job_slow`: the job takes `seconds` (never ends when `seconds` is null).

`probability` (0..1) applies a rule only to that share of matching calls; `after` skips the first
N matches; `times` stops the rule after it has applied N times.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = ["FAULT_KINDS", "FaultError", "FaultRule", "FaultSet"]

HTTP_KINDS = frozenset({"latency", "error", "drop", "malformed", "html", "status"})
JOB_KINDS = frozenset({"job_fail", "job_slow"})
FAULT_KINDS = HTTP_KINDS | JOB_KINDS
DEFAULT_CODE = {"error": 530, "html": 502, "status": 503, "job_fail": 530}


class FaultError(ValueError):
    """A fault rule or faults file that cannot be used."""


@dataclass
class FaultRule:
    """One fault: which API, what goes wrong, how often."""

    api: str = "*"
    kind: str = "error"
    code: int | None = None
    text: str | None = None
    seconds: float | None = None
    probability: float = 1.0
    times: int | None = None
    after: int = 0
    matched: int = field(default=0, compare=False)
    applied: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise FaultError(f"unknown fault kind {self.kind!r}: use one of {', '.join(sorted(FAULT_KINDS))}")
        if not 0.0 <= float(self.probability) <= 1.0:
            raise FaultError(f"fault probability must be between 0 and 1, got {self.probability!r}")
        if self.kind == "latency" and (self.seconds is None or self.seconds < 0):
            raise FaultError('a latency fault needs seconds >= 0 (e.g. {"kind": "latency", "seconds": 1.5})')
        if self.times is not None and self.times < 0 or self.after < 0:
            raise FaultError("fault times and after must be >= 0")
        if self.code is None and self.kind in DEFAULT_CODE:
            self.code = DEFAULT_CODE[self.kind]

    def covers(self, api: str) -> bool:
        return self.api == "*" or self.api.lower() == api.lower()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        known = {f.name for f in fields(cls)} - {"matched", "applied"}
        unknown = set(data) - known
        if unknown:
            raise FaultError(
                f"unknown fault field(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(known))}"
            )
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in ("matched", "applied")}


class FaultSet:
    """The active rules; thread-safe (tests add rules while the server thread reads them)."""

    def __init__(self, rules: Iterable[FaultRule] = (), *, seed: int | None = None) -> None:
        self._rules: list[FaultRule] = list(rules)
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    @classmethod
    def load(cls, path: str | Path) -> FaultSet:
        """Read a faults file: a JSON list of rules, or `{"faults": [...]}`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise FaultError(f"cannot read faults file {path}: {exc.strerror or exc}") from exc
        except json.JSONDecodeError as exc:
            raise FaultError(f"faults file {path} is not valid JSON: {exc}") from exc
        if isinstance(data, dict):
            data = data.get("faults")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise FaultError(f'faults file {path}: expected a list of rules or {{"faults": [...]}}')
        return cls(FaultRule.from_dict(r) for r in data)

    def _fires(self, rule: FaultRule) -> bool:
        rule.matched += 1
        if rule.matched <= rule.after:
            return False
        if rule.times is not None and rule.applied >= rule.times:
            return False
        if rule.probability < 1.0 and self._random.random() >= rule.probability:
            return False
        rule.applied += 1
        return True

    def for_request(self, api: str) -> tuple[float, FaultRule | None]:
        """Total added latency and the first other HTTP-level fault that fires for this call."""
        delay, chosen = 0.0, None
        with self._lock:
            for rule in self._rules:
                if rule.kind not in HTTP_KINDS or not rule.covers(api):
                    continue
                if rule.kind == "latency":
                    if self._fires(rule):
                        delay += float(rule.seconds or 0)
                elif chosen is None and self._fires(rule):
                    chosen = rule
        return delay, chosen

    def for_job(self, api: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.kind in JOB_KINDS and rule.covers(api) and self._fires(rule):
                    return rule
        return None
