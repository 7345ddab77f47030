"""Confirmation as pure functions: phrases bound to the call, warnings, elicitation forms and answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudstack_mcp.policy.classify import Severity, classify, for_call
from cloudstack_mcp.safety.confirm import (
    Phrases,
    check_phrase,
    describe_target,
    elicitation_request,
    needs_confirmation,
    phrase_for,
    phrase_instructions,
    read_elicitation,
    warning_text,
)
from cloudstack_mcp.safety.secrets import MASK
from tests.apidata import SPEC_420, catalog_of

CAT = catalog_of(SPEC_420)
STORE = CAT["deleteImageStore"]
STORE_ID = "3f2a6c0e-9d1b-4c55-8a11-0123456789ab"
KEY = b"test-key-" * 4  # the server key (safety.phrase_key); a real one is random


def test_phrase_names_action_and_target() -> None:
    phrase = phrase_for(STORE, {"id": STORE_ID}, key=KEY)
    assert phrase.startswith(f"delete image store {STORE_ID} #")
    destroy = phrase_for(CAT["destroyVirtualMachine"], {"id": "vm-1", "expunge": "true"}, key=KEY)
    assert destroy.startswith("destroy virtual machine vm-1 with expunge #")


def test_phrase_is_stateless_and_bound_to_the_arguments() -> None:
    args = {"id": STORE_ID}
    assert phrase_for(STORE, args, key=KEY) == phrase_for(
        STORE, dict(args), key=KEY
    )  # same call, any time, any instance
    assert phrase_for(STORE, {"ID": STORE_ID}, key=KEY) == phrase_for(
        STORE, args, key=KEY
    )  # names are case-insensitive
    other = phrase_for(STORE, {"id": STORE_ID.replace("3f2a", "3f2b")}, key=KEY)
    assert other != phrase_for(STORE, args, key=KEY)
    destroy = CAT["destroyVirtualMachine"]
    assert phrase_for(destroy, {"id": "vm-1"}, key=KEY) != phrase_for(destroy, {"id": "vm-1", "expunge": True}, key=KEY)
    update = CAT["updateConfiguration"]
    assert phrase_for(update, {"name": "a", "value": "1"}, key=KEY) != phrase_for(
        update, {"name": "a", "value": "2"}, key=KEY
    )


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["id", "name", "forced", "cleanup", "zoneid"]), st.text(max_size=20), min_size=1)
)
def test_a_phrase_confirms_only_its_own_call(args: dict[str, str]) -> None:
    phrase = phrase_for(STORE, args, key=KEY)
    assert check_phrase(phrase, phrase)
    assert check_phrase(phrase, f'  "{phrase.upper()}." ')  # quotes, case and spacing do not matter
    changed = {**args, "id": args.get("id", "") + "x"}
    assert not check_phrase(phrase_for(STORE, changed, key=KEY), phrase)


def test_check_phrase_rejects_non_strings_and_near_misses() -> None:
    phrase = phrase_for(STORE, {"id": STORE_ID}, key=KEY)
    assert not check_phrase(phrase, None)
    assert not check_phrase(phrase, True)
    assert not check_phrase(phrase, phrase.rsplit("#", 1)[0])
    assert not check_phrase(phrase, "yes")


def test_levels() -> None:
    assert needs_confirmation(classify(STORE), Severity.HIGH)
    assert not needs_confirmation(classify(CAT["stopVirtualMachine"]), Severity.HIGH)
    assert needs_confirmation(classify(CAT["stopVirtualMachine"]), Severity.MEDIUM)
    assert not needs_confirmation(classify(CAT["listZones"]), Severity.LOW)
    assert needs_confirmation(classify(CAT["getUserKeys"]), Severity.HIGH)  # a read that reveals keys


def test_warning_says_what_is_lost_and_the_target() -> None:
    text = warning_text(classify(STORE), STORE, {"id": STORE_ID})
    assert "CRITICAL" in text and "cannot be undone" in text and "templates" in text and STORE_ID in text


def test_targets_and_phrases_never_show_secrets() -> None:
    s3 = CAT["addImageStoreS3"]
    args = {"accesskey": "AKIAEXAMPLE", "secretkey": "wJalrXUtnFEMI", "bucket": "b", "endpoint": "s3.example"}
    for text in (
        describe_target(s3, args),
        phrase_for(s3, args, key=KEY),
        phrase_instructions(for_call(s3, args), s3, args, "add_image_store_s3", phrase_for(s3, args, key=KEY)),
        elicitation_request(for_call(s3, args), s3, args)[0],
    ):
        assert "AKIAEXAMPLE" not in text and "wJalrXUtnFEMI" not in text
    reset = CAT["updateUser"]
    assert MASK in describe_target(reset, {"password": "hunter22"}) or "hunter22" not in describe_target(
        reset, {"password": "hunter22"}
    )


def test_phrase_instructions() -> None:
    policy = classify(STORE)
    phrase = phrase_for(STORE, {"id": STORE_ID}, key=KEY)
    text = phrase_instructions(policy, STORE, {"id": STORE_ID}, "delete_image_store", phrase)
    assert "NOT called" in text and "delete_image_store" in text
    assert f'confirm: "{phrase_for(STORE, {"id": STORE_ID}, key=KEY)}"' in text


@pytest.mark.parametrize(
    ("action", "content", "outcome"),
    [
        ("accept", {"confirm": True}, "accepted"),
        ("accept", {"confirm": "true"}, "accepted"),
        ("accept", {"confirm": False}, "declined"),
        ("accept", {}, "declined"),
        ("accept", None, "declined"),
        ("decline", None, "declined"),
        ("cancel", None, "cancelled"),
    ],
)
def test_yes_no_elicitation(action: str, content: dict | None, outcome: str) -> None:
    api = CAT["stopRouter"]
    policy = classify(api)
    message, schema = elicitation_request(policy, api, {"id": "r-1"})
    assert "r-1" in message and schema["required"] == ["confirm"]
    assert schema["properties"]["confirm"]["type"] == "boolean"
    assert read_elicitation(policy, api, {"id": "r-1"}, action, content) == outcome


def test_critical_elicitation_asks_for_the_phrase() -> None:
    policy = classify(STORE)
    args = {"id": STORE_ID}
    phrase = Phrases(KEY).typed(STORE, args, "store-1")  # action, the target's name, a short code
    message, schema = elicitation_request(policy, STORE, args, phrase)
    assert phrase in message and schema["required"] == ["phrase"]
    assert phrase.startswith("delete image store store-1 ") and len(phrase.rsplit(" ", 1)[1]) == 6
    assert read_elicitation(policy, STORE, args, "accept", {"phrase": phrase}, phrase) == "accepted"
    assert read_elicitation(policy, STORE, args, "accept", {"phrase": "delete image store"}, phrase) == "mismatch"
    assert read_elicitation(policy, STORE, args, "accept", {"confirm": True}, phrase) == "mismatch"
    assert read_elicitation(policy, STORE, args, "decline", None, phrase) == "declined"
