"""Which HTTP method an API call may use, and what a hardened server's refusals mean.

CloudStack 4.21 and later have the global setting `enforce.post.requests.and.timestamps`. With it
on, the management server takes by GET only APIs whose names start with get/list/query/find (and a
few reads named otherwise); every other API must come by POST, else HTTP 400 "State changing
command X needs to be sent using POST request". It also wants signature version 3 with `expires`
at most 15 minutes ahead, refused with the usual 401. POST works on every server and for every API,
so the callers send changes by POST always; reads may stay GET.
"""

from __future__ import annotations

import re

from cloudstack_mcp.errors import ApiError

__all__ = ["MAX_EXPIRES_AHEAD", "explain_post_refusal", "explain_unavailable", "login_demand", "may_go_by_get"]

# Seconds ahead of the server's clock a hardened server accepts for `expires`.
MAX_EXPIRES_AHEAD = 15 * 60
_READ_NAME = re.compile(r"^(get|list|query|find)\w+$", re.IGNORECASE)
_READS_NAMED_OTHERWISE = frozenset(
    n.lower()
    for n in (
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
_POST_REFUSAL = re.compile(r"needs to be sent using POST", re.IGNORECASE)
_UNAVAILABLE = re.compile(r"^The given command '?[\w]+'? either does not exist, is not available", re.IGNORECASE)


def may_go_by_get(command: str) -> bool:
    """Whether a server that enforces POST for changes takes `command` by GET."""
    return bool(_READ_NAME.match(command)) or command.lower() in _READS_NAMED_OTHERWISE


def _with_text(error: ApiError, text: str) -> ApiError:
    return ApiError(
        error.code, text, api=error.api, cserrorcode=error.cserrorcode, uuids=error.uuids, jobid=error.jobid
    )


def explain_post_refusal(error: ApiError, method_setting: str) -> ApiError | None:
    """A 400 "needs to be sent using POST" with what to do; None for any other error."""
    if error.code != 400 or not _POST_REFUSAL.search(error.text):
        return None
    why = (
        "the method setting is get (CLOUDSTACK_METHOD / method in cloudstack.ini): set it to auto or post"
        if method_setting == "get"
        else "it was sent by GET; changes go by POST unless the method setting says get"
    )
    return _with_text(
        error,
        f"{error.text}. This CloudStack enforces POST for state-changing APIs "
        f"(global setting enforce.post.requests.and.timestamps=true); {why}. Nothing was changed.",
    )


def explain_unavailable(error: ApiError, *, signed: bool) -> ApiError | None:
    """CloudStack's 401 "The given command ... is not available for user" (a role or an API key pair
    whose rules do not allow the API), with what it means; None for any other error."""
    if error.code != 401 or not _UNAVAILABLE.search(error.text):
        return None
    who = (
        "the user's role, or the rules of the API key pair in use (CloudStack 4.23+: registerUserKeys "
        "with rules; listUserKeys shows them)"
        if signed
        else "the user's role"
    )
    return _with_text(
        error,
        f"{error.text} The credentials are valid, but {who} do not allow {error.api or 'this API'}: "
        "ask an administrator for the permission, or use keys whose rules allow it. Nothing was run.",
    )


def _yes(value: object) -> bool:
    return str(value).strip().lower() == "true"


def login_demand(answer: object, username: str) -> ApiError | None:
    """A login answer that lets no API call through yet: two-factor authentication still to be verified
    (the session's calls would fail with 511), or a password the server wants changed first."""
    if not isinstance(answer, dict):
        return None
    if _yes(answer.get("is2faenabled")) and not _yes(answer.get("is2faverified", "false")):
        provider = answer.get("providerfor2fa") or "the user's authenticator"
        return ApiError(
            511,
            f"CloudStack accepted the password of {username!r}, but the account has two-factor authentication "
            f"({provider}): a username/password login cannot complete it non-interactively. Use API keys instead "
            "(CLOUDSTACK_KEY / CLOUDSTACK_SECRET; signed requests need no second factor): generate them in the UI "
            "(Profile > Generate keys) or with registerUserKeys.",
            api="login",
        )
    if _yes(answer.get("passwordchangerequired")):
        return ApiError(
            531,
            f"CloudStack requires {username!r} to change the password before using the API (the user's "
            "password was reset or is new). Log in to the UI once and set a new password (or have an admin call "
            "updateUser with a new password), then update CLOUDSTACK_PASSWORD; or use API keys instead.",
            api="login",
        )
    return None
