"""One exception tree for the whole package, and what CloudStack's error codes mean.

    CloudStackMcpError
    +-- ConfigError        settings that cannot work
    +-- CatalogError       a listApis document that cannot be read as a catalog (also a ValueError)
    +-- SearchError        a search that cannot run as asked (also a ValueError)
    +-- ArgumentError      tool arguments that do not fit the API's schema
    +-- ApiError           CloudStack's own error answer, or a failed async job
    +-- TransportError     no CloudStack JSON answer; how far the request got, as a class:
        +-- ConnectFailed      no connection: nothing was sent
        +-- AnswerTimeout      sent, no answer in time
        +-- ConnectionDropped  sent, the connection closed before the answer
        +-- AnswerTruncated    JSON cut short
        +-- NotAnAnswer        any other answer that is not CloudStack JSON (an HTML page, a 502, ...)

Nothing here reaches the model as an exception: the pipeline turns every
`CloudStackMcpError` into an `isError` tool result carrying `str(error)`.
"""

from __future__ import annotations

__all__ = [
    "ERROR_MEANINGS",
    "ApiError",
    "AnswerTimeout",
    "AnswerTruncated",
    "ArgumentError",
    "CatalogError",
    "CloudStackMcpError",
    "ConfigError",
    "ConnectFailed",
    "ConnectionDropped",
    "NotAnAnswer",
    "SearchError",
    "TransportError",
    "error_meaning",
]

# ApiErrorCode of CloudStack 4.20 (plus 400/503 added in 4.21), in our own words.
ERROR_MEANINGS: dict[int, str] = {
    400: "bad request",
    401: "unauthorized: the API key/secret, signature, expiry or session was not accepted",
    405: "method not allowed (e.g. login must be sent with POST)",
    429: "API rate limit exceeded: wait and retry",
    430: "malformed parameter: a map or list parameter could not be decoded",
    431: "parameter error: a parameter is missing, has the wrong type or names an unknown id",
    432: "unsupported action: the API does not exist or your role may not call it",
    503: "service unavailable",
    511: "two-factor authentication required for this session",
    530: "internal error on the CloudStack server",
    531: "account error: permission denied or bad credentials",
    532: "account resource limit exceeded",
    533: "insufficient capacity",
    534: "resource unavailable",
    535: "resource allocation error",
    536: "resource in use",
    537: "network rule conflict",
}


def error_meaning(code: int) -> str:
    """A short meaning for a CloudStack error code (or a generic one for codes not in the table)."""
    return ERROR_MEANINGS.get(code, "HTTP error" if 400 <= code < 600 else "unknown error code")


class CloudStackMcpError(Exception):
    """Base of every error this package raises on purpose; its text is meant for the user or model."""


class ConfigError(CloudStackMcpError):
    """Settings that cannot work: names the file or variable and how to fix it."""


class CatalogError(CloudStackMcpError, ValueError):
    """A listApis document that cannot be read as a catalog."""


class SearchError(CloudStackMcpError, ValueError):
    """A search that cannot run as asked (empty query, unknown category)."""


class ArgumentError(CloudStackMcpError):
    """Tool arguments that do not fit the API's schema; `problems` lists one line per bad field."""

    def __init__(self, api: str, problems: list[str]):
        self.api = api
        self.problems = problems
        lines = "\n".join(f"- {p}" for p in problems)
        super().__init__(f"invalid arguments for {api} (nothing was sent):\n{lines}")


class ApiError(CloudStackMcpError):
    """An error answer from CloudStack (errorcode/errortext), or a failed async job."""

    def __init__(
        self,
        code: int,
        text: str,
        *,
        api: str | None = None,
        cserrorcode: int | None = None,
        uuids: list[str] | None = None,
        jobid: str | None = None,
    ):
        self.code = code
        self.text = text
        self.api = api
        self.cserrorcode = cserrorcode
        self.uuids = uuids or []
        self.jobid = jobid
        where = f"{api} failed" if api else "CloudStack error"
        job = f" (job {jobid})" if jobid else ""
        super().__init__(f"{where}{job}: error {code} ({error_meaning(code)}): {text}")

    @property
    def meaning(self) -> str:
        return error_meaning(self.code)


class TransportError(CloudStackMcpError):
    """CloudStack could not be reached, or answered something that is not a CloudStack JSON answer.

    The subclass says how far the request got (retry.py decides from it what may be sent again);
    `kind` names it in one word ("connect", "timeout", "dropped", "truncated", "answer"), and
    `TransportError(..., kind=k)` makes the subclass of that kind. `status` is the HTTP status of
    an answer, when one came.
    """

    kind = "answer"

    def __new__(cls, message: str = "", *, kind: str | None = None, **_: object) -> TransportError:
        if cls is TransportError and kind is not None:
            cls = _BY_KIND.get(kind, TransportError)
        return super().__new__(cls, message)

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        status: int | None = None,
        kind: str | None = None,
        retry_after: float | None = None,
    ):
        self.endpoint = endpoint
        self.status = status
        if kind is not None and kind != type(self).kind:
            self.kind = kind  # a kind without a class of its own
        self.retry_after = retry_after  # seconds, from a Retry-After header
        super().__init__(message)


class ConnectFailed(TransportError):
    """No connection could be made: the request provably never left this machine."""

    kind = "connect"


class AnswerTimeout(TransportError):
    """The request went out and no answer came in time: it may or may not have run."""

    kind = "timeout"


class ConnectionDropped(TransportError):
    """The connection closed before the answer came back: the request may or may not have run."""

    kind = "dropped"


class AnswerTruncated(TransportError):
    """The answer was JSON cut short."""

    kind = "truncated"


class NotAnAnswer(TransportError):
    """An answer that is not CloudStack JSON (an HTML page, a proxy's 502, JSON of another shape)."""

    kind = "answer"


_BY_KIND: dict[str, type[TransportError]] = {
    c.kind: c for c in (ConnectFailed, AnswerTimeout, ConnectionDropped, AnswerTruncated, NotAnAnswer)
}
