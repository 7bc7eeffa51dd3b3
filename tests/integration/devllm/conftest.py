"""A real dev LLM process on a free port, and the real SDK clients pointed at it."""

from __future__ import annotations

import anthropic
import openai
import pytest

from services.devllm.testing import sample_data
from services.domain import prompt_data
from tests.support.devllm import running_devllm


@pytest.fixture(scope="module")
def devllm_url():
    with running_devllm() as url:
        yield url


@pytest.fixture
def user_text(request) -> str:
    """A first user message unique to the test, so each test is a fresh conversation."""
    return f"Write the report ({request.node.nodeid}).\n{prompt_data.encode(sample_data())}"


@pytest.fixture
def openai_client(devllm_url):
    with openai.OpenAI(base_url=f"{devllm_url}/v1", api_key="dev", max_retries=0) as client:
        yield client


@pytest.fixture
async def async_openai_client(devllm_url):
    async with openai.AsyncOpenAI(base_url=f"{devllm_url}/v1", api_key="dev", max_retries=0) as client:
        yield client


@pytest.fixture
def anthropic_client(devllm_url):
    with anthropic.Anthropic(base_url=devllm_url, api_key="dev", max_retries=0) as client:
        yield client


@pytest.fixture
async def async_anthropic_client(devllm_url):
    async with anthropic.AsyncAnthropic(base_url=devllm_url, api_key="dev", max_retries=0) as client:
        yield client
