"""Who is calling over HTTP: static bearer tokens and OAuth 2.1 JWT access tokens, as SDK TokenVerifiers.

Both verifiers answer the SDK's `AccessToken` (its bearer middleware does the 401 and the required
read scope); what we add:

- `StaticTokens`: a JSON file of `{"name", "sha256", "rights"}` entries. Only the SHA-256 of a token is
  stored; a presented token is hashed and compared with every entry in constant time.
- `JwtVerifier`: signature against the issuer's JWKS (fetched from its metadata, cached, fetched again
  for an unknown key id so rotation needs no restart), `iss`, `exp`/`nbf`, and the audience (RFC 8707:
  the token must name this resource). Scopes (`scope` or `scp`) map to rights: read, change.

Neither keeps the token: `AccessToken.token` holds a short fingerprint, so nothing downstream (logs,
CloudStack requests, audit) can pass the bearer token on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
import jwt
from mcp.server.auth.provider import AccessToken, TokenVerifier

from cloudstack_mcp.config_http import HttpSettings
from cloudstack_mcp.errors import ConfigError

__all__ = [
    "CHANGE",
    "READ",
    "JwtVerifier",
    "Principal",
    "StaticTokens",
    "hash_token",
    "new_token",
    "principal_of",
]

log = logging.getLogger(__name__)

READ, CHANGE = "read", "change"
_ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
_JWKS_TTL = 300.0  # seconds a fetched key set is trusted before it is fetched again
_JWKS_MIN_REFETCH = 30.0  # an unknown key id refetches at most this often (a flood of bad kids costs nothing)
_LEEWAY = 30  # seconds of clock skew accepted on exp/nbf/iat


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a name (mapped to a CloudStack user) and its rights."""

    name: str
    rights: frozenset[str]
    via: str  # "token", "oauth" or "loopback"

    @property
    def can_change(self) -> bool:
        return CHANGE in self.rights


LOCAL = Principal("local", frozenset({READ, CHANGE}), "loopback")


def principal_of(token: AccessToken | None) -> Principal:
    """The principal behind a verified token (our verifiers put it in the claims); none: the loopback user."""
    if token is None:
        return LOCAL
    claims = token.claims or {}
    return Principal(
        str(claims.get("principal") or token.client_id),
        frozenset(claims.get("rights") or ()),
        str(claims.get("via", "")),
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh bearer token (256 bits, URL-safe)."""
    return "csm_" + secrets.token_urlsafe(32)


def _fingerprint(token: str) -> str:
    return "sha256:" + hash_token(token)[:12]


def _scopes_for(rights: Iterable[str], http: HttpSettings) -> list[str]:
    out = [http.read_scope] if rights else []
    if CHANGE in rights:
        out.append(http.change_scope)
    return out


class StaticTokens(TokenVerifier):
    """Bearer tokens from a file: `{"tokens": [{"name": "alice", "sha256": "<hex>", "rights": ["read", "change"]}]}`."""

    def __init__(self, path: Path, http: HttpSettings):
        self.path = path
        self.http = http
        self.entries = self._load(path)

    @staticmethod
    def _load(path: Path) -> list[tuple[bytes, str, frozenset[str]]]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"--auth-tokens {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise ConfigError(f"--auth-tokens {path} is not JSON: {exc}") from None
        rows = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not rows:
            raise ConfigError(f'--auth-tokens {path}: expected {{"tokens": [{{"name", "sha256", "rights"}}, ...]}}')
        entries, names = [], set()
        for i, row in enumerate(rows):
            digest = str(row.get("sha256", "")).lower() if isinstance(row, dict) else ""
            name = str(row.get("name", "")).strip() if isinstance(row, dict) else ""
            rights = frozenset(row.get("rights") or [READ]) if isinstance(row, dict) else frozenset()
            if len(digest) != 64 or not name or not rights <= {READ, CHANGE}:
                raise ConfigError(
                    f"--auth-tokens {path}: entry {i} needs a name, the token's sha256 (64 hex digits) and rights "
                    f"from read, change (make one with `cloudstack-mcp token NAME`)"
                )
            if name in names:
                raise ConfigError(f"--auth-tokens {path}: the name {name!r} is used twice")
            names.add(name)
            entries.append((bytes.fromhex(digest), name, rights))
        return entries

    async def verify_token(self, token: str) -> AccessToken | None:
        presented = hashlib.sha256(token.encode("utf-8")).digest()
        found: tuple[str, frozenset[str]] | None = None
        for digest, name, rights in self.entries:  # every entry compared: the time says nothing about which matched
            if hmac.compare_digest(digest, presented):
                found = (name, rights)
        if found is None:
            return None
        name, rights = found
        return AccessToken(
            token=_fingerprint(token),
            client_id=name,
            scopes=_scopes_for(rights, self.http),
            subject=name,
            resource=self.http.resource_url,
            claims={"iss": "cloudstack-mcp:tokens", "principal": name, "rights": sorted(rights), "via": "token"},
        )


class JwtVerifier(TokenVerifier):
    """JWT access tokens of one OAuth 2.1 / OIDC issuer, checked against its published keys."""

    def __init__(self, http: HttpSettings, *, client: httpx2.AsyncClient | None = None):
        assert http.oauth_issuer is not None
        self.http = http
        self.issuer = http.oauth_issuer
        self.audience = http.oauth_audience or http.resource_url
        self.jwks_url = http.oauth_jwks_url
        self._client = client
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched = 0.0
        self._lock = anyio.Lock()
        self.fetches = 0  # JWKS downloads so far (tests and metrics)

    async def _get(self, url: str) -> Any:
        client = self._client or httpx2.AsyncClient(timeout=10.0)
        try:
            response = await client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            return response.json()
        finally:
            if self._client is None:
                await client.aclose()

    async def _discover_jwks_url(self) -> str:
        base = self.issuer.rstrip("/")
        split = base.split("/", 3)
        path = "/" + split[3] if len(split) > 3 else ""
        origin = "/".join(split[:3])
        for url in (
            f"{base}/.well-known/openid-configuration",
            f"{origin}/.well-known/oauth-authorization-server{path}",
        ):
            try:
                meta = await self._get(url)
            except (httpx2.HTTPError, ValueError):
                continue
            if isinstance(meta, dict) and meta.get("jwks_uri"):
                if str(meta.get("issuer", "")).rstrip("/") != base:
                    raise ValueError(
                        f"issuer metadata at {url} names issuer {meta.get('issuer')!r}, not {self.issuer!r}"
                    )
                return str(meta["jwks_uri"])
        raise ValueError(f"no authorization server metadata with a jwks_uri under {self.issuer}")

    async def refresh(self) -> None:
        """Fetch the key set (again); keys without a usable `kid`/type are skipped."""
        if self.jwks_url is None:
            self.jwks_url = await self._discover_jwks_url()
        data = await self._get(self.jwks_url)
        keys: dict[str, jwt.PyJWK] = {}
        for entry in data.get("keys", []) if isinstance(data, dict) else []:
            if entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(entry)
            except (jwt.PyJWKError, jwt.InvalidKeyError):
                continue
            keys[str(entry.get("kid", ""))] = key
        self._keys = keys
        self._fetched = time.monotonic()
        self.fetches += 1

    async def _key(self, kid: str) -> jwt.PyJWK | None:
        async with self._lock:
            age = time.monotonic() - self._fetched
            stale = not self._fetched or age > _JWKS_TTL
            if stale or (kid not in self._keys and age > _JWKS_MIN_REFETCH):
                try:
                    await self.refresh()
                except (httpx2.HTTPError, ValueError) as exc:
                    log.warning("cannot fetch the issuer's keys (%s); using the %d cached", exc, len(self._keys))
            return self._keys.get(kid)

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            return None
        alg = header.get("alg")
        if alg not in _ASYMMETRIC:  # never "none", never HMAC with a public key as the secret
            return None
        key = await self._key(str(header.get("kid", "")))
        if key is None:
            return None
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=_LEEWAY,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.InvalidTokenError as exc:
            log.info("JWT refused: %s", type(exc).__name__)
            return None
        return self._access(token, claims)

    def _access(self, token: str, claims: dict[str, Any]) -> AccessToken | None:
        raw = claims.get("scope", claims.get("scp", ""))
        scopes = raw.split() if isinstance(raw, str) else [str(s) for s in raw or []]
        rights = set()
        if self.http.read_scope in scopes:
            rights.add(READ)
        if self.http.change_scope in scopes:
            rights.update((READ, CHANGE))
        name = claims.get(self.http.oauth_principal_claim)
        if not isinstance(name, str) or not name:
            log.info("JWT refused: no %r claim to name the principal", self.http.oauth_principal_claim)
            return None
        return AccessToken(
            token=_fingerprint(token),
            client_id=str(claims.get("azp") or claims.get("client_id") or name),
            scopes=_scopes_for(rights, self.http) if rights else scopes,
            expires_at=int(claims["exp"]),
            subject=str(claims.get("sub") or name),
            resource=self.audience,
            claims={"iss": claims["iss"], "principal": name, "rights": sorted(rights), "via": "oauth"},
        )
