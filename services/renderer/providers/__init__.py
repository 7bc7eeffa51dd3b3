"""Provider adapters over the official SDKs' async clients (`openai`, `anthropic`)."""
