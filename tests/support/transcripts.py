"""Real transcripts in every format the platform reads (tests/fixtures/transcripts)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"
