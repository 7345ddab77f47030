"""Domains, accounts, users and their API keys (registerUserKeys keys then sign requests)."""

from __future__ import annotations

from collections.abc import Callable

from cloudstack_mcp.simulator.backend.accounts import ACCOUNT, DOMAIN, ROLE, USER
from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.engine import page
from cloudstack_mcp.simulator.backend.errors import ACCOUNT_ERROR, ApiError, param_error
from cloudstack_mcp.simulator.backend.store import Entity, public

_TYPE_ROLE = {0: "User", 1: "Admin", 2: "DomainAdmin", 3: "ResourceAdmin"}


def _denied(ctx: Context, what: str) -> ApiError:
    return ApiError(
        ACCOUNT_ERROR, f"Account {ctx.caller.account['name']} does not have permission to {what}", cserrorcode=4365
    )


def _domain(ctx: Context, param: str = "domainid") -> Entity:
    domain = ctx.maybe(DOMAIN, param) or ctx.caller.domain
    if not ctx.caller.can_see_domain(str(domain.get("path"))):
        raise _denied(ctx, f"access domain {domain['name']}")
    return domain


def _admin_of(ctx: Context, domain_path: str) -> None:
    if ctx.caller.role == "User" or not ctx.caller.can_see_domain(domain_path):
        raise _denied(ctx, "manage accounts and users here")


def _account(ctx: Context) -> Entity:
    if ctx.arg("id"):
        account = ctx.store.get(ACCOUNT, str(ctx.arg("id")))
    else:
        if not ctx.arg("account"):
            raise param_error("Please pass the account id, or account and domainid")
        domain = _domain(ctx)
        account = ctx.store.first(ACCOUNT, name=ctx.arg("account"), domainid=domain["id"])
    if account is None:
        raise param_error("Unable to find the account: check the id, or the account name and domainid")
    _admin_of(ctx, str(account.get("domainpath")))
    return account


def _users_of(ctx: Context, account: Entity) -> list[Entity]:
    return [u for u in ctx.store.all(USER) if u.get("accountid") == account["id"]]


def _account_view(ctx: Context) -> Callable[[Entity], dict]:
    def view(account: Entity) -> dict:
        out = public(account)
        out["user"] = [{k: v for k, v in public(u).items() if k != "apikey"} for u in _users_of(ctx, account)]
        return out

    return view


def _in_scope(ctx: Context, domain_path: str) -> bool:
    """listAccounts/listUsers: the caller's domain, or its subtree with listall/isrecursive."""
    caller = ctx.caller
    wanted = ctx.maybe(DOMAIN, "domainid")
    base = str((wanted or caller.domain)["path"])
    if wanted is not None and not caller.can_see_domain(base):
        raise _denied(ctx, f"list the domain {wanted['name']}")
    if ctx.arg("listall") or ctx.arg("isrecursive"):
        return domain_path == base or domain_path.startswith(base + "/")
    return domain_path == base


@handles("listAccounts")
def list_accounts(ctx: Context) -> ListAnswer:
    if ctx.caller.role == "User":
        accounts = [ctx.caller.account]
    else:
        accounts = [a for a in ctx.store.all(ACCOUNT) if _in_scope(ctx, str(a.get("domainpath")))]
    args = ctx.args
    if args.get("id"):
        accounts = [a for a in accounts if a["id"] == args.get("id")]
    if args.get("name"):
        accounts = [a for a in accounts if a.get("name").lower() == str(args.get("name")).lower()]
    if args.get("accounttype") is not None:
        accounts = [a for a in accounts if a.get("accounttype") == args.get("accounttype")]
    if args.get("state"):
        accounts = [a for a in accounts if str(a.get("state")).lower() == str(args.get("state")).lower()]
    if args.get("keyword"):
        accounts = [a for a in accounts if str(args.get("keyword")).lower() in a.get("name").lower()]
    items, total = page(ctx, accounts)
    return ListAnswer("account", items, total, view=_account_view(ctx))


@handles("listUsers")
def list_users(ctx: Context) -> ListAnswer:
    if ctx.caller.role == "User":
        users = _users_of(ctx, ctx.caller.account)
    else:
        users = [u for u in ctx.store.all(USER) if _in_scope(ctx, _path_of(ctx, u))]
    for key in ("id", "username", "state", "accounttype", "account"):
        if ctx.args.get(key) is not None:
            users = [u for u in users if str(u.get(key, "")).lower() == str(ctx.args.get(key)).lower()]
    if ctx.args.get("keyword"):
        users = [u for u in users if str(ctx.args.get("keyword")).lower() in u.get("username").lower()]
    items, total = page(ctx, users)
    return ListAnswer("user", items, total)


def _path_of(ctx: Context, user: Entity) -> str:
    account = ctx.store.get(ACCOUNT, str(user.get("accountid"))) or {}
    return str(account.get("domainpath", ""))


def _role_for(ctx: Context) -> Entity:
    if ctx.arg("roleid"):
        role = ctx.entity(ROLE, "roleid")
    elif ctx.arg("accounttype") is not None:
        wanted = _TYPE_ROLE.get(ctx.arg("accounttype"))
        if wanted is None:
            raise param_error(
                f"Invalid account type {ctx.arg('accounttype')}: use 0 (user), 1 (admin), 2 (domain admin) or 3"
            )
        role = next(r for r in ctx.store.all(ROLE) if r.get("type") == wanted)
    else:
        raise param_error("Please pass roleid or accounttype for the new account")
    if role.get("type") == "Admin" and not ctx.caller.is_root_admin:
        raise _denied(ctx, "create root admin accounts")
    return role


@handles("createAccount")
def create_account(ctx: Context) -> ObjectAnswer:
    domain = _domain(ctx)
    _admin_of(ctx, str(domain.get("path")))
    role = _role_for(ctx)
    name = ctx.arg("account") or ctx.arg("username")
    if ctx.store.first(ACCOUNT, name=name, domainid=domain["id"]):
        raise param_error(f"The specified account: {name} already exists")
    if any(u.get("username") == ctx.arg("username") and u.get("domainid") == domain["id"] for u in ctx.store.all(USER)):
        raise param_error(f"The user {ctx.arg('username')} already exists in domain {domain['name']}")
    accounts = ctx.cloud.accounts
    account = accounts.add_account(str(name), domain, role)
    accounts.add_user(
        account, str(ctx.arg("username")), str(ctx.arg("password")), str(ctx.arg("firstname")), str(ctx.arg("lastname"))
    )
    _users_of(ctx, account)[0]["email"] = ctx.arg("email")
    ctx.event("ACCOUNT.CREATE", f"Creating account {name}")
    return ObjectAnswer("account", _account_view(ctx)(account))


@handles("updateAccount")
def update_account(ctx: Context) -> ObjectAnswer:
    account = _account(ctx)
    if ctx.arg("newname"):
        if ctx.store.first(ACCOUNT, name=ctx.arg("newname"), domainid=account.get("domainid")):
            raise param_error(f"The specified account: {ctx.arg('newname')} already exists")
        account["name"] = ctx.arg("newname")
        for user in _users_of(ctx, account):
            user["account"] = account.get("name")
    if ctx.arg("networkdomain"):
        account["networkdomain"] = ctx.arg("networkdomain")
    if ctx.arg("roleid"):
        role = ctx.entity(ROLE, "roleid")
        account.update(roleid=role["id"], roletype=role["type"], rolename=role["name"])
    return ObjectAnswer("account", _account_view(ctx)(account))


def _protect(ctx: Context, account: Entity) -> None:
    if account["id"] == ctx.caller.account["id"]:
        raise param_error("Deleting or disabling your own account is not allowed")
    if account.get("isdefault"):
        raise param_error(f"The account id={account['id']} is system account, can't be removed or disabled")


@handles("deleteAccount")
def delete_account(ctx: Context) -> SuccessAnswer:
    account = _account(ctx)
    _protect(ctx, account)
    account["state"] = "removing"

    def gone() -> None:
        for user in _users_of(ctx, account):
            ctx.store.remove(USER, user["id"])
        for kind in list(ctx.store.kinds()):
            for entity in list(ctx.store.all(kind)):
                if entity.get("_owner") == account["id"]:
                    ctx.store.remove(kind, entity["id"])
        ctx.store.remove(ACCOUNT, account["id"])

    ctx.later(gone)
    ctx.event("ACCOUNT.DELETE", f"Deleting account {account['name']}")
    return SuccessAnswer()


@handles("disableAccount", "lockAccount")
def disable_account(ctx: Context) -> ObjectAnswer:
    account = _account(ctx)
    _protect(ctx, account)
    account["state"] = "locked" if ctx.arg("lock") or ctx.api == "lockAccount" else "disabled"
    return ObjectAnswer("account", _account_view(ctx)(account))


@handles("enableAccount")
def enable_account(ctx: Context) -> ObjectAnswer:
    account = _account(ctx)
    account["state"] = "enabled"
    return ObjectAnswer("account", _account_view(ctx)(account))


@handles("createUser")
def create_user(ctx: Context) -> ObjectAnswer:
    domain = _domain(ctx)
    account = ctx.store.first(ACCOUNT, name=ctx.arg("account"), domainid=domain["id"])
    if account is None:
        raise param_error(f"Unable to find account {ctx.arg('account')} in domain {domain['name']}")
    _admin_of(ctx, str(account.get("domainpath")))
    if any(u.get("username") == ctx.arg("username") and u.get("domainid") == domain["id"] for u in ctx.store.all(USER)):
        raise param_error(f"The user {ctx.arg('username')} already exists in domain {domain['name']}")
    user = ctx.cloud.accounts.add_user(
        account, str(ctx.arg("username")), str(ctx.arg("password")), str(ctx.arg("firstname")), str(ctx.arg("lastname"))
    )
    user["email"] = ctx.arg("email")
    if ctx.arg("timezone"):
        user["timezone"] = ctx.arg("timezone")
    return ObjectAnswer("user", user)


def _user(ctx: Context) -> Entity:
    user = ctx.store.get(USER, str(ctx.arg("id")))
    if user is None:
        raise param_error(f"Unable to find user with id {ctx.arg('id')}")
    if user["id"] != ctx.caller.user["id"]:
        _admin_of(ctx, _path_of(ctx, user))
    return user


@handles("updateUser")
def update_user(ctx: Context) -> ObjectAnswer:
    user = _user(ctx)
    for key in ("email", "firstname", "lastname", "username", "timezone"):
        if ctx.arg(key):
            user[key] = ctx.arg(key)
    if ctx.arg("password"):
        user["_password"] = ctx.arg("password")
    return ObjectAnswer("user", user)


@handles("deleteUser")
def delete_user(ctx: Context) -> SuccessAnswer:
    user = _user(ctx)
    if user["id"] == ctx.caller.user["id"]:
        raise param_error("Deleting your own user is not allowed")
    if user.get("isdefault"):
        raise param_error(f"The user {user['username']} is a system user and can't be deleted")
    ctx.store.remove(USER, user["id"])
    return SuccessAnswer()


@handles("disableUser", "lockUser")
def disable_user(ctx: Context) -> ObjectAnswer:
    user = _user(ctx)
    if user["id"] == ctx.caller.user["id"]:
        raise param_error("Disabling or locking your own user is not allowed")
    user["state"] = "locked" if ctx.api == "lockUser" else "disabled"
    return ObjectAnswer("user", user)


@handles("enableUser")
def enable_user(ctx: Context) -> ObjectAnswer:
    user = _user(ctx)
    user["state"] = "enabled"
    return ObjectAnswer("user", user)


@handles("getUserKeys")
def get_keys(ctx: Context) -> ObjectAnswer:
    user = _user(ctx)
    if not user.get("apikey"):
        raise param_error(f"User {user['username']} has no API keys; call registerUserKeys first")
    return ObjectAnswer("userkeys", {"apikey": user.get("apikey"), "secretkey": user.get("_secretkey")})


@handles("listDomains")
def list_domains(ctx: Context) -> ListAnswer:
    base = str(ctx.caller.domain.get("path"))
    every = bool(ctx.arg("listall")) or bool(ctx.arg("id"))
    domains = [
        d
        for d in ctx.store.all(DOMAIN)
        if d.get("path") == base
        or (every and ctx.caller.can_see_domain(str(d.get("path"))) and ctx.caller.role != "User")
    ]
    for key in ("id", "name", "level"):
        if ctx.args.get(key) is not None:
            domains = [d for d in domains if str(d.get(key)).lower() == str(ctx.args.get(key)).lower()]
    items, total = page(ctx, domains)
    return ListAnswer("domain", items, total)


@handles("createDomain")
def create_domain(ctx: Context) -> ObjectAnswer:
    parent = _domain(ctx, "parentdomainid")
    _admin_of(ctx, str(parent.get("path")))
    name = str(ctx.arg("name"))
    if any(
        d.get("name").lower() == name.lower() and d.get("parentdomainid") == parent["id"] for d in ctx.store.all(DOMAIN)
    ):
        raise param_error(f"Domain with name {name} already exists for the parent id={parent['id']}")
    domain = ctx.cloud.accounts.add_domain(name, parent)
    if ctx.arg("networkdomain"):
        domain["networkdomain"] = ctx.arg("networkdomain")
    return ObjectAnswer("domain", domain)


@handles("updateDomain")
def update_domain(ctx: Context) -> ObjectAnswer:
    domain = ctx.entity(DOMAIN, "id")
    _admin_of(ctx, str(domain.get("path")))
    if ctx.arg("name"):
        if domain.get("level") == 0:
            raise param_error("Can't update the name of the ROOT domain")
        old = str(domain.get("path"))
        domain["name"] = ctx.arg("name")
        domain["path"] = old.rsplit("/", 1)[0] + "/" + str(ctx.arg("name"))
    if ctx.arg("networkdomain"):
        domain["networkdomain"] = ctx.arg("networkdomain")
    return ObjectAnswer("domain", domain)


@handles("deleteDomain")
def delete_domain(ctx: Context) -> SuccessAnswer:
    domain = ctx.entity(DOMAIN, "id")
    if domain.get("level") == 0:
        raise param_error("Can't delete the ROOT domain")
    if ctx.caller.domain["id"] == domain["id"]:
        raise param_error("Deleting your own domain is not allowed")
    path = str(domain.get("path"))
    inside = [
        a
        for a in ctx.store.all(ACCOUNT)
        if str(a.get("domainpath")) == path or str(a.get("domainpath")).startswith(path + "/")
    ]
    if inside and not ctx.arg("cleanup"):
        raise param_error(
            f"Can't delete the domain yet: it still has {len(inside)} account(s); pass cleanup=true to remove them"
        )

    def gone() -> None:
        for account in inside:
            for user in _users_of(ctx, account):
                ctx.store.remove(USER, user["id"])
            ctx.store.remove(ACCOUNT, account["id"])
        for d in list(ctx.store.all(DOMAIN)):
            if d.get("path") == path or str(d.get("path")).startswith(path + "/"):
                ctx.store.remove(DOMAIN, d["id"])

    ctx.later(gone)
    return SuccessAnswer()
