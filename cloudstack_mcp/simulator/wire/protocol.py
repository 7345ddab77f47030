"""The wire protocol: parameters, authentication (signature v1/v3, login sessions), envelopes, errors.

`ApiProtocol.handle` turns one HTTP request into one HTTP response, without doing any I/O,
so the HTTP server stays a thin shell and faults can be decided here.
"""

from __future__ import annotations

import email.utils
import hmac
import json
import logging
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

from cloudstack_mcp.simulator.backend.accounts import Caller
from cloudstack_mcp.simulator.backend.answers import render
from cloudstack_mcp.simulator.backend.cloud import Cloud
from cloudstack_mcp.simulator.backend.domain.keypairs import pair_allows, pair_in_dates
from cloudstack_mcp.simulator.backend.errors import (
    ACCOUNT_ERROR,
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    UNAUTHORIZED,
    UNAUTHORIZED_2FA,
    UNSUPPORTED_ACTION,
    ApiError,
)
from cloudstack_mcp.simulator.backend.params import parse_date
from cloudstack_mcp.simulator.wire.faults import FaultSet
from cloudstack_mcp.simulator.wire.hardening import ENFORCE_KEY, expires_allowed, post_refusal
from cloudstack_mcp.simulator.wire.verify import signature_matches

__all__ = ["ApiProtocol", "HttpRequest", "HttpResponse", "RequestRecord"]

log = logging.getLogger("cloudstack_mcp.simulator")

API_PATHS = frozenset({"/client/api", "/client/api/"})
JSON_TYPE = "application/json; charset=UTF-8"
BAD_SIGNATURE = "unable to verify user credentials and/or request signature"
BAD_SESSION = "unable to verify user credentials"
UNVERIFIED_2FA = "two factor authentication pending"  # with 511, until the code is validated
TOTP_CODE = "123456"  # the one code the simulator's 2FA provider accepts
SESSION_TIMEOUT = 1800
MAX_RECORDS = 100_000
_HTML = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(slots=True)
class HttpRequest:
    method: str
    target: str  # path and query string as received
    headers: dict[str, str]  # lower-case names
    body: bytes = b""


@dataclass(slots=True)
class HttpResponse:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    drop: bool = False  # close the connection without answering


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the simulator received (for tests: what did the client really send?)."""

    command: str | None
    params: dict[str, str]
    method: str
    status: int
    time: float


def _params(req: HttpRequest) -> dict[str, str]:
    """Query and form parameters, first value of each name (as the servlet's parameter map gives)."""
    out: dict[str, str] = {}
    _, _, query = req.target.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True, errors="replace")
    if req.body and "application/x-www-form-urlencoded" in req.headers.get(
        "content-type", "application/x-www-form-urlencoded"
    ):
        pairs += parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True, errors="replace")
    for name, value in pairs:
        out.setdefault(name, value)
    return out


def _cookies(req: HttpRequest) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in req.headers.get("cookie", "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out.setdefault(name, value.strip('"'))
    return out


def _json(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


class ApiProtocol:
    """One management server's HTTP API in front of a Cloud."""

    def __init__(self, cloud: Cloud, faults: FaultSet) -> None:
        self.cloud = cloud
        self.faults = faults
        self.requests: list[RequestRecord] = []
        self.internal_errors: list[str] = []  # simulator bugs (answered as 530): tests assert this stays empty
        cloud.job_overrides.append(self._job_fault)
        # Seconds the simulated server's clock runs ahead of this machine's (negative: behind): its
        # Date header and its check of a signature's `expires` both read it, to simulate clock skew.
        self.clock_offset = 0.0

    def now(self) -> datetime:
        """The simulated server's time."""
        return datetime.now(timezone.utc) + timedelta(seconds=self.clock_offset)

    # ---- entry point ----------------------------------------------------------------------------
    def handle(self, req: HttpRequest) -> HttpResponse:
        path = req.target.partition("?")[0]
        if path not in API_PATHS:
            return self._dated(self._html(404, extra="The API is served at /client/api"))
        params = _params(req)
        command = params.get("command")
        delay, fault = self.faults.for_request(command or "")
        if fault is not None and fault.kind != "error":
            response = self._fault_response(fault, req, params, command)
        else:
            response = self._respond(req, params, command, fault)
        response.delay += delay
        self._dated(response)
        self.requests.append(
            RequestRecord(command, params, req.method, 0 if response.drop else response.status, time.time())
        )
        return response

    def _dated(self, response: HttpResponse) -> HttpResponse:
        """Every answer carries the server's time, as a real one does (clients measure clock skew by it)."""
        response.headers.append(("Date", email.utils.format_datetime(self.now(), usegmt=True)))
        return response

    # ---- faults ---------------------------------------------------------------------------------
    def _job_fault(self, api: str) -> tuple[float | None, ApiError | None] | None:
        rule = self.faults.for_job(api)
        if rule is None:
            return None
        if rule.kind == "job_slow":
            return rule.seconds, None
        text = rule.text or f"Job failed: simulated failure of {api}"
        return self.cloud.job_seconds, ApiError(int(rule.code or INTERNAL_ERROR), text, cserrorcode=4250)

    def _fault_response(
        self, fault: Any, req: HttpRequest, params: dict[str, str], command: str | None
    ) -> HttpResponse:
        if fault.kind == "drop":
            return HttpResponse(0, drop=True)
        if fault.kind == "html":
            return self._html(int(fault.code or 502))
        if fault.kind == "status":
            return HttpResponse(int(fault.code or 503), b"", [("Retry-After", "1")] if fault.code in (429, 503) else [])
        # malformed: the real answer, cut short
        real = self._respond(req, params, command, None)
        real.body = real.body[: max(1, len(real.body) // 2)]
        return real

    def _html(self, status: int, extra: str = "") -> HttpResponse:
        reason = REASONS.get(status, "Error")
        body = _HTML.format(code=status, reason=reason)
        if extra:
            body = body.replace("<hr>", f"<p>{extra}</p><hr>")
        return HttpResponse(status, body.encode(), [("Content-Type", "text/html")])

    # ---- the API --------------------------------------------------------------------------------
    def _error(self, error: ApiError, envelope: str, caller: Caller | None = None) -> HttpResponse:
        error = self.cloud.answer_error_for(caller, error)
        headers = [("Content-Type", JSON_TYPE)]
        if error.cserrorcode is not None:
            headers.append(("X-Description", error.text.encode("ascii", "replace").decode()))
        return HttpResponse(error.code, _json({error.envelope or envelope: error.body()}), headers)

    def _respond(self, req: HttpRequest, params: dict[str, str], command: str | None, fault: Any) -> HttpResponse:
        if str(params.get("response", "")).lower() != "json":
            text = "This simulator answers JSON only: add response=json to the request"
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><errorresponse cloud-stack-version="4.20.0.0">'
                f"<errorcode>400</errorcode><errortext>{text}</errortext></errorresponse>"
            )
            return HttpResponse(400, body.encode(), [("Content-Type", "text/xml; charset=UTF-8")])
        if not command:
            return self._error(ApiError(400, "no command specified", cserrorcode=None), "errorresponse")
        info = self.cloud.index.find(command)
        envelope = info.envelope if info else command.lower() + "response"
        if command.lower() == "login":
            return self._login(req, params)
        if command.lower() == "logout":
            return self._logout(req)
        hardened = self.cloud.setting(ENFORCE_KEY) == "true"
        refusal = post_refusal(command, req.method) if hardened else None
        if refusal is not None:
            return self._error(refusal, envelope if info else "errorresponse")
        caller, session_error = self._authenticate(req, params)
        if caller is None:
            code = UNAUTHORIZED_2FA if session_error == UNVERIFIED_2FA else UNAUTHORIZED
            return self._error(ApiError(code, session_error, cserrorcode=None), envelope if info else "errorresponse")
        pair = self.cloud.accounts.pair_by_key(str(params.get("apiKey") or params.get("apikey") or ""))
        if info is not None and pair is not None and not pair_allows(pair, info.spec.name):
            text = f"The given command '{info.spec.name}' either does not exist, is not available for user."
            return self._error(ApiError(UNAUTHORIZED, text, cserrorcode=None), envelope)
        if info is None or caller.role not in info.roles:
            text = f"The given command:{command} does not exist or it is not available for user"
            return self._error(ApiError(UNSUPPORTED_ACTION, text, envelope="errorresponse"), "errorresponse")
        if fault is not None:  # kind "error"
            text = fault.text or f"Simulated failure of {info.spec.name}"
            return self._error(ApiError(int(fault.code), text), envelope, caller)
        try:
            answer = self.cloud.call(info, params, caller)
            body = {envelope: render(answer)}
        except ApiError as exc:
            return self._error(exc, envelope, caller)
        except Exception as exc:  # a bug of ours: answer like the server would, and keep it for the tests
            log.exception("simulator failure in %s", command)
            self.internal_errors.append(f"{command}: {exc!r}\n{traceback.format_exc()}")
            return self._error(
                ApiError(INTERNAL_ERROR, f"Internal error executing command {command}: {exc}"), envelope, caller
            )
        return HttpResponse(200, _json(body), [("Content-Type", JSON_TYPE)])

    # ---- authentication -------------------------------------------------------------------------
    def _authenticate(self, req: HttpRequest, params: dict[str, str]) -> tuple[Caller | None, str]:
        cookies = _cookies(req)
        jsession = cookies.get("JSESSIONID")
        session = self.cloud.accounts.sessions.get(jsession) if jsession else None
        if session is not None:
            key_param, key_cookie = params.get("sessionkey"), cookies.get("sessionkey")
            if (
                not key_param
                or not key_cookie
                or key_param != key_cookie
                or not hmac.compare_digest(key_param, session.session_key)
            ):
                self.cloud.accounts.sessions.pop(jsession or "", None)
                return None, BAD_SESSION
            user = self.cloud.store.get("UserResponse", session.user_id)
            caller = self.cloud.accounts.caller(user) if user else None
            if caller is not None and not session.verified_2fa:
                command = str(params.get("command", "")).lower()
                if command == "validateusertwofactorauthenticationcode" and params.get("codefor2fa") == TOTP_CODE:
                    session.verified_2fa = True
                elif command != "listcapabilities":
                    return None, UNVERIFIED_2FA
            return caller, BAD_SESSION
        return self._verify_signature(params, hardened=self.cloud.setting(ENFORCE_KEY) == "true"), BAD_SIGNATURE

    def _verify_signature(self, params: dict[str, str], *, hardened: bool = False) -> Caller | None:
        api_key = signature = version = expires = None
        for name, value in params.items():
            lowered = name.lower()
            if lowered == "signature":
                signature = value
            elif lowered == "apikey":
                api_key = value
            elif lowered == "signatureversion":
                version = value
            elif lowered == "expires":
                expires = value
        if not api_key or not signature:
            return None
        moment = parse_date(expires or "", need_zone=True) if version == "3" else None
        if version == "3" and (moment is None or moment < self.now()):
            return None
        if hardened and not expires_allowed(version, moment, now=self.now()):
            return None
        user = self.cloud.accounts.user_by_key(api_key)
        secret = self.cloud.accounts.secret_for(api_key)
        if user is None or not secret:
            return None
        caller = self.cloud.accounts.caller(user)
        if caller is None:
            return None
        pair = self.cloud.accounts.pair_by_key(api_key)
        if pair is not None and not pair_in_dates(pair):  # keyPair.validateDate(): refused like a bad signature
            return None
        return caller if signature_matches(params, secret, signature) else None

    def _login(self, req: HttpRequest, params: dict[str, str]) -> HttpResponse:
        if req.method != "POST":
            return self._error(
                ApiError(METHOD_NOT_ALLOWED, "Please use HTTP POST to authenticate using this API"), "loginresponse"
            )
        lowered = {k.lower(): v for k, v in params.items()}
        user = self.cloud.accounts.authenticate(
            lowered.get("username", ""), lowered.get("password", ""), lowered.get("domain"), lowered.get("domainid")
        )
        caller = self.cloud.accounts.caller(user) if user else None
        if user is None or caller is None:
            text = "failed to authenticate user, check if username/password are correct"
            return self._error(ApiError(ACCOUNT_ERROR, text, cserrorcode=4290), "loginresponse")
        jsession, session = self.cloud.accounts.open_session(user)
        body = {
            "loginresponse": {
                "username": user["username"],
                "userid": user["id"],
                "domainid": caller.domain["id"],
                "timeout": SESSION_TIMEOUT,
                "account": caller.account["name"],
                "firstname": user["firstname"],
                "lastname": user["lastname"],
                "type": str(caller.account["accounttype"]),
                "timezone": "UTC",
                "timezoneoffset": "0.0",
                "registered": "false",
                "sessionkey": session.session_key,
                "is2faenabled": str(bool(user.get("is2faenabled"))).lower(),
                "is2faverified": str(session.verified_2fa).lower(),
                "issuerfor2fa": "cloudstack",
            }
        }
        if user.get("is2faenabled"):
            body["loginresponse"]["providerfor2fa"] = user.get("_2faprovider", "totp")
        if user.get("_passwordchangerequired"):
            body["loginresponse"]["passwordchangerequired"] = True
        headers = [
            ("Content-Type", JSON_TYPE),
            ("Set-Cookie", f"JSESSIONID={jsession}; Path=/client; HttpOnly"),
            ("Set-Cookie", f"sessionkey={session.session_key}; Path=/client; HttpOnly; SameSite=Lax"),
        ]
        return HttpResponse(200, _json(body), headers)

    def _logout(self, req: HttpRequest) -> HttpResponse:
        jsession = _cookies(req).get("JSESSIONID")
        if jsession:
            self.cloud.accounts.sessions.pop(jsession, None)
        headers = [
            ("Content-Type", JSON_TYPE),
            ("Set-Cookie", "JSESSIONID=; Path=/client; Max-Age=0; HttpOnly"),
            ("Set-Cookie", "sessionkey=; Path=/client; Max-Age=0; HttpOnly"),
        ]
        return HttpResponse(200, _json({"logoutresponse": {"description": "success"}}), headers)
