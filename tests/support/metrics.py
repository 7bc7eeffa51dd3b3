"""Reading a service's Prometheus metrics in tests: what the platform exposes to an operator."""

from __future__ import annotations

from tests.support import plain_http


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of `name`'s samples in a /metrics page whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def scrape(url: str, name: str, **labels: str) -> float:
    """`metric` read from the /metrics page at `url` now."""
    return metric(plain_http.get(url, timeout=10).text, name, **labels)
