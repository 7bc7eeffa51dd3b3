"""Signatures the Standard Webhooks way, checked against the spec's vector and plain hmac."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from services.webhooks import signing
from services.webhooks.signing import WebhookVerificationError

# The test vector published with the Standard Webhooks libraries.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def _headers(signature: str, msg_id: str = SPEC_ID, ts: int = SPEC_TS) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature}


def test_sign_matches_the_spec_test_vector():
    assert signing.sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY) == SPEC_SIGNATURE


def test_sign_matches_an_hmac_computed_independently():
    secret = signing.generate_secret()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    body = b'{"type":"report.job.succeeded"}'
    expected = base64.b64encode(hmac.new(key, b"evt_1.1700000000." + body, hashlib.sha256).digest()).decode()
    assert signing.sign(secret, "evt_1", 1700000000, body) == f"v1,{expected}"


def test_verify_accepts_the_spec_vector_and_returns_the_payload():
    payload = signing.verify(_headers(SPEC_SIGNATURE), SPEC_BODY, SPEC_SECRET, now=SPEC_TS + 10)
    assert payload == {"test": 2432232314}


def test_verify_reads_header_names_in_any_case():
    headers = {k.title(): v for k, v in _headers(SPEC_SIGNATURE).items()}
    signing.verify(headers, SPEC_BODY, SPEC_SECRET, now=SPEC_TS)


def test_verify_accepts_one_matching_signature_among_several():
    other = signing.sign(signing.generate_secret(), SPEC_ID, SPEC_TS, SPEC_BODY)
    signing.verify(_headers(f"{other} v2,abc {SPEC_SIGNATURE}"), SPEC_BODY, SPEC_SECRET, now=SPEC_TS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h, b: (h, b + b" "), "no matching signature"),
        (lambda h, b: ({**h, "webhook-id": "msg_other"}, b), "no matching signature"),
        (lambda h, b: ({**h, "webhook-signature": "v1,bm90IGl0"}, b), "no matching signature"),
        (lambda h, b: ({**h, "webhook-signature": "v2," + h["webhook-signature"][3:]}, b), "no matching signature"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b), "missing webhook-signature"),
        (lambda h, b: ({**h, "webhook-timestamp": "soon"}, b), "not an integer"),
    ],
)
def test_verify_refuses_a_tampered_delivery(change, message):
    headers, body = change(_headers(SPEC_SIGNATURE), SPEC_BODY)
    with pytest.raises(WebhookVerificationError, match=message):
        signing.verify(headers, body, SPEC_SECRET, now=SPEC_TS)


def test_verify_refuses_another_secret():
    with pytest.raises(WebhookVerificationError):
        signing.verify(_headers(SPEC_SIGNATURE), SPEC_BODY, signing.generate_secret(), now=SPEC_TS)


@pytest.mark.parametrize(("offset", "message"), [(-301, "too old"), (301, "too new")])
def test_verify_refuses_a_timestamp_outside_the_tolerance(offset, message):
    with pytest.raises(WebhookVerificationError, match=message):
        signing.verify(_headers(SPEC_SIGNATURE), SPEC_BODY, SPEC_SECRET, now=SPEC_TS - offset)


def test_verify_accepts_a_timestamp_at_the_edge_of_the_tolerance():
    signing.verify(_headers(SPEC_SIGNATURE), SPEC_BODY, SPEC_SECRET, now=SPEC_TS + 300)


def test_a_generated_secret_is_whsec_and_32_random_bytes():
    secret = signing.generate_secret()
    assert secret.startswith("whsec_")
    assert len(signing.parse_secret(secret)) == 32
    assert secret != signing.generate_secret()


@pytest.mark.parametrize("bad", ["whsec_not base64!", "whsec_" + base64.b64encode(b"short").decode(), ""])
def test_parse_secret_refuses_what_is_not_a_usable_secret(bad):
    with pytest.raises(ValueError):
        signing.parse_secret(bad)
