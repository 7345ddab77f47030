"""The simulator's in-memory cloud: entities by kind and id.

An entity is a plain dict holding the fields its answers show (`id`, `name`, `zoneid`, ...);
keys starting with `_` are private bookkeeping (owner, variant, ...) and never sent.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

__all__ = ["Entity", "Store", "new_uuid", "now_text", "public"]

Entity = dict[str, Any]

_UUID_NS = uuid.UUID("7b0e4a52-3c1f-4d7e-9a51-2f1c9d0e6b11")


def now_text(moment: datetime | None = None) -> str:
    """A date as CloudStack writes it: `2024-11-19T10:00:00+0000`."""
    return (moment or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S+0000")


_counter = itertools.count(1)


def new_uuid(seed: str | None = None) -> str:
    """A fresh uuid; with `seed`, a stable one (seed data keeps its ids from run to run)."""
    if seed is not None:
        return str(uuid.uuid5(_UUID_NS, seed))
    return str(uuid.uuid4())


def public(entity: Entity) -> Entity:
    """The entity as answers show it: private `_` keys removed, None fields omitted."""
    return {k: v for k, v in entity.items() if v is not None and not k.startswith("_")}


class Store:
    """Entities by kind (response class name) and by id."""

    def __init__(self) -> None:
        self._kinds: dict[str, dict[str, Entity]] = {}
        self._index: dict[str, tuple[str, Entity]] = {}
        self.internal_ids = itertools.count(1)

    def add(self, kind: str, entity: Entity) -> Entity:
        eid = entity.get("id") or new_uuid()
        entity["id"] = eid
        entity.setdefault("_kind", kind)
        entity.setdefault("_seq", next(self.internal_ids))
        self._kinds.setdefault(kind, {})[eid] = entity
        self._index[eid] = (kind, entity)
        return entity

    def get(self, kind: str | None, eid: str) -> Entity | None:
        if kind is None:
            found = self._index.get(eid)
            return found[1] if found else None
        return self._kinds.get(kind, {}).get(eid)

    def kind_of(self, eid: str) -> str | None:
        found = self._index.get(eid)
        return found[0] if found else None

    def remove(self, kind: str, eid: str) -> Entity | None:
        entity = self._kinds.get(kind, {}).pop(eid, None)
        if entity is not None:
            self._index.pop(eid, None)
            self._gone()[eid] = kind
        return entity

    def _gone(self) -> dict[str, str]:
        # Created on first use, so a store pickled before it existed still loads.
        return self.__dict__.setdefault("_removed", {})

    def was_removed(self, kind: str | None, eid: str) -> bool:
        """Whether an entity of `kind` (any kind for None) had this id and was removed: the server still
        finds it when reading a uuid parameter (findByUuidIncludingRemoved), so e.g. a list by its id is empty."""
        gone = self._gone().get(eid)
        return gone is not None and kind in (None, gone)

    def all(self, kind: str) -> Iterable[Entity]:
        return self._kinds.get(kind, {}).values()

    def count(self, kind: str) -> int:
        return len(self._kinds.get(kind, {}))

    def first(self, kind: str, **match: Any) -> Entity | None:
        for e in self.all(kind):
            if all(e.get(k) == v for k, v in match.items()):
                return e
        return None

    # The counter as a number in a saved store (persist.py): counters do not pickle on every Python.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        following = next(self.internal_ids)
        self.internal_ids = itertools.count(following)
        state["internal_ids"] = following
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.internal_ids = itertools.count(int(state["internal_ids"]))

    def kinds(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._index)
