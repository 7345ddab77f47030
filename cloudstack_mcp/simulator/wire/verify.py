"""The server side of request signing, written from PROTOCOL.md section 2 (`ApiServer.verifyRequest`).

Deliberately separate from the client's signer (cloudstack_mcp/cloudstack/signing.py): the simulator
checks signatures the way the management server does, so a bug in our signer shows up as a 401
instead of being cancelled out by the same code on both sides. The shared signature vectors test
both (tests/test_signing.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

__all__ = ["expected_signature", "signature_matches", "string_to_sign"]

# What java.net.URLEncoder leaves literal (UTF-8): letters, digits and . - * _
_LITERAL = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*_")


def _java_url_encode(value: str) -> str:
    """URLEncoder.encode(value, "UTF-8") with every '+' then turned into %20 (what the server does)."""
    out = []
    for byte in value.encode("utf-8"):
        if byte in _LITERAL:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("%20")  # the encoder writes '+', the server replaces it
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def _java_order(name: str) -> list[int]:
    """Java's natural String order: by UTF-16 code unit, case-sensitive."""
    data = name.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def string_to_sign(params: Mapping[str, str]) -> str:
    """Every parameter but `signature` (any case), names as received sorted Java's way, values encoded,
    joined with '&', the whole string lower-cased."""
    names = sorted((n for n in params if n.lower() != "signature"), key=_java_order)
    return "&".join(f"{n}={_java_url_encode(params[n])}" for n in names).lower()


def expected_signature(params: Mapping[str, str], secret: str) -> str:
    """Base64 (standard, padded) of HMAC-SHA1(secret, string_to_sign(params))."""
    digest = hmac.new(secret.encode("utf-8"), string_to_sign(params).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(params: Mapping[str, str], secret: str, signature: str) -> bool:
    """Compared in constant time with the (already URL-decoded) `signature` parameter."""
    return hmac.compare_digest(expected_signature(params, secret).encode(), signature.encode())
