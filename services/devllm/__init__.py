"""The dev LLM: a local stand-in for the OpenAI and Anthropic APIs.

It answers chat completions (OpenAI structured outputs) and messages (Anthropic forced tool use)
with a report written by deterministic rules from the prompt's transcript data block, and can be
told, per request, to be slow or to fail. Start it with `python -m services.devllm`.
"""
