"""The two tenants every test with a gateway has, and their API keys."""

from __future__ import annotations

KEY_A, KEY_B = "key-a", "key-b"
KEYS = {KEY_A: "tenant-a", KEY_B: "tenant-b"}
KEYS_ENV = ",".join(f"{key}={tenant}" for key, tenant in KEYS.items())  # REPORTS_API_KEYS' form
AUTH_A = {"Authorization": f"Bearer {KEY_A}"}
AUTH_B = {"Authorization": f"Bearer {KEY_B}"}
