"""The store request a create becomes: a fingerprint only where an idempotency key can use it."""

from __future__ import annotations

from services.gateway.routes.jobs import create_job_message, fingerprint

BODY = {
    "media": {"mediaId": "med_1"},
    "output": {"template": "sales_playbook"},
    "target": {"strategy": "dominant", "on_miss": "error"},
}


def test_a_create_without_an_idempotency_key_carries_no_fingerprint():
    assert create_job_message(BODY, "tenant-a", "req_1").request_fingerprint == ""


def test_a_create_with_an_idempotency_key_carries_the_fingerprint_of_its_body():
    body = {**BODY, "idempotencyKey": "k-1"}
    message = create_job_message(body, "tenant-a", "req_1")
    assert message.idempotency_key == "k-1"
    assert message.request_fingerprint == fingerprint(body) != ""
    reordered = {key: body[key] for key in reversed(list(body))}
    assert create_job_message(reordered, "tenant-a", "req_2").request_fingerprint == message.request_fingerprint
