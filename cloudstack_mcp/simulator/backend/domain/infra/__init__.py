"""Infrastructure handlers: zones and pods, clusters, hosts, metrics, zone networking.

Importing the package registers every handler of its modules.
"""

from cloudstack_mcp.simulator.backend.domain.infra import clusters, hosts, metrics, zonenet, zones

__all__ = ["clusters", "hosts", "metrics", "zonenet", "zones"]
