"""What a handler gets: the cloud, the caller, the API and its checked arguments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .accounts import Caller
from .errors import ApiError, param_error
from .kinds import ApiInfo
from .params import Args
from .store import Entity, Store

if TYPE_CHECKING:
    from .cloud import Cloud

__all__ = ["Context"]


@dataclass(slots=True)
class Context:
    cloud: Cloud
    info: ApiInfo
    args: Args
    caller: Caller
    completions: list[Callable[[], None]] = field(default_factory=list)

    @property
    def store(self) -> Store:
        return self.cloud.store

    @property
    def api(self) -> str:
        return self.info.spec.name

    def arg(self, name: str, default: Any = None) -> Any:
        return self.args.get(name, default)

    def entity(self, kind: str, param: str = "id", *, required: bool = True) -> Entity | None:
        """The entity a uuid parameter names (already checked to exist when metadata says its kind)."""
        eid = self.args.get(param)
        if eid is None:
            if required:
                raise param_error(
                    f"Unable to execute API command {self.info.command_label} due to missing parameter {param}"
                )
            return None
        found = self.store.get(kind, eid)
        if found is None and required:
            raise param_error(f"Unable to find {kind.removesuffix('Response').lower()} by id {eid}")
        return found

    def later(self, callback: Callable[[], None]) -> None:
        """Run `callback` when the async job of this call ends (at once for a sync API)."""
        self.completions.append(callback)

    def fail(self, code: int, text: str) -> ApiError:
        return ApiError(code, text)
