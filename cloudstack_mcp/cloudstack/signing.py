"""Request signing exactly as CloudStack's `ApiServer.verifyRequest` checks it.

The server sorts the parameter names as received (Java String order: by UTF-16
code unit), encodes each value like `java.net.URLEncoder` with `+` turned into
`%20`, joins `name=value` with `&`, lower-cases the whole string and compares
base64(HMAC-SHA1(secret, string)). Unlike `urllib.parse.quote`, `~` is encoded
(`%7E`), which is where the `cs` library goes wrong.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

__all__ = ["encode_value", "expires_at", "sign", "string_to_sign"]


def encode_value(value: str) -> str:
    """`java.net.URLEncoder.encode(value, "UTF-8")` with `+` replaced by `%20`."""
    # quote() keeps exactly A-Z a-z 0-9 . - _ ~ (plus the "*" we add); Java encodes "~".
    return quote(value, safe="*").replace("~", "%7E")


def _java_sort_key(name: str) -> list[int]:
    # Java compares strings by UTF-16 code unit; Python by code point. They differ only
    # outside the BMP, but be exact.
    data = name.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def string_to_sign(params: Mapping[str, str]) -> str:
    """The exact string the server signs: every parameter but `signature`, sorted, encoded, lower-cased."""
    names = [n for n in params if n.lower() != "signature"]
    # Code point order is UTF-16 order inside the BMP; only other names need the exact key.
    names.sort(key=None if all(n.isascii() for n in names) else _java_sort_key)
    return "&".join(f"{n}={encode_value(str(params[n]))}" for n in names).lower()


def sign(params: Mapping[str, str], secret: str) -> str:
    """base64(HMAC-SHA1(secret, string_to_sign(params)))."""
    digest = hmac.new(secret.encode("utf-8"), string_to_sign(params).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def expires_at(seconds: float, now: datetime | None = None) -> str:
    """An `expires` value (`yyyy-MM-dd'T'HH:mm:ssZ`, UTC) `seconds` from now, for signature version 3."""
    moment = (now or datetime.now(timezone.utc)) + timedelta(seconds=seconds)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")
