"""Free-text masking finds every `name=secret` (also inside another value), and the one-walk `scrub_value`
masks and learns everything the separate passes found."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudstack_mcp.safety.secrets import MASK, SecretScrubber, mask_value, secret_values


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("error: token=abcdef1234", "abcdef1234"),  # a secret inside the value of a harmless name
        ("note: password=pw-5678 and more", "pw-5678"),
        ("count: 3, keys: apikey=k-12345", "k-12345"),
        ('{"name": "x", "password": "pw-quoted"}', "pw-quoted"),
        ("password='single-q'", "single-q"),
        ("a=b]pass=xyz9", "xyz9"),  # a name that starts after a `]` in the same word
        ("db.password = s3cr3t-value;", "s3cr3t-value"),
        ("x" * 70 + ".password=long-name-secret", "long-name-secret"),
    ],
)
def test_named_secrets_in_free_text_are_masked(text: str, secret: str) -> None:
    out = SecretScrubber().scrub(text)
    assert secret not in out and MASK in out


@pytest.mark.parametrize(
    "text",
    [
        "count: 1 zone",
        "created 2026-11-27 17:38:35 UTC",
        "passwordenabled: true, keyboard: us, bypass: yes",
        'Pick columns with fields=["dns1", ...] (all: "*")',
    ],
)
def test_harmless_text_is_left_alone(text: str) -> None:
    assert SecretScrubber().scrub(text) == text


@pytest.mark.parametrize(
    "value",
    [
        {"url": "http://store/?apikey=abc123xyz"},  # names the old C-speed pre-scan did not know
        {"note": "jsessionid=abcdef0123"},
        {"cert": "privatekey: abcdefgh"},
        {"note": "error: token=abcdef1234"},
        {"t": "a\tpass=abcdefg"},
        {"rows": [{"key": 'pass"word', "value": "pair-secret"}]},
        {"weird\\key": 1, "://password": "colon-key"},
    ],
)
def test_scrub_value_masks_secrets_inside_values(value: dict[str, object]) -> None:
    scrubber = SecretScrubber()
    out = scrubber.scrub_value(value)
    assert out == scrubber._scrub_strings(mask_value(value))
    assert out != value and MASK in repr(out)


def test_scrub_value_learns_flat_map_entries() -> None:
    scrubber = SecretScrubber()
    value = {"details[0].key": "password", "details[0].value": "flat-secret-1", "note": "uses flat-secret-1"}
    out = scrubber.scrub_value(value)
    assert "flat-secret-1" not in repr(out)
    assert "flat-secret-1" not in scrubber.scrub("later: flat-secret-1")


_PIECES = list("ab.-_[]=:\"' \n\t&,;?/@#\\") + ["pass", "password", "token", "key", "apikey", "://", "x1"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)
_KEYS = st.sampled_from(["id", "name", "key", "value", "note", "password", "zonetoken", "details[0].key", "a:b"])
_TREES = st.recursive(
    st.one_of(_TEXT, st.integers(), st.booleans(), st.none()),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(_KEYS | _TEXT, kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_TREES)
def test_scrub_value_is_the_full_walk_and_learns_what_learn_would(tree: object) -> None:
    scrubber = SecretScrubber()
    out = scrubber.scrub_value(tree)
    assert out == scrubber._scrub_strings(mask_value(tree))
    for secret in secret_values(tree):
        if len(secret) >= 4 and secret != MASK:
            assert secret not in scrubber.scrub(f"<{secret}>")
