"""Global settings every profile has, with CloudStack's own keys, defaults, types and descriptions
(their ConfigKey declarations); those the simulator honours change its behaviour when updated."""

from __future__ import annotations

from cloudstack_mcp.simulator.backend.seed import services as sv
from cloudstack_mcp.simulator.backend.seed.build import Seeder

# name, default, type, dynamic, description
SERVER_SETTINGS = (
    (
        "enforce.post.requests.and.timestamps",
        "false",
        "Boolean",
        False,
        "Enable/Disable whether the ApiServer should only accept POST requests for state-changing APIs and "
        "requests with timestamps.",
    ),
    (
        "integration.api.port",
        "0",
        "Integer",
        False,
        "Integration (unauthenticated) API port. To disable set it to 0 or negative.",
    ),
    ("encode.api.response", "false", "Boolean", False, "Do URL encoding for the api response, false by default"),
    ("json.content.type", "application/json; charset=UTF-8", "String", False, "Http response content type for JSON"),
    (
        "enable.secure.session.cookie",
        "false",
        "Boolean",
        False,
        "Session cookie is marked as secure if this is enabled. Secure cookies only work when HTTPS is used.",
    ),
    (
        "api.sessionkey.check.locations",
        "CookieAndParameter",
        "String",
        True,
        "The locations of 'sessionkey' during the validation of the API requests. Valid options are: "
        "CookieOrParameter, ParameterOnly, CookieAndParameter (default).",
    ),
)


def seed_settings(s: Seeder) -> None:
    for name, value, kind, dynamic, description in SERVER_SETTINGS:
        if s.store.first("ConfigurationResponse", name=name) is None:
            sv.configuration(s, name, value, description, kind=kind, dynamic=dynamic)
