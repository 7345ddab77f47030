"""API key pairs with their own rules and validity dates (CloudStack 4.23: registerUserKeys with
name/rules/startdate/enddate, listUserKeys, deleteUserKeys).

registerUserKeys without any of those keeps the older behaviour: fresh keys replace the user's own.
With them it adds a named pair beside the user's keys. A pair's rules are checked in order, the first
whose pattern (`*` wildcards) matches the command decides allow or deny, and a command no rule
matches is denied; the account's role still applies on top. A pair outside its dates signs nothing.
"""

from __future__ import annotations

import fnmatch
import secrets
from datetime import datetime, timezone
from typing import Any

from cloudstack_mcp.simulator.backend.accounts import USER
from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.identity import _admin_of, _path_of, _user
from cloudstack_mcp.simulator.backend.engine import page
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.params import parse_date
from cloudstack_mcp.simulator.backend.store import Entity, now_text, public

__all__ = ["PAIR", "pair_allows", "pair_in_dates"]

PAIR = "ApiKeyPairResponse"


def pair_allows(pair: Entity, command: str) -> bool:
    """The first rule matching `command` decides; no rule matching denies."""
    for rule in pair.get("permissions") or []:
        if fnmatch.fnmatchcase(command.lower(), str(rule.get("rule", "")).lower()):
            return str(rule.get("permission", "")).lower() == "allow"
    return False


def pair_in_dates(pair: Entity, now: datetime | None = None) -> bool:
    moment = now or datetime.now(timezone.utc)
    start = parse_date(str(pair.get("startdate") or "")) if pair.get("startdate") else None
    end = parse_date(str(pair.get("enddate") or "")) if pair.get("enddate") else None
    return (start is None or start <= moment) and (end is None or moment <= end)


def _rules(ctx: Context) -> list[dict[str, Any]]:
    rules = []
    for _, fields in sorted((ctx.args.values.get("rules") or {}).items()):
        lowered = {k.lower(): v for k, v in fields.items()}
        permission = str(lowered.get("permission", "")).lower()
        if not lowered.get("rule") or permission not in ("allow", "deny"):
            raise param_error(f"Invalid rule {fields}: give rule=<API name or pattern> and permission=allow|deny")
        rules.append({"rule": lowered["rule"], "permission": permission, "description": lowered.get("description")})
    return rules


@handles("registerUserKeys")
def register_keys(ctx: Context) -> ObjectAnswer:
    user = _user(ctx)
    named = any(ctx.args.get(k) for k in ("name", "description", "startdate", "enddate", "rules"))
    if not named:
        api_key, secret = ctx.cloud.accounts.new_keys(user)
        return ObjectAnswer("userkeys", {"apikey": api_key, "secretkey": secret})
    start, end = ctx.args.raw.get("startdate"), ctx.args.raw.get("enddate")
    if start and end and (parse_date(start) or datetime.min) > (parse_date(end) or datetime.max):
        raise param_error("The start date of an API key pair must be before its end date")
    api_key, secret = secrets.token_urlsafe(64)[:86], secrets.token_urlsafe(64)[:86]
    pair = ctx.store.add(
        PAIR,
        {
            "name": ctx.arg("name") or f"key-{now_text()}",
            "description": ctx.arg("description"),
            "apikey": api_key,
            "_secretkey": secret,
            "startdate": start,
            "enddate": end,
            "userid": user["id"],
            "username": user["username"],
            "account": user.get("account"),
            "accountid": user.get("accountid"),
            "domainid": user.get("domainid"),
            "domain": user.get("domain"),
            "permissions": _rules(ctx),
            "created": now_text(),
            "_owner": user.get("accountid"),
        },
    )
    ctx.cloud.accounts.add_pair(pair, secret)
    return ObjectAnswer("userkeys", {**public(pair), "secretkey": secret})


def _pair_view(pair: Entity) -> dict[str, Any]:
    return {k: v for k, v in public(pair).items()}


@handles("listUserKeys")
def list_keys(ctx: Context) -> ListAnswer:
    pairs = list(ctx.store.all(PAIR))
    if ctx.arg("keypairid"):
        pairs = [p for p in pairs if p["id"] == ctx.arg("keypairid")]
    user_id = ctx.arg("userid") or (None if ctx.arg("listall") and ctx.caller.is_root_admin else ctx.caller.user["id"])
    if user_id:
        user = ctx.store.get(USER, str(user_id))
        if user is None:
            raise param_error(f"Unable to find user with id {user_id}")
        if user["id"] != ctx.caller.user["id"]:
            _admin_of(ctx, _path_of(ctx, user))
        pairs = [p for p in pairs if p.get("userid") == user["id"]]
    items, total = page(ctx, pairs)
    return ListAnswer("userapikey", items, total, view=_pair_view)


@handles("deleteUserKeys")
def delete_keys(ctx: Context) -> SuccessAnswer:
    pair_id = str(ctx.arg("id"))
    pair = ctx.store.get(PAIR, pair_id)
    if pair is None:
        raise param_error(f"Unable to find API key pair with id {pair_id}; it may have been deleted already")
    if pair.get("userid") != ctx.caller.user["id"]:
        user = ctx.store.get(USER, str(pair.get("userid"))) or {}
        _admin_of(ctx, _path_of(ctx, user))
    ctx.cloud.accounts.drop_pair(pair)
    ctx.store.remove(PAIR, pair_id)
    return SuccessAnswer()


@handles("setupUserTwoFactorAuthentication")
def setup_2fa(ctx: Context) -> ObjectAnswer:
    """Turn two-factor authentication on or off for a user (the caller, or `userid` for an admin):
    password logins of that user then need validateUserTwoFactorAuthenticationCode (the simulator's
    provider takes the code 123456); API keys are not affected."""
    user = ctx.store.get(USER, str(ctx.arg("userid"))) if ctx.arg("userid") else ctx.caller.user
    if user is None:
        raise param_error(f"Unable to find user with id {ctx.arg('userid')}")
    if user["id"] != ctx.caller.user["id"]:
        _admin_of(ctx, _path_of(ctx, user))
    enable = ctx.arg("enable") is not False
    provider = str(ctx.arg("provider") or "totp")
    if enable and provider not in ("totp", "staticpin"):
        raise param_error(f"Invalid two factor authentication provider {provider}: use totp or staticpin")
    user["is2faenabled"] = enable
    user["_2faprovider"] = provider if enable else None
    answer = {"id": user["id"], "username": user["username"], "provider": provider if enable else None}
    if enable:
        answer["secretcode"] = "SIMULATOR2FASECRET"
    return ObjectAnswer("setup2fa", answer)
