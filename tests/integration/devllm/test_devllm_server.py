"""The dev LLM process: start-up line, health, stats, default latency."""

from __future__ import annotations

import openai

from services.devllm.testing import report_schema
from tests.support import plain_http
from tests.support.devllm import running_devllm

FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "r", "schema": report_schema("sales_playbook"), "strict": True},
}


def _ask(client: openai.OpenAI, model: str = "dev-llm-1") -> None:
    client.chat.completions.create(
        model=model, response_format=FORMAT, messages=[{"role": "user", "content": "Report."}]
    )


def _held_ms(client: openai.OpenAI, model: str = "dev-llm-1") -> int:
    """How long the dev LLM says it held its answer back."""
    raw = client.chat.completions.with_raw_response.create(
        model=model, response_format=FORMAT, messages=[{"role": "user", "content": "Report."}]
    )
    return int(raw.headers["x-dev-llm-latency-ms"])


def test_health_answers_ok_when_listening_on_the_printed_port(devllm_url):
    assert not devllm_url.endswith(":0")

    response = plain_http.get(f"{devllm_url}/healthz")

    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_stats_count_requests_by_endpoint_and_outcome_when_server_is_fresh():
    with running_devllm() as url, openai.OpenAI(base_url=f"{url}/v1", api_key="dev", max_retries=0) as client:
        _ask(client)
        _ask(client, "dev-llm+fail=refusal")
        try:
            _ask(client, "dev-llm+fail=429")
        except openai.RateLimitError:
            pass
        plain_http.post(f"{url}/v1/messages", json={"model": "dev-llm"})

        stats = plain_http.get(f"{url}/stats").json()

    assert stats["requests"] == {"anthropic.messages": 1, "openai.chat_completions": 3}
    assert stats["outcomes"] == {"429": 1, "bad_request": 1, "ok": 1, "refusal": 1}
    assert stats["byEndpoint"]["anthropic.messages"] == {"bad_request": 1}


def test_every_answer_waits_when_default_latency_is_set():
    with (
        running_devllm({"DEVLLM_LATENCY_MS": "250"}) as url,
        openai.OpenAI(base_url=f"{url}/v1", api_key="dev", max_retries=0) as client,
    ):
        held = [_held_ms(client), _held_ms(client, "dev-llm+latency=0")]

    assert held == [250, 0]  # the default, and the knob that overrides it


def test_bad_request_when_body_is_not_json(devllm_url):
    response = plain_http.post(
        f"{devllm_url}/v1/chat/completions", content=b"{nope", headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_stats_sum_the_token_usage_of_the_answers_served_by_model():
    with running_devllm() as url, openai.OpenAI(base_url=f"{url}/v1", api_key="dev", max_retries=0) as client:
        plain = client.chat.completions.create(
            model="dev-llm-1", response_format=FORMAT, messages=[{"role": "user", "content": "Report."}]
        )
        streamed = client.chat.completions.create(
            model="dev-llm-1",
            response_format=FORMAT,
            stream=True,
            stream_options={"include_usage": True},
            messages=[{"role": "user", "content": "Another report."}],
        )
        streamed_usage = [chunk.usage for chunk in streamed if chunk.usage is not None]
        try:
            _ask(client, "dev-llm+fail=429")
        except openai.RateLimitError:
            pass

        served = plain_http.get(f"{url}/stats").json()["served"]

    assert plain.usage is not None and len(streamed_usage) == 1
    answers = [plain.usage, streamed_usage[0]]
    assert served == {
        "dev-llm-1": {
            "answers": 2,  # a 429 serves no tokens
            "inputTokens": sum(u.prompt_tokens for u in answers),
            "outputTokens": sum(u.completion_tokens for u in answers),
        }
    }
