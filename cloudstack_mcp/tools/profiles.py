"""What each `--toolsets` choice lists and what its `tools/list` costs (`cloudstack-mcp tools --profiles`).

Apart from budget.py (which compacts one tool's entry and is used by the inventory) because it
builds whole inventories: it sits above them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.tools.budget import listing_bytes
from cloudstack_mcp.tools.inventory import Controls, ToolDef, build_inventory
from cloudstack_mcp.tools.toolsets import PROFILES, TOOLSETS

__all__ = ["ProfileSize", "profile_sizes"]


@dataclass(frozen=True, slots=True)
class ProfileSize:
    """What one `--toolsets` choice lists: tool count and `tools/list` bytes (tokens ~ bytes / 4)."""

    profile: str
    title: str
    apis: int
    tools: int
    bytes: int

    @property
    def tokens(self) -> int:
        return self.bytes // 4


def profile_sizes(
    catalog: Catalog,
    settings: Settings,
    extras: Iterable[ToolDef] = (),
    profiles: Iterable[str] | None = None,
    *,
    guard: Controls | None = None,
) -> list[ProfileSize]:
    """The size of the listing of each profile (default, every toolset, all) with these settings' filters;
    pass the server's guard and extra tools to count what the server really lists."""
    extras = list(extras)
    titles = {
        "default": PROFILES["default"],
        "discovery": PROFILES["discovery"],
        **{ts.id: ts.title for ts in TOOLSETS.values()},
        "all": PROFILES["all"],
    }
    out = []
    for profile in profiles or titles:
        chosen = replace(settings, toolsets=tuple(profile.split(",")), tools=())
        inv = build_inventory(catalog, chosen, guard=guard, extras=extras)
        apis = sum(1 for t in inv.tools.values() if t.api is not None)
        out.append(
            ProfileSize(profile, titles.get(profile, profile), apis, len(inv), listing_bytes(inv.listing().tools))
        )
    return out
