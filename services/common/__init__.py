"""Code every service shares: contracts, settings, ids, gRPC and NATS plumbing."""
