"""The server's scrubber and what it may learn; the one-time display of a new secret.

`server_scrubber(settings)` is made once per server before its first request (server.app.open_app):
it holds the configured credentials and scrubs every log record from the first line on.
`text_arguments` picks the arguments the scrubber may learn from (never flags or numbers);
`reveal_text` is the block that shows a secret an API exists to hand out, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.config import Settings
from cloudstack_mcp.safety.secrets import SecretScrubber, install_log_scrubbing, is_secret_name, secret_values

__all__ = ["named_secrets", "reveal_text", "server_scrubber", "text_arguments"]


def server_scrubber(settings: Settings) -> SecretScrubber:
    """A server's scrubber: its configured credentials remembered, every log record of the process passed
    through it. Made before the server's first request, so nothing is logged before it exists."""
    scrubber = SecretScrubber()
    for own in (settings.secret_key, settings.password, settings.api_key, getattr(settings, "confirm_key", None)):
        scrubber.remember(own)
    install_log_scrubbing(scrubber)
    return scrubber


_NOT_TEXT = frozenset({"boolean", "integer", "long", "short", "double", "float", "date", "tzdate"})


def text_arguments(api: ApiSpec, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments the scrubber may learn from: not those of a flag or number type (a secret-looking flag
    such as update_passwd_on_host=true must not make every later `true` a secret)."""
    out = {}
    for name, value in arguments.items():
        param = api.param(str(name))
        if param is None or param.type.lower() not in _NOT_TEXT:
            out[name] = value
    return out


def reveal_text(api: ApiSpec, answer: Any) -> str:
    """The block that shows a new secret to the user once (empty when the answer holds none)."""
    found = [v for v in secret_values(answer, api) if v]
    if not found:
        return ""
    pairs = named_secrets(answer, api)
    body = "\n".join(f"  {k}: {v}" for k, v in pairs) if pairs else "\n".join(f"  {v}" for v in found)
    return (
        f"New secret from {api.name}, shown this once (it is masked in logs, the audit log and later answers; "
        f"store it now):\n{body}"
    )


def named_secrets(value: Any, api: ApiSpec, prefix: str = "") -> list[tuple[str, str]]:
    """(path, value) of every secret-named field in an answer."""
    out: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        for k, v in value.items():
            path = f"{prefix}{k}"
            if is_secret_name(str(k), api) and isinstance(v, (str, int)) and v != "":
                out.append((path, str(v)))
            else:
                out += named_secrets(v, api, path + ".")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += named_secrets(v, api, f"{prefix}{i}.")
    return out
