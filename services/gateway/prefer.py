"""The `Prefer` request header (RFC 7240), as far as the gateway honours it: `wait`.

`Prefer: wait=10` asks the server to take up to 10 seconds over its answer; `Prefer: wait` alone
means the longest we allow. Preferences are hints: one we do not understand, or a `wait` whose
value is not a number of seconds, is ignored (RFC 7240 section 2), and what was honoured is said
back in `Preference-Applied`.
"""

from __future__ import annotations

import re

MAX_WAIT_S = 60

# One preference: a token, an optional `=value` (token or quoted string), then `;` parameters.
_PREFERENCE = re.compile(r'\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*("[^"]*"|[^;,\s]*))?\s*(?:;[^,]*)?')


def preferences(headers: list[str]) -> dict[str, str | None]:
    """Every preference in every `Prefer` header, by lower-cased name; the first of a name wins."""
    found: dict[str, str | None] = {}
    for header in headers:
        for part in header.split(","):
            match = _PREFERENCE.fullmatch(part)
            if match is None:
                continue
            name, value = match.group(1).lower(), match.group(2)
            if value is not None and value.startswith('"'):
                value = value[1:-1]
            found.setdefault(name, value or None)
    return found


def wait_seconds(headers: list[str]) -> int | None:
    """The wait the client asked for, capped at `MAX_WAIT_S`; None when it asked for none."""
    if "wait" not in (prefs := preferences(headers)):
        return None
    value = prefs["wait"]
    if value is None:
        return MAX_WAIT_S
    if not (value.isascii() and value.isdigit()):  # "²".isdigit() is True, and int("²") fails
        return None
    return MAX_WAIT_S if len(value) > 9 else min(int(value), MAX_WAIT_S)
