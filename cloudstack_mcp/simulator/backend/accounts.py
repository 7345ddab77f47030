"""Domains, accounts, users, roles and their keys; who is calling; login sessions."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from cloudstack_mcp.simulator.backend.store import Entity, Store, new_uuid, now_text

__all__ = ["Accounts", "Caller", "Credentials", "Session"]

DOMAIN, ACCOUNT, USER, ROLE = "DomainResponse", "AccountResponse", "UserResponse", "RoleResponse"

# role type -> (account type number, role name)
_ROLE_TYPES = {
    "Admin": (1, "Root Admin"),
    "ResourceAdmin": (3, "Resource Admin"),
    "DomainAdmin": (2, "Domain Admin"),
    "User": (0, "User"),
}


@dataclass(frozen=True, slots=True)
class Credentials:
    """How to call the simulator as one of its seeded users (keys for signing, password for login)."""

    api_key: str
    secret_key: str
    username: str
    password: str
    domain: str  # domain path for `login`, e.g. "/" or "/Engineering/"


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user of one request."""

    user: Entity
    account: Entity
    domain: Entity

    @property
    def role(self) -> str:
        return str(self.account["roletype"])

    @property
    def is_root_admin(self) -> bool:
        return self.role == "Admin"

    def can_see_domain(self, domain_path: str) -> bool:
        """Whether a domain (by path) is this caller's domain or below it."""
        mine = str(self.domain["path"])
        return self.is_root_admin or domain_path == mine or domain_path.startswith(mine + "/")


@dataclass(slots=True)
class Session:
    user_id: str
    session_key: str
    verified_2fa: bool = True  # False until validateUserTwoFactorAuthenticationCode for a 2FA user


def _key(seed: str, size: int) -> str:
    """A key that looks like CloudStack's (URL-safe base64, no padding), stable for a seed."""
    digest = hashlib.sha512(("cloudstack-mcp-simulator:" + seed).encode()).digest()
    return base64.urlsafe_b64encode(digest * 2).decode().rstrip("=")[:size]


class Accounts:
    """The identity part of the cloud, kept in the shared store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._by_key: dict[str, str] = {}  # api key -> user id
        self._pairs: dict[str, tuple[str, str]] = {}  # api key of a named key pair -> (pair id, secret)
        self.sessions: dict[str, Session] = {}  # JSESSIONID -> session
        self.credentials: dict[str, Credentials] = {}
        self._seeded: dict[str, str] = {}

    # ---- seeding -------------------------------------------------------------------------------
    def seed(self, api_key: str | None = None, secret_key: str | None = None) -> None:
        roles = {t: self._role(t, name) for t, (_n, name) in _ROLE_TYPES.items()}
        root = self.add_domain("ROOT", None)
        eng = self.add_domain("Engineering", root)
        admin = self.add_account("admin", root, roles["Admin"])
        dadmin = self.add_account("eng-admin", eng, roles["DomainAdmin"])
        user = self.add_account("alice", eng, roles["User"])
        seeds = [
            ("admin", admin, "admin", "password", "Admin", "cloud"),
            ("domainadmin", dadmin, "eng-admin", "password", "Erin", "Ops"),
            ("user", user, "alice", "password", "Alice", "Doe"),
        ]
        for label, account, username, password, first, last in seeds:
            u = self.add_user(account, username, password, first, last)
            key = api_key if label == "admin" and api_key else _key(label + ":api", 86)
            secret = secret_key if label == "admin" and secret_key else _key(label + ":secret", 86)
            self.set_keys(u, key, secret)
            path = (
                "/"
                if account["domainid"] == root["id"]
                else "/" + str(account["domainpath"]).removeprefix("ROOT/") + "/"
            )
            self.credentials[label] = Credentials(key, secret, username, password, path)
            self._seeded[label] = u["id"]

    def _role(self, role_type: str, name: str) -> Entity:
        return self.store.add(
            ROLE,
            {
                "id": new_uuid("role:" + name),
                "name": name,
                "type": role_type,
                "description": f"Default {name.lower()} role",
                "isdefault": True,
                "ispublic": True,
                "state": "ENABLED",
            },
        )

    def add_domain(self, name: str, parent: Entity | None) -> Entity:
        path = name if parent is None else f"{parent['path']}/{name}"
        domain = self.store.add(
            DOMAIN,
            {
                "id": new_uuid("domain:" + path),
                "name": name,
                "path": path,
                "level": 0 if parent is None else int(parent["level"]) + 1,
                "parentdomainid": parent["id"] if parent else None,
                "parentdomainname": parent["name"] if parent else None,
                "haschild": False,
                "state": "Active",
                "created": now_text(),
            },
        )
        if parent is not None:
            parent["haschild"] = True
        return domain

    def add_account(self, name: str, domain: Entity, role: Entity, account_type: int | None = None) -> Entity:
        role_type = str(role["type"])
        return self.store.add(
            ACCOUNT,
            {
                "id": new_uuid(f"account:{domain['path']}:{name}"),
                "name": name,
                "accounttype": _ROLE_TYPES[role_type][0] if account_type is None else account_type,
                "roleid": role["id"],
                "roletype": role_type,
                "rolename": role["name"],
                "domainid": domain["id"],
                "domain": domain["name"],
                "domainpath": domain["path"],
                "state": "enabled",
                "isdefault": name == "admin",
                "created": now_text(),
            },
        )

    def add_user(self, account: Entity, username: str, password: str, first: str = "", last: str = "") -> Entity:
        return self.store.add(
            USER,
            {
                "id": new_uuid(f"user:{account['domainpath']}:{username}"),
                "username": username,
                "firstname": first or username,
                "lastname": last or "user",
                "email": f"{username}@example.org",
                "account": account["name"],
                "accountid": account["id"],
                "accounttype": account["accounttype"],
                "roleid": account["roleid"],
                "roletype": account["roletype"],
                "rolename": account["rolename"],
                "domainid": account["domainid"],
                "domain": account["domain"],
                "state": "enabled",
                "created": now_text(),
                "timezone": "UTC",
                "isdefault": account["name"] == "admin",
                "usersource": "native",
                "is2faenabled": False,
                "_password": password,
            },
        )

    def current_credentials(self) -> dict[str, Credentials]:
        out = {}
        for label, cred in self.credentials.items():
            user = self.store.get(USER, self._seeded.get(label, ""))
            if user is not None and user.get("apikey"):
                cred = Credentials(
                    str(user["apikey"]),
                    str(user["_secretkey"]),
                    str(user["username"]),
                    str(user.get("_password")),
                    cred.domain,
                )
            out[label] = cred
        return out

    # ---- keys ----------------------------------------------------------------------------------
    def set_keys(self, user: Entity, api_key: str, secret_key: str) -> None:
        old = user.get("apikey")
        if old:
            self._by_key.pop(old, None)
        user["apikey"] = api_key
        user["_secretkey"] = secret_key
        self._by_key[api_key] = user["id"]

    def new_keys(self, user: Entity) -> tuple[str, str]:
        """registerUserKeys: fresh random keys replace the old ones."""
        api_key = secrets.token_urlsafe(64)[:86]
        secret = secrets.token_urlsafe(64)[:86]
        self.set_keys(user, api_key, secret)
        return api_key, secret

    def user_by_key(self, api_key: str) -> Entity | None:
        uid = self._by_key.get(api_key)
        return self.store.get(USER, uid) if uid else None

    # ---- key pairs with rules (4.23) ------------------------------------------------------------
    def add_pair(self, pair: Entity, secret: str) -> None:
        self._by_key[str(pair["apikey"])] = str(pair["userid"])
        self._pairs[str(pair["apikey"])] = (str(pair["id"]), secret)

    def drop_pair(self, pair: Entity) -> None:
        self._by_key.pop(str(pair["apikey"]), None)
        self._pairs.pop(str(pair["apikey"]), None)

    def pair_by_key(self, api_key: str) -> Entity | None:
        """The named key pair an API key belongs to (None for a user's own keys)."""
        found = self._pairs.get(api_key)
        return self.store.get("ApiKeyPairResponse", found[0]) if found else None

    def secret_for(self, api_key: str) -> str | None:
        """The secret key that signs for `api_key`: a named pair's, else the user's own."""
        found = self._pairs.get(api_key)
        if found is not None:
            return found[1]
        user = self.user_by_key(api_key)
        return str(user["_secretkey"]) if user is not None and user.get("_secretkey") else None

    # ---- callers -------------------------------------------------------------------------------
    def caller(self, user: Entity) -> Caller | None:
        """The caller for a user, or None when the user or its account is disabled or gone."""
        account = self.store.get(ACCOUNT, str(user.get("accountid")))
        if account is None or str(user.get("state")).lower() != "enabled":
            return None
        if str(account.get("state")).lower() != "enabled":
            return None
        domain = self.store.get(DOMAIN, str(account["domainid"]))
        if domain is None:
            return None
        return Caller(user, account, domain)

    def authenticate(
        self, username: str, password: str, domain_path: str | None, domain_id: str | None
    ) -> Entity | None:
        if domain_id:
            domain = self.store.get(DOMAIN, domain_id)
        else:
            wanted = (domain_path or "/").strip("/")
            path = "ROOT" if not wanted or wanted.upper() == "ROOT" else "ROOT/" + wanted.removeprefix("ROOT/")
            domain = next((d for d in self.store.all(DOMAIN) if str(d["path"]).lower() == path.lower()), None)
        if domain is None:
            return None
        for user in self.store.all(USER):
            if user["username"] == username and user["domainid"] == domain["id"]:
                if secrets.compare_digest(str(user.get("_password", "")), password):
                    return user
                return None
        return None

    def open_session(self, user: Entity) -> tuple[str, Session]:
        jsession = secrets.token_hex(16).upper()
        key = base64.urlsafe_b64encode(secrets.token_bytes(20)).decode().rstrip("=")
        session = Session(user_id=str(user["id"]), session_key=key, verified_2fa=not user.get("is2faenabled"))
        self.sessions[jsession] = session
        return jsession, session
