"""Why a signed request was refused (401): wrong keys, or clocks that disagree.

Signature version 3 sends `expires` = this machine's time + `expiration` seconds, and CloudStack
refuses the request when that moment is already past on its own clock (4.20 has no allowance for
skew). So a clock running behind the server's by more than `expiration` seconds makes every signed
call fail with the same 401 as a wrong secret key. (4.21 with enforced timestamps also refuses an
`expires` more than 15 minutes ahead, so a clock running far ahead, or an expiration setting above
900 s, fails too; and it refuses the v1 probe below whatever the keys, so when that probe fails a
second one, v3 with `expires` 5 minutes past the server's Date, tells right keys from wrong.)

On a 401 we send one diagnostic request: `listCapabilities` (harmless, allowed for every role),
signed without `expires` (signature version 1). If that one is accepted, the keys are right and the
clock is the cause. The call itself is never resent with the weaker signature. The server's `Date`
header, when it sends one, tells by how much the clocks differ. A diagnosis is kept for a minute so
a burst of refused calls costs one extra request.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import httpx2

from cloudstack_mcp.cloudstack.methods import MAX_EXPIRES_AHEAD
from cloudstack_mcp.cloudstack.signing import sign
from cloudstack_mcp.errors import ApiError, CloudStackMcpError

if TYPE_CHECKING:
    from cloudstack_mcp.config import Settings

__all__ = ["Send", "SignatureCheck", "server_clock_offset"]

# (command, every parameter as sent) -> the raw HTTP response of a GET, with no retry or parsing.
Send = Callable[[str, dict[str, str]], Awaitable[httpx2.Response]]

log = logging.getLogger(__name__)

_PROBE = "listCapabilities"
_REMEMBER = 60.0  # seconds a diagnosis is reused
_NOTABLE_SKEW = 30.0  # seconds of difference worth mentioning


def server_clock_offset(response: httpx2.Response, *, now: float | None = None) -> float | None:
    """Server time minus local time in seconds, from the `Date` header (None when absent or unreadable)."""
    header = response.headers.get("date")
    if not header:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return moment.timestamp() - (time.time() if now is None else now)


def _skew_text(offset: float | None) -> str:
    if offset is None or abs(offset) < _NOTABLE_SKEW:
        return ""
    way = "behind" if offset > 0 else "ahead of"
    return f" This machine's clock is about {abs(offset):.0f} s {way} the server's (from its Date header)."


def _hardened_text(expiration: int, offset: float | None, skew: str) -> str:
    """The keys are right but the server enforces timestamps: v3 with `expires` within 15 minutes."""
    ahead = expiration - (offset or 0.0)  # how far past the server's clock our `expires` lands
    if expiration > MAX_EXPIRES_AHEAD:
        fix = (
            f"signed requests expire {expiration} s after this machine's time, more than the {MAX_EXPIRES_AHEAD} s "
            "it allows: set CLOUDSTACK_EXPIRATION (expiration in cloudstack.ini) to 600 or less."
        )
    elif ahead > MAX_EXPIRES_AHEAD:
        fix = (
            f"this machine's clock runs ahead of the server's, so our expiry lands {ahead:.0f} s after the server's "
            "time, past its 15-minute limit: synchronise the clock (NTP)."
        )
    else:
        fix = "synchronise this machine's clock (NTP) and keep CLOUDSTACK_EXPIRATION at 600 or less."
    return (
        "The API key and secret are right (a request signed with an expiry 5 minutes ahead of the server's "
        "clock was accepted), and this CloudStack enforces timestamps (enforce.post.requests.and.timestamps: "
        f"signature version 3 with an expiry at most 15 minutes ahead): {fix}{skew}"
    )


class SignatureCheck:
    """Explains one client's refused signatures; a diagnosis is reused for a minute.

    `send(command, params)` sends the given parameters as they are, by GET, with no retry and no
    parsing (the client's `send`): the probe must not go through the call path that failed.
    """

    def __init__(self, settings: Settings, send: Send):
        self.settings = settings
        self._send = send
        self._last: tuple[float, str] | None = None  # (when, diagnosis)

    async def explain(self, error: ApiError) -> ApiError:
        """`error` (a 401 to a signed call) with what to check: the keys, or this machine's clock."""
        if self._last is not None and time.monotonic() - self._last[0] < _REMEMBER:
            diagnosis = self._last[1]
        else:
            diagnosis = await self._diagnose()
            self._last = (time.monotonic(), diagnosis)
        return ApiError(
            error.code,
            f"{error.text}. {diagnosis}",
            api=error.api,
            cserrorcode=error.cserrorcode,
            uuids=error.uuids,
            jobid=error.jobid,
        )

    async def _probe(self) -> tuple[bool | None, float | None]:
        """(keys accepted without `expires`?, clock offset) from one v1-signed listCapabilities."""
        s = self.settings
        params = {"command": _PROBE, "response": "json", "apiKey": s.api_key or ""}
        params["signature"] = sign(params, s.secret_key or "")
        try:
            response = await self._send(_PROBE, params)
        except CloudStackMcpError as exc:
            log.info("signature diagnosis: %s could not be sent: %s", _PROBE, exc)
            return None, None
        offset = server_clock_offset(response)
        if response.status_code == 200:
            return True, offset
        if response.status_code == 401:
            return False, offset
        return None, offset

    async def _probe_v3(self, offset: float | None) -> bool | None:
        """Keys accepted with signature v3 and an `expires` 5 minutes ahead of the *server's* clock?

        A server enforcing timestamps (4.21+ enforce.post.requests.and.timestamps) refuses the v1 probe
        whatever the keys; this one it accepts when the keys are right, even when the clocks disagree."""
        s = self.settings
        when = datetime.now(timezone.utc) + timedelta(seconds=(offset or 0.0) + 300)
        params = {"command": _PROBE, "response": "json", "apiKey": s.api_key or "", "signatureVersion": "3"}
        params["expires"] = when.strftime("%Y-%m-%dT%H:%M:%S+0000")
        params["signature"] = sign(params, s.secret_key or "")
        try:
            response = await self._send(_PROBE, params)
        except CloudStackMcpError:
            return None
        return {200: True, 401: False}.get(response.status_code)

    async def _diagnose(self) -> str:
        expiration = self.settings.expiration
        keys_ok, offset = await self._probe()
        skew = _skew_text(offset)
        if keys_ok is False and await self._probe_v3(offset):
            return _hardened_text(expiration, offset, skew)
        if keys_ok:
            return (
                "The API key and secret are right (a request signed without an expiry time was accepted), so the "
                f"clocks disagree: signed requests expire {expiration} s after this machine's time and CloudStack "
                f"found that moment already past.{skew} Fix: synchronise this machine's clock (NTP: "
                "`timedatectl status`, `chronyc tracking`), or as a stopgap raise CLOUDSTACK_EXPIRATION "
                "(expiration in cloudstack.ini) above the difference."
            )
        if keys_ok is False:
            return (
                "Check the API key and secret (CLOUDSTACK_KEY / CLOUDSTACK_SECRET or key/secret in cloudstack.ini): "
                "they must be a pair generated for an enabled user of an enabled account (Profile > Generate keys "
                f"shows them again).{skew}"
            )
        return (
            "Check the API key and secret (CLOUDSTACK_KEY / CLOUDSTACK_SECRET), that the user and account are "
            f"enabled, and that this machine's clock is right: signed requests expire {expiration} s after local "
            f"time (CLOUDSTACK_EXPIRATION).{skew}"
        )
