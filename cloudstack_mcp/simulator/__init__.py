"""A built-in CloudStack management server simulator: the real HTTP API over an in-memory cloud.

from cloudstack_mcp.simulator import Simulator, FaultRule

with Simulator().running() as sim:
    sim.endpoint, sim.credentials["admin"].api_key
"""

from __future__ import annotations

from .accounts import Credentials
from .faults import FaultError, FaultRule, FaultSet
from .protocol import RequestRecord
from .server import Simulator

__all__ = ["Credentials", "FaultError", "FaultRule", "FaultSet", "RequestRecord", "Simulator"]
