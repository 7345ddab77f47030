"""Domain handlers: the APIs whose behaviour the simulator models itself, keyed by API name.

They know nothing of HTTP: each takes a Context and returns an Answer or raises ApiError.
The generic engine serves every API not registered here.
"""

from __future__ import annotations

from collections.abc import Callable

from cloudstack_mcp.simulator.backend.answers import Answer
from cloudstack_mcp.simulator.backend.context import Context

__all__ = ["HANDLERS", "Handler", "handles"]

Handler = Callable[[Context], Answer]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    """Register a function as the handler of the named APIs."""

    def register(fn: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = fn
        return fn

    return register


def load_all() -> dict[str, Handler]:
    """Import every domain module (each registers its handlers) and return the registry."""
    from cloudstack_mcp.simulator.backend.domain import (  # noqa: F401
        certs,
        core,
        identity,
        images,
        infra,
        keypairs,
        lookups,
        misc,
        network,
        offerings,
        storage,
        system,
        vms,
    )

    return HANDLERS
