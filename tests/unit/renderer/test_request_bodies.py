"""The request bodies the renderer sends, for every template, checked against the documented
rules of each API (the dev LLM's `rules`, the same ones `tests/support/provider_rules.py` proves
it enforces), so a change that the real API would reject fails here first."""

from __future__ import annotations

import pytest

from services.devllm import rules
from services.domain.templates import TEMPLATE_NAMES
from services.renderer.llm import DEFAULT_MODELS
from services.renderer.llm_schema import output_schema
from services.renderer.prompt import Conversation, Turn
from services.renderer.providers.anthropic_provider import AnthropicProvider
from services.renderer.providers.openai_provider import OpenAIProvider, response_format

CONVERSATION = Conversation("You write reports.", (Turn("user", "Write it."),))


def _body(provider: str, template: str) -> dict:
    kind = OpenAIProvider if provider == "openai" else AnthropicProvider
    adapter = kind(api_key="k", base_url="http://127.0.0.1:9", timeout_s=1, max_tokens=8192)
    return adapter.request(CONVERSATION, output_schema(template), DEFAULT_MODELS[provider])


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_openai_body_is_one_the_api_accepts(template):
    body = _body("openai", template)

    rules.openai_request(body)
    assert body["max_completion_tokens"] == 8192 and "max_tokens" not in body
    assert body["response_format"]["json_schema"]["strict"] is True


def test_the_llama_cpp_dialect_caps_the_answer_in_the_field_its_server_reads():
    # llama-cpp-python's server drops `max_completion_tokens` unread (its request model has only
    # `max_tokens`): a 2,048-token cap let SmolLM2 write 6,957 tokens, to the end of its context.
    adapter = OpenAIProvider(
        api_key="k", base_url="http://127.0.0.1:9", timeout_s=1, max_tokens=2048, response_format="json_object"
    )
    body = adapter.request(CONVERSATION, output_schema("general_report"), "dev-llm")

    rules.openai_request(body)
    assert body["max_tokens"] == 2048 and "max_completion_tokens" not in body
    assert body["response_format"]["type"] == "json_object"
    # The same cap in OpenAI's own dialect is refused, as the API refuses it for reasoning models.
    with pytest.raises(rules.BadRequest, match="Use 'max_completion_tokens' instead"):
        rules.openai_request(
            {**body, "response_format": response_format("json_schema", output_schema("general_report"))}
        )


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_anthropic_body_is_one_the_api_accepts(template):
    body = _body("anthropic", template)

    rules.anthropic_request(body)
    assert body["max_tokens"] == 8192
    assert "tools" not in body and "tool_choice" not in body
    assert body["output_config"]["format"]["type"] == "json_schema"


def test_anthropic_rules_reject_the_schema_before_it_is_transformed():
    with pytest.raises(rules.BadRequest, match="maxItems"):
        rules.anthropic_schema(output_schema("general_report"))
