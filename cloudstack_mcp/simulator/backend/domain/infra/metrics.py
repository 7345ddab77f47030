"""The metrics lists of hosts, clusters and zones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudstack_mcp.simulator.backend.answers import ListAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.infra.common import (
    CLUSTER,
    HOST,
    ZONE,
)
from cloudstack_mcp.simulator.backend.domain.vms import GB
from cloudstack_mcp.simulator.backend.engine import list_entities, page
from cloudstack_mcp.simulator.backend.store import Entity, public

# ---- metrics ---------------------------------------------------------------------------------------------------


def _host_metrics(host: Entity) -> dict[str, Any]:
    total = int(host.get("memorytotal") or 0)
    used = int(host.get("memoryused") or 0)
    return {
        **public(host),
        "cputotalghz": f"{int(host.get('cpunumber') or 0) * int(host.get('cpuspeed') or 0) / 1000:.2f} Ghz",
        "cpuusedghz": "1.20 Ghz",
        "memorytotalgb": f"{total / GB:.2f} GB",
        "memoryusedgb": f"{used / GB:.2f} GB",
        "powerstate": "On" if host.get("state") == "Up" else "Unknown",
        "instances": "0 / 0",
    }


def _metrics_list(kind: str, view: Callable[[Entity], dict[str, Any]]) -> Callable[[Context], ListAnswer]:
    def handler(ctx: Context) -> ListAnswer:
        items, total = page(ctx, list_entities(ctx, kind))
        return ListAnswer(ctx.info.item_key, items, total, view=view)

    return handler


handles("listHostsMetrics")(_metrics_list(HOST, _host_metrics))
handles("listClustersMetrics")(
    _metrics_list(
        CLUSTER,
        lambda c: {
            **public(c),
            "state": c.get("allocationstate"),
            "cpuused": "4.5%",
            "memoryused": "9.4%",
            "cpumaxdeviation": "0.05",
        },
    )
)
handles("listZonesMetrics")(
    _metrics_list(
        ZONE, lambda z: {**public(z), "state": z.get("allocationstate"), "cpuused": "4.5%", "memoryused": "9.4%"}
    )
)
