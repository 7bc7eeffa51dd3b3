"""The models endpoints through both real SDKs: current ids listed, retired ones answer 404."""

from __future__ import annotations

import anthropic
import openai
import pytest

CASES = [  # (client fixture, a current id, a retired id, the SDK's 404 error)
    ("openai_client", "gpt-6.1-sol", "gpt-4-0613", openai.NotFoundError),
    ("anthropic_client", "claude-sonnet-5-5", "claude-sonnet-4-5", anthropic.NotFoundError),
]


@pytest.mark.parametrize("fixture, current, retired, not_found", CASES)
def test_models_endpoint_knows_current_ids_and_not_retired_ones(request, fixture, current, retired, not_found):
    client = request.getfixturevalue(fixture)

    listed = [m.id for m in client.models.list()]

    assert listed[0] == "dev-llm-1" and current in listed and retired not in listed
    assert client.models.retrieve(current).id == current
    assert client.models.retrieve("dev-llm+fail=500").id == "dev-llm+fail=500"
    with pytest.raises(not_found) as caught:
        client.models.retrieve(retired)
    assert caught.value.status_code == 404 and retired in caught.value.message
