"""A built-in CloudStack management server simulator: the real HTTP API over an in-memory cloud.

from cloudstack_mcp.simulator import Simulator

from cloudstack_mcp.simulator import FaultRule

with Simulator().running() as sim:
    sim.endpoint, sim.credentials["admin"].api_key
"""

from __future__ import annotations

from cloudstack_mcp.simulator.backend.accounts import Credentials
from cloudstack_mcp.simulator.server import Simulator
from cloudstack_mcp.simulator.wire.faults import FaultError, FaultRule, FaultSet
from cloudstack_mcp.simulator.wire.protocol import RequestRecord

__all__ = ["Credentials", "FaultError", "FaultRule", "FaultSet", "RequestRecord", "Simulator"]
