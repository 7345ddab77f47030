"""The 4.21+ hardening switch `enforce.post.requests.and.timestamps`, as the management server applies it.

With the setting true (ApiServlet / ApiServer.verifyRequest of 4.21 and later):
- a command whose name does not start with get/list/query/find (and is not one of a few read APIs
  named otherwise) must come by POST, else HTTP 400;
- a signed request must use signature version 3, and its `expires` may be at most 15 minutes after
  the server's clock; either failure is the usual 401 "unable to verify user credentials and/or
  request signature" (the server does not say which check failed).
Off (the default), neither check is made and 4.20 behaviour is unchanged.

The real server reads the setting when it starts (the key is not dynamic); the simulator applies an
updateConfiguration at once, since restarting it would be the same as a restart of the real one.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from cloudstack_mcp.simulator.backend.errors import ApiError

__all__ = ["ENFORCE_KEY", "MAX_AHEAD", "expires_allowed", "post_refusal", "sent_by_get_allowed"]

ENFORCE_KEY = "enforce.post.requests.and.timestamps"
MAX_AHEAD = timedelta(minutes=15)
_READ_NAME = re.compile(r"^(get|list|query|find)\w+$", re.IGNORECASE)
# Reads whose names do not say so; the server lets them come by GET too.
_READS_NAMED_OTHERWISE = frozenset(
    name.lower()
    for name in (
        "quotaBalance",
        "quotaSummary",
        "quotaStatement",
        "quotaTariffList",
        "quotaIsEnabled",
        "readyForShutdown",
        "cloudianIsEnabled",
        "isAccountAllowedToCreateOfferingsWithTags",
        "verifyOAuthCodeAndGetUser",
    )
)


def sent_by_get_allowed(command: str) -> bool:
    """Whether `command` may come by GET on a server that enforces POST for changes."""
    return bool(_READ_NAME.match(command)) or command.lower() in _READS_NAMED_OTHERWISE


def post_refusal(command: str, method: str) -> ApiError | None:
    """The 400 for a state-changing command that came by GET (None when the request may pass)."""
    if method.upper() == "POST" or sent_by_get_allowed(command):
        return None
    return ApiError(
        400,
        f"State changing command {command} needs to be sent using POST request",
        cserrorcode=None,
    )


def expires_allowed(version: str | None, expires: datetime | None, *, now: datetime | None = None) -> bool:
    """Under enforcement: signature version 3 with an `expires` no more than 15 minutes ahead."""
    if version != "3" or expires is None:
        return False
    return expires <= (now or datetime.now(timezone.utc)) + MAX_AHEAD
