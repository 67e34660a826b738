"""URLs a network hands us (permalinks, avatars, profile links): only absolute http(s) ones are kept or linked.

A network's answer is someone else's data: a mention's ``url`` or an author's avatar may
be ``javascript:...``, ``data:...`` or worse. Every place that stores such a URL passes it
through ``http_url`` (anything else is stored empty: dropped, never "repaired"), and every
template that links one uses the ``|http_url`` filter (smm_tags), which applies the same
rule to rows stored before it existed.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
# Browsers ignore tabs and newlines inside a URL ("java\tscript:" is javascript:), so a
# URL with any whitespace or control character in it is not one we can vouch for.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f-\x9f\s]")


def http_url(value, *, max_length: int | None = None) -> str:
    """``value`` if it is an absolute http(s) URL with a host, else "" (also for a URL
    longer than ``max_length``: a cut URL would point somewhere else)."""
    if not isinstance(value, str):
        return ""
    if not value or _UNSAFE_CHARACTERS.search(value):
        return ""
    if max_length is not None and len(value) > max_length:
        return ""
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:  # an unbalanced "[" in the host, a bad port
        return ""
    if parts.scheme.lower() not in SCHEMES or not hostname:
        return ""
    return value
