"""JSON log lines on stdout, one event per line."""

from __future__ import annotations

import json
import logging
import sys

from services.common.context import ContextFilter

MAX_FIELD_CHARS = 2000  # a log line quotes at most this much of any one value (client input included)
MAX_EXC_CHARS = 16000

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": _cap(record.getMessage(), MAX_FIELD_CHARS),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = _cap(value, MAX_FIELD_CHARS) if isinstance(value, str) else value
        if record.exc_info:
            line["exc"] = _cap(self.formatException(record.exc_info), MAX_EXC_CHARS)
        return json.dumps(line, default=str)


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def configure(service: str, level: str = "INFO") -> None:
    import time

    handler = logging.StreamHandler(sys.stdout)
    formatter = JsonFormatter(service)
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("nats", "httpx", "httpx2", "httpcore", "uvicorn.access", "openai", "anthropic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
