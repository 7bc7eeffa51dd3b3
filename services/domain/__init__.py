"""What the platform's services agree on about the work itself, free of transport: job states, a
transcript's segments, the report templates, the prompts' seeds and data block, and where a webhook
may go."""
