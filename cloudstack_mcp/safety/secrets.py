"""Secret masking: parameters and answer fields that carry secrets never leave in clear.

Three layers:

- by name: `is_secret_name` knows the parameter and field names that hold passwords, API and
  secret keys, S3/Swift keys, private keys, session keys and tokens; `mask_params` (flat request
  parameters, including `details[0].key=secretkey` map entries) and `mask_value` (nested arguments
  and answers) replace their values by `MASK`; credentials inside URLs are masked too;
- by value: a `SecretScrubber` remembers every secret value it has seen (in arguments, answers,
  settings) and replaces it in any free text: error texts, log lines, audit records;
- logs: `install_log_scrubbing` makes every log record pass through a scrubber.

APIs whose purpose is to hand a new secret to the user (`registerUserKeys`, `createSSHKeyPair`,
...) are listed in `REVEALING_APIS`: the caller shows such an answer once, and masks it everywhere
else.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from cloudstack_mcp.catalog.model import ApiSpec

__all__ = [
    "MASK",
    "REVEALING_APIS",
    "ScrubbingFilter",
    "SecretScrubber",
    "default_scrubber",
    "install_log_scrubbing",
    "is_secret_setting",
    "is_secret_name",
    "mask_params",
    "mask_text",
    "mask_value",
    "reveals_secrets",
    "secret_values",
]

MASK = "********"

# Normalised names (lower case, only letters and digits) that hold a secret.
_SECRET = re.compile(
    r"password|passwd|passphrase|secret|apikey|privatekey|accesskey|sessionkey|presharedkey|"
    r"token|credential|signature|bindpass|truststorepass|keystorepass|jsessionid|authorization|"
    r"cookie|^pass$|^psk$|^pwd$|sslkey|^ipsecpsk$"
)
# Every secret name above holds one of these (lower case, before separators are dropped: "api_key" holds
# "key" too).
_NAME_HINTS = ("pass", "secret", "key", "token", "credential", "signature", "jsession", "authoriz", "cookie", "psk",
               "pwd")  # fmt: skip
_NAME_HINT = re.compile("|".join(_NAME_HINTS), re.I)
# ... unless they only describe one (a flag, a length, a policy) or merely contain the letters.
_NOT_SECRET = re.compile(
    r"(enabled|required|policy|length|type|changed|reset|provider|version|method|expir\w*|bypass\w*|passive\w*)$"
)
# Names that are secret only for some APIs: Swift's `key`, the private `key` of an SSL certificate answer.
_API_SECRET_NAMES: dict[str, frozenset[str]] = {
    "addswift": frozenset({"key"}),
    "addimagestore": frozenset({"key"}),  # Swift through addImageStore: details[i].key=key
    "updatecloudtouseobjectstore": frozenset({"key"}),
    "getloadbalancersslcertificate": frozenset({"key"}),
}
# The answer of these APIs is a new secret the user asked for: show it to the user once.
REVEALING_APIS = frozenset(
    {
        "registerUserKeys",
        "getUserKeys",
        "createSSHKeyPair",
        "getVMPassword",
        "issueCertificate",
        "getKubernetesClusterConfig",
        "deployVirtualMachine",
        "deployVnfAppliance",
        "resetPasswordForVirtualMachine",
        "resetSSHKeyForVirtualMachine",
        "restoreVirtualMachine",
        "createUser",
        "createAccount",
        "setupUserTwoFactorAuthentication",
        "createBucket",
        "createRemoteAccessVpn",
    }
)
_MIN_SECRET_LEN = 4  # shorter values ("1", "true") are not worth hunting in free text
_URL_USERINFO = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^/\s:@?#]+:)(?P<secret>[^@\s/?#]+)(?P<tail>@)", re.I)
_URL_QUERY = re.compile(r"(?P<head>[?&;](?P<name>[a-z0-9_.\-]+)=)(?P<value>[^&;#\s\"']+)", re.I)
_FLAT_ENTRY = re.compile(r"^(?P<prefix>[^\[\]]+\[\d+\])\.(?P<field>.+)$")
_PAIR_NAME_FIELDS = ("key", "name")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def is_secret_name(name: str, api: ApiSpec | str | None = None) -> bool:
    """True when a parameter or field called `name` carries a secret (for `api`, when given)."""
    api_name = api.name if isinstance(api, ApiSpec) else api
    return _secret_name(name, api_name.lower() if api_name else None)


@functools.lru_cache(maxsize=8192)
def _secret_name(name: str, api_name: str | None) -> bool:
    # Most names hold none of the letters a secret name needs: decided by one C-speed search (a 20,000-key
    # map has 20,000 names no cache holds).
    if _NAME_HINT.search(name) is None and not (api_name and api_name in _API_SECRET_NAMES):
        return False
    norm = _norm(name)
    if not norm:
        return False
    if api_name and norm in _API_SECRET_NAMES.get(api_name, ()):
        return True
    return bool(_SECRET.search(norm)) and not _NOT_SECRET.search(norm)


# Configuration settings that hold a secret: CloudStack's own categories for them, or a name whose last
# part says so (`security.singlesignon.key`, `ldap.bind.password`, `ssl.keystore`).
_SECRET_CATEGORIES = frozenset({"hidden", "secure"})
_SECRET_SETTING = re.compile(r"(?:^|[._-])(?:key|password|passwd|secret|token|passphrase|keystore|pass|psk)$", re.I)


def is_secret_setting(name: Any, category: Any = None) -> bool:
    """True for a configuration setting whose value is a secret (by CloudStack category, or by name)."""
    if isinstance(category, str) and category.strip().lower() in _SECRET_CATEGORIES:
        return True
    return isinstance(name, str) and "." in name and (bool(_SECRET_SETTING.search(name)) or is_secret_name(name))


def mask_text(text: str, _found: list[str] | None = None) -> str:
    """Mask credentials inside a URL-like string: `s3://user:pw@host`, `?password=pw`."""
    if "://" not in text and "=" not in text:
        return text

    def userinfo(m: re.Match[str]) -> str:
        if _found is not None:
            _found.append(m.group("secret"))
        return m.group("head") + MASK + m.group("tail")

    def query(m: re.Match[str]) -> str:
        if not is_secret_name(m.group("name")) or m.group("value") == MASK:
            return m.group(0)
        if _found is not None:
            _found.append(m.group("value"))
        return m.group("head") + MASK

    if "://" in text:
        text = _URL_USERINFO.sub(userinfo, text)
    return _URL_QUERY.sub(query, text) if "=" in text else text


def _is_pair(entry: Mapping[Any, Any]) -> bool:
    """A key/value map entry: {"key": "secretkey", "value": ...} (or "name" for "key")."""
    return "value" in entry and any(f in entry for f in _PAIR_NAME_FIELDS)


def _pair_secret(entry: Mapping[Any, Any], api: ApiSpec | str | None) -> bool:
    """A key/value map entry whose key names a secret, or a configuration setting that holds one."""
    if not _is_pair(entry):
        return False
    if any(isinstance(entry.get(f), str) and is_secret_name(entry[f], api) for f in _PAIR_NAME_FIELDS):
        return True
    return is_secret_setting(entry.get("name"), entry.get("category"))


def _hidden_field(name: str, entry: Mapping[Any, Any], api: ApiSpec | str | None) -> bool:
    """Whether field `name` of a mapping holds a secret (the "key" of a key/value entry names, never hides)."""
    low = name.lower()
    if (low in _PAIR_NAME_FIELDS or low == "value") and _is_pair(entry):
        return low == "value" and _pair_secret(entry, api)
    return is_secret_name(name, api)


def mask_value(value: Any, api: ApiSpec | str | None = None, _found: list[str] | None = None) -> Any:
    """Recursively mask secret-named keys inside dicts/lists (answers, nested arguments)."""
    api_name = api.name if isinstance(api, ApiSpec) else api
    return _mask(value, api_name.lower() if api_name else None, _found)


_NAME_CACHE: dict[tuple[str, str | None], bool] = {}


def _mask(value: Any, api: str | None, found: list[str] | None) -> Any:
    # The hot path of every answer: plain type checks first, one cached name lookup per key.
    kind = type(value)
    if kind is str:
        if "=" not in value and ":" not in value:
            return value
        # Masked by pattern; of free text only URL credentials (`s3://u:pw@h`, `?password=`) teach a value:
        # prose ("password: enabled by cloud-init") never does.
        return _scrub_patterns(value, found)
    if kind is dict or isinstance(value, Mapping):
        pair = "value" in value and ("key" in value or "name" in value)
        out = {}
        flat = False
        for k, v in value.items():
            name = k if type(k) is str else str(k)
            if "[" in name:
                flat = True
            if pair and name.lower() in ("key", "name", "value"):
                hidden = name.lower() == "value" and _pair_secret(value, api)
            else:
                hidden = _NAME_CACHE.get((name, api))
                if hidden is None:
                    hidden = _NAME_CACHE[(name, api)] = _secret_name(name, api)
                    if len(_NAME_CACHE) > 65536:
                        _NAME_CACHE.clear()
            if hidden:
                # A flag (haspassword=true) says a secret exists; it is not one.
                out[k] = MASK if v not in (None, "") and type(v) is not bool else v
                if found is not None:
                    found += _leaves(v)
            else:
                out[k] = v if type(v) in _SCALARS else _mask(v, api, found)
        if flat and found is not None:
            found += _flat_secrets(value, api)
        return out
    if kind is list or kind is tuple:
        return [v if type(v) in _SCALARS else _mask(v, api, found) for v in value]
    if isinstance(value, str):
        return _mask(str(value), api, found)
    return value


_SCALARS = frozenset({int, float, bool, type(None)})


def _hidden_names(params: Mapping[Any, Any], api_key: str | None) -> set[str]:
    """The names of request parameters whose values are secrets: one regex match per flat name, one pass
    for the secret map entries, so a 20,000-entry map stays linear."""
    names = [(str(k), v) for k, v in params.items()]
    flat = {name: m for name, _v in names if "[" in name and (m := _FLAT_ENTRY.match(name))}
    # Flat map entries: details[0].key=secretkey & details[0].value=... -> mask the value of that index.
    secret_entries = set()
    for name, m in flat.items():
        value = params[name]
        pair_name = isinstance(value, str) and m.group("field").lower() in _PAIR_NAME_FIELDS
        if pair_name and _secret_name(value, api_key):
            secret_entries.add(m.group("prefix").lower())
    # updateConfiguration name=security.singlesignon.key&value=...: the value is the secret
    setting = "value" in params and "name" in params and is_secret_setting(params.get("name"), params.get("category"))
    hidden = set()
    for name, _value in names:
        m = flat.get(name)
        if setting and name.lower() == "value":
            hidden.add(name)
        elif m:
            field = m.group("field").lower()
            # details[0].key names the entry; its value is details[0].value
            if field not in _PAIR_NAME_FIELDS and (
                _secret_name(field, api_key) or (field == "value" and m.group("prefix").lower() in secret_entries)
            ):
                hidden.add(name)
        elif _secret_name(name, api_key):
            hidden.add(name)
    return hidden


def mask_params(params: Mapping[str, Any], api: ApiSpec | str | None = None) -> dict[str, Any]:
    """A copy of request parameters (flat CloudStack form or JSON arguments) with secret values masked."""
    api_name = api.name if isinstance(api, ApiSpec) else api
    hidden = _hidden_names(params, api_name.lower() if api_name else None)
    out: dict[str, Any] = {}
    for name, value in params.items():
        kind = type(value)
        if str(name) in hidden and value not in (None, ""):
            out[name] = MASK
        elif kind in _SCALARS or (kind is str and "=" not in value and ":" not in value):
            out[name] = value
        else:
            out[name] = mask_value(value, api)
    return out


def secret_values(value: Any, api: ApiSpec | str | None = None, *, _inside: bool = False) -> list[str]:
    """Every secret value (as text) found by name in arguments, flat parameters or an answer."""
    found: list[str] = []
    if isinstance(value, Mapping):
        flat = _flat_keys(value)
        if flat:
            found += _flat_secrets(value, api, flat)
        skip = set(flat)  # a set: a 20,000-key map must not cost 20,000 x 20,000 comparisons
        for k, v in value.items():
            if isinstance(k, str) and k in skip:
                continue
            if _hidden_field(str(k), value, api):
                found += _leaves(v)
            else:
                found += secret_values(v, api, _inside=True)
    elif isinstance(value, (list, tuple)):
        for v in value:
            found += secret_values(v, api, _inside=True)
    elif isinstance(value, str) and "://" in value:
        _scrub_patterns(value, found)  # URL credentials only: prose never teaches a value
    return found


def _flat_keys(value: Mapping[Any, Any]) -> list[str]:
    return [k for k in value if isinstance(k, str) and "[" in k and _FLAT_ENTRY.match(k)]


def _flat_secrets(value: Mapping[Any, Any], api: ApiSpec | str | None, flat: list[str] | None = None) -> list[str]:
    """The secret values of flat map entries in a mapping (`details[0].key=password`, `details[0].value=...`)."""
    api_name = api.name if isinstance(api, ApiSpec) else api
    hidden = _hidden_names(value, api_name.lower() if api_name else None)
    return [v for k, v in value.items() if str(k) in hidden and "[" in str(k) and isinstance(v, str)]


def _leaves(value: Any) -> list[str]:
    """The string values inside a secret field (numbers and flags are never remembered as secrets)."""
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _leaves(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _leaves(v)]
    return [value] if isinstance(value, str) and value.strip().lower() not in ("true", "false") else []


def reveals_secrets(api: ApiSpec | str) -> bool:
    """True for APIs whose answer is a new secret the user asked for (shown once, masked elsewhere)."""
    return (api.name if isinstance(api, ApiSpec) else api) in REVEALING_APIS


def _forms(text: str) -> set[str]:
    """A secret as it may appear: as is, URL-encoded (also lower-cased, as signed) and inside JSON text."""
    return {
        text,
        quote(text, safe=""),
        quote_plus(text, safe=""),
        quote(text, safe="").lower(),
        json.dumps(text, ensure_ascii=False)[1:-1],
    }


_PREFIX = 64  # a longer secret is looked for by its first 64 characters, then checked in full by digest


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class SecretScrubber:
    """Remembers secret values and removes them from any text (errors, logs, audit records).

    One per server, made before its first request (`server.app.open_app`), holding the configured
    credentials and what `learn` finds by name. Values are also remembered in their URL-encoded and
    lower-cased forms, as they appear in query strings and in the string CloudStack signs.

    Bounded: at most `capacity` values (the oldest forgotten first), and a value longer than 64
    characters is kept as its first 64 characters plus the digest and length of the whole, so a
    1 MB private key costs a few hundred bytes; a text is masked from where the prefix starts to
    where the whole value ends when the digest matches (else the prefix alone). Remembering a value
    already known costs one digest.
    """

    def __init__(self, values: Iterable[str] = (), *, capacity: int = 4_000):
        self._values: OrderedDict[str, None] = OrderedDict()  # the forms looked for (prefixes of long ones)
        self._long: dict[str, set[tuple[int, bytes]]] = {}  # prefix -> (length, digest) of each long form
        self._seen: OrderedDict[bytes, None] = OrderedDict()  # digests of values remembered, for the fast path
        self._capacity = capacity
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None
        for value in values:
            self.remember(value)

    def __len__(self) -> int:
        return len(self._values)

    def remember(self, value: Any) -> None:
        """Hide this string (and its encoded forms) from now on; short values and non-strings are ignored."""
        if not isinstance(value, str) or len(value) < _MIN_SECRET_LEN or value == MASK:
            return
        seen = _digest(value)
        with self._lock:
            if seen in self._seen:
                self._seen.move_to_end(seen)
                return
            self._seen[seen] = None
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
        forms = [f for f in _forms(value) if len(f) >= _MIN_SECRET_LEN]
        with self._lock:
            for form in forms:
                key = form[:_PREFIX]
                if len(form) > _PREFIX:
                    self._long.setdefault(key, set()).add((len(form), _digest(form)))
                if key in self._values:
                    self._values.move_to_end(key)
                else:
                    self._values[key] = None
            while len(self._values) > self._capacity:
                gone, _ = self._values.popitem(last=False)
                self._long.pop(gone, None)
            self._pattern = None  # recompiled on next use

    def learn(self, value: Any, api: ApiSpec | str | None = None) -> None:
        """Remember every string found by name (secret-named parameters, fields, map entries, settings)."""
        for secret in secret_values(value, api):
            self.remember(secret)

    def scrub(self, text: str) -> str:
        """`text` with every remembered secret and every `name=secret` / URL credential masked."""
        if not text:
            return text
        # Names first: a remembered value that is also a word ("password") must not hide the name
        # that marks the next value as a secret.
        text = _scrub_patterns(text)
        pattern = self._compiled()
        return self._sub(pattern, text) if pattern is not None else text

    def _sub(self, pattern: re.Pattern[str], text: str) -> str:
        if not self._long:
            return pattern.sub(MASK, text)
        parts: list[str] = []
        pos = 0
        for m in pattern.finditer(text):
            start = m.start()
            if start < pos:  # inside a long secret already masked
                continue
            end = m.end()
            for length, digest in self._long.get(m.group(), ()):
                if length > end - start and _digest(text[start : start + length]) == digest:
                    end = max(end, start + length)
            parts += (text[pos:start], MASK)
            pos = end
        if not parts:
            return text
        parts.append(text[pos:])
        return "".join(parts)

    def scrub_value(self, value: Any, api: ApiSpec | str | None = None) -> Any:
        """A copy of a JSON-like value: secret-named fields masked, remembered secrets removed from strings.

        Every secret found on the way (what `learn` would find) is remembered first, so a value that also
        occurs under another name is hidden there too.
        """
        found: list[str] = []
        masked = mask_value(value, api, found)
        for secret in found:
            self.remember(secret)
        pattern = self._compiled()
        if pattern is None:
            return masked
        try:  # one C-speed search of the whole copy decides whether its strings need the walk
            seen = pattern.search(_compact(masked)) is not None
        except (TypeError, ValueError):  # keys json cannot write: walk every string
            seen = True
        return self._scrub_strings(masked) if seen else masked

    def _compiled(self) -> re.Pattern[str] | None:
        pattern = self._pattern
        if pattern is None and self._values:
            with self._lock:
                pattern = self._pattern = re.compile(_trie_regex(self._values))
        return pattern

    def _scrub_strings(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, Mapping):
            return {k: self._scrub_strings(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._scrub_strings(v) for v in value]
        return value


def _compact(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))


def _trie_regex(words: Iterable[str]) -> str:
    """One regex matching any of `words`, longest first, built as a trie so the engine branches per character
    instead of trying every word at every position (thousands of remembered secrets stay fast)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        out = ""
        while True:  # follow single-child chains without recursion (private keys are long)
            children = [ch for ch in node if ch]
            end = "" in node
            if len(children) == 1 and not end:
                out += re.escape(children[0])
                node = node[children[0]]
                continue
            if not children:
                return out
            branches = "|".join(re.escape(ch) + build(node[ch]) for ch in sorted(children))
            return out + f"(?:{branches})" + ("?" if end else "")

    return build(trie)


# name=value, name: value, "name": "value" for secret names, in free text (logs, error texts).
# Driven by the separators: every `=` or `:` is looked at, the name read backwards from it (through the
# reversed text, so each look is one anchored match), its value forwards. Every separator counts, also one
# inside another name's value ("error: token=abc" masks abc), and the scan costs a few steps per separator
# instead of a regex attempt at every character.
_SEPARATOR = re.compile(r"[=:]")
_NAME_BEFORE = re.compile(r"""\s*(?P<q>["']?)(?P<name>[A-Za-z0-9_.\[\]\-]{2,})""")  # matched on reversed text
_VALUE_AFTER = re.compile(r"""\s*["']?(?P<value>[^\s"'&,;}\]]{1,4096})""")
_HINTS = ("pass", "secret", "key", "token", "sign", "cred", "psk", "pwd", "cookie", "auth", "session")
_HINT = re.compile("|".join(_HINTS), re.I)


def _has_hint(text: str) -> bool:
    if text.isascii():
        low = text.lower()
        return any(hint in low for hint in _HINTS)
    return _HINT.search(text) is not None


@functools.lru_cache(maxsize=4096)
def _secret_in_text(reversed_tail: str) -> bool:
    """Whether a name read before a separator (its last 60 characters, reversed) names a secret: its last
    dotted part, also counted from any `]` in it (`x]token`)."""
    tail = reversed_tail[::-1]
    if is_secret_name(tail.rsplit(".", 1)[-1]):
        return True
    return any(is_secret_name(tail[i:].rsplit(".", 1)[-1]) for i, ch in enumerate(tail) if ch == "]")


def _named_spans(text: str, found: list[str] | None) -> list[tuple[int, int]]:
    """(start, end) of every value after a secret name and a separator, in order, overlaps merged."""
    spans: list[tuple[int, int]] = []
    backwards = ""
    size = len(text)
    for sep in _SEPARATOR.finditer(text):
        at = sep.start()
        if not at:
            continue
        if not backwards:
            backwards = text[::-1]
        before = _NAME_BEFORE.match(backwards, size - at)
        if before is None or not _secret_in_text(before.group("name")[:60]):
            continue
        after = _VALUE_AFTER.match(text, at + 1)
        if after is None or after.group("value") == MASK:
            continue
        start, end = after.span("value")
        if found is not None:
            found.append(after.group("value"))
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def _scrub_patterns(text: str, _found: list[str] | None = None) -> str:
    """`text` with `name=secret` pairs and URL credentials masked; `_found` collects the URL credentials only
    (a value after a secret name in prose is masked there, never remembered: "password: enabled" must not
    make every later "enabled" a secret)."""
    if _found is not None and "://" in text:
        mask_text(text, _found)
    if ("=" not in text and ":" not in text) or not _has_hint(text):
        return mask_text(text) if "://" in text else text
    spans = _named_spans(text, None)
    if spans:
        parts, pos = [], 0
        for start, end in spans:
            parts += (text[pos:start], MASK)
            pos = end
        parts.append(text[pos:])
        text = "".join(parts)
    return mask_text(text)


_DEFAULT = SecretScrubber()


def default_scrubber() -> SecretScrubber:
    """A scrubber for code that has no server (tools run outside one); a server makes its own."""
    return _DEFAULT


class ScrubbingFilter(logging.Filter):
    """A logging filter that scrubs the message, its arguments and any traceback of each record."""

    def __init__(self, scrubber: SecretScrubber | None = None):
        super().__init__()
        self.scrubber = scrubber or _DEFAULT

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub_record(record, self.scrubber)
        return True


_formatter = logging.Formatter()


def _scrub_record(record: logging.LogRecord, scrubber: SecretScrubber) -> None:
    done: set[int] = record.__dict__.setdefault("_cloudstack_mcp_scrubbed_by", set())
    if id(scrubber) in done:
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep what there is
        message = str(record.msg)
    record.msg, record.args = scrubber.scrub(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = _formatter.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrubber.scrub(record.exc_text)
    if record.stack_info:
        record.stack_info = scrubber.scrub(record.stack_info)
    done.add(id(scrubber))


# Every live scrubber that logs pass through: one record factory for the process, so servers made and
# dropped (tests, several per process) neither stack factories nor keep each other alive.
_LIVE: weakref.WeakSet[SecretScrubber] = weakref.WeakSet()
_factory: Callable[..., logging.LogRecord] | None = None


def install_log_scrubbing(scrubber: SecretScrubber | None = None) -> None:
    """Scrub every log record of the process with `scrubber` (and every other live one) as it is created."""
    global _factory
    _LIVE.add(scrubber or _DEFAULT)
    if _factory is not None and logging.getLogRecordFactory() is _factory:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        for live in list(_LIVE):
            _scrub_record(record, live)
        return record

    logging.setLogRecordFactory(factory)
    _factory = factory
