"""Plumbing every service shares: settings, ids, gRPC and NATS, logs, metrics and traces, codecs."""
