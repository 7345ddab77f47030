"""What a handler returns; the protocol layer turns it into the JSON envelope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudstack_mcp.simulator.backend.store import Entity, public

__all__ = ["Answer", "ListAnswer", "ObjectAnswer", "RawAnswer", "SuccessAnswer", "render"]


@dataclass(slots=True)
class ObjectAnswer:
    """`{"<envelope>": {"<name>": {...}}}`; `obj` may be a live entity (rendered when sent)."""

    name: str
    obj: Entity


@dataclass(slots=True)
class ListAnswer:
    """`{"<envelope>": {"count": N, "<key>": [...]}}`, or `{"<envelope>": {}}` when N is 0."""

    key: str
    items: list[Entity]
    count: int
    view: Any = None  # optional callable(entity) -> dict, for answers that reshape entities


@dataclass(slots=True)
class SuccessAnswer:
    success: bool = True
    displaytext: str | None = None


@dataclass(slots=True)
class RawAnswer:
    """A body used as is, under the envelope (login, async submission, queryAsyncJobResult)."""

    body: dict[str, Any] = field(default_factory=dict)


Answer = ObjectAnswer | ListAnswer | SuccessAnswer | RawAnswer


def render(answer: Answer) -> dict[str, Any]:
    """The inner body of an answer (what goes under the envelope key, or into `jobresult`)."""
    if isinstance(answer, ObjectAnswer):
        return {answer.name: public(answer.obj)}
    if isinstance(answer, ListAnswer):
        if answer.count == 0 and not answer.items:
            return {}
        view = answer.view or public
        return {"count": answer.count, answer.key: [view(e) for e in answer.items]}
    if isinstance(answer, SuccessAnswer):
        out: dict[str, Any] = {"success": answer.success}
        if answer.displaytext is not None:
            out["displaytext"] = answer.displaytext
        return out
    return answer.body
