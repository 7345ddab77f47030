"""What a handler gets: the cloud, the caller, the API and its checked arguments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cloudstack_mcp.simulator.backend.accounts import Caller
from cloudstack_mcp.simulator.backend.errors import ACCOUNT_ERROR, ApiError, param_error
from cloudstack_mcp.simulator.backend.kinds import ApiInfo
from cloudstack_mcp.simulator.backend.params import Args
from cloudstack_mcp.simulator.backend.store import Entity, Store

if TYPE_CHECKING:
    from cloudstack_mcp.simulator.backend.cloud import Cloud

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

    def entity(self, kind: str, param: str = "id") -> Entity:
        """The entity a uuid parameter names; 431 when absent or not of that kind, 531 when not the caller's."""
        eid = self.args.get(param)
        if isinstance(eid, list):
            eid = eid[0] if eid else None
        if eid is None:
            raise param_error(
                f"Unable to execute API command {self.info.command_label} due to missing parameter {param}"
            )
        found = self.store.get(kind, str(eid))
        if found is None:
            raise param_error(f"Unable to find {kind.removesuffix('Response').lower()} with id {eid}")
        self.check_access(found)
        return found

    def maybe(self, kind: str, param: str) -> Entity | None:
        """Like `entity`, None when the parameter was not given."""
        return self.entity(kind, param) if self.args.get(param) else None

    def check_access(self, entity: Entity) -> None:
        """Users act on their own account's resources, domain admins within their domain."""
        owner = entity.get("_owner")
        caller = self.caller
        if owner is None or caller.is_root_admin or owner == caller.account["id"]:
            return
        if caller.role == "DomainAdmin" and caller.can_see_domain(str(entity.get("_domainpath", ""))):
            return
        name = entity.get("name") or entity["id"]
        raise ApiError(
            ACCOUNT_ERROR,
            f"Account {caller.account['name']} does not have permission to operate on {name}",
            cserrorcode=4365,
        )

    def event(self, event_type: str, description: str) -> None:
        """Record an event (shown by listEvents), as the server's action events do."""
        self.cloud.event(self.caller, event_type, description)

    def later(self, callback: Callable[[], None]) -> None:
        """Run `callback` when the async job of this call ends (at once for a sync API)."""
        self.completions.append(callback)
