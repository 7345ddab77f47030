"""CloudStack error codes and the exception the simulator's layers raise to answer with one."""

from __future__ import annotations

__all__ = [
    "ACCOUNT_ERROR",
    "INSUFFICIENT_CAPACITY",
    "INTERNAL_ERROR",
    "MALFORMED_PARAMETER",
    "METHOD_NOT_ALLOWED",
    "NETWORK_RULE_CONFLICT",
    "PARAM_ERROR",
    "RESOURCE_IN_USE",
    "RESOURCE_UNAVAILABLE",
    "UNAUTHORIZED",
    "UNAUTHORIZED_2FA",
    "UNSUPPORTED_ACTION",
    "ApiError",
]

UNAUTHORIZED = 401
UNAUTHORIZED_2FA = 511
METHOD_NOT_ALLOWED = 405
MALFORMED_PARAMETER = 430
PARAM_ERROR = 431
UNSUPPORTED_ACTION = 432
INTERNAL_ERROR = 530
ACCOUNT_ERROR = 531
ACCOUNT_RESOURCE_LIMIT = 532
INSUFFICIENT_CAPACITY = 533
RESOURCE_UNAVAILABLE = 534
RESOURCE_ALLOCATION = 535
RESOURCE_IN_USE = 536
NETWORK_RULE_CONFLICT = 537

# Java exception class numbers (CSExceptionErrorCode) for the classes the simulator "throws".
CS_SERVER_API = 9999
CS_CLOUD_RUNTIME = 4250
CS_INVALID_PARAMETER = 4350
CS_PERMISSION_DENIED = 4365


class ApiError(Exception):
    """An answer with `errorcode`/`errortext`: raised anywhere, turned into the wire error by the protocol layer.

    `cserrorcode` None means the error is built from a bare status (401s, 400 "no command"),
    which the real server sends without a `cserrorcode`.
    """

    def __init__(
        self,
        code: int,
        text: str,
        *,
        cserrorcode: int | None = CS_SERVER_API,
        uuids: list[dict[str, str]] | None = None,
        envelope: str | None = None,
    ) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.cserrorcode = cserrorcode
        self.uuids = uuids or []
        self.envelope = envelope  # force a response name (e.g. "errorresponse"); None = the command's

    def body(self) -> dict[str, object]:
        out: dict[str, object] = {"uuidList": self.uuids, "errorcode": self.code}
        if self.cserrorcode is not None:
            out["cserrorcode"] = self.cserrorcode
        out["errortext"] = self.text
        return out


def param_error(text: str) -> ApiError:
    """A 431 as `InvalidParameterValueException` gives it."""
    return ApiError(PARAM_ERROR, text)


def internal_error(text: str) -> ApiError:
    return ApiError(INTERNAL_ERROR, text)
