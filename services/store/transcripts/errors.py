"""The one error type of transcript ingestion, with stable codes callers can map to responses."""

from __future__ import annotations

INVALID_TRANSCRIPT = "invalid_transcript"
NO_SPEAKERS = "no_speakers"
UNKNOWN_FORMAT = "unknown_format"
NO_SPEECH = "no_speech"
INVALID_SPEAKERS = "invalid_speakers"
TOO_LARGE = "transcript_too_large"

CODES = (INVALID_TRANSCRIPT, NO_SPEAKERS, UNKNOWN_FORMAT, NO_SPEECH, INVALID_SPEAKERS, TOO_LARGE)


class TranscriptError(Exception):
    """A transcript that cannot be ingested.

    `code` is one of CODES; `message` names the 1-based line (text formats) or the JSON path
    (JSON formats) at fault; `path` is a JSON-pointer-ish location relative to the transcript
    object of the request, e.g. "/content/3/end", or "/content" for text formats.
    """

    def __init__(self, code: str, message: str, path: str = "/content") -> None:
        if code not in CODES:
            raise ValueError(f"unknown transcript error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path

    def __repr__(self) -> str:
        return f"TranscriptError({self.code!r}, {self.message!r}, {self.path!r})"
