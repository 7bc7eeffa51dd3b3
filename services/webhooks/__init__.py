"""The webhook dispatcher: a durable JetStream consumer that POSTs signed job events to clients."""
