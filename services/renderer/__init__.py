"""The renderer: writes a report about one person from the evidence, through an LLM.

Domain modules (free of gRPC and NATS): `pipeline.write_report` ties together `prompt` (the
messages), `llm` (the provider loop), `validate`, `document` and `markdown`.
"""
