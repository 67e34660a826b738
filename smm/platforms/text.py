"""How each network counts and parses post text: graphemes, URLs, mentions, hashtags.

Every network measures a post differently (Mastodon counts grapheme clusters with
URLs as 23, X weighs CJK and emoji double, Bluesky counts graphemes and UTF-8 bytes),
and a composer that counts the wrong way lets a marketer schedule a post that will
bounce at publish time. The rules live here, in one place, so adapters and the live
validation in the composer agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex
from twitter_text import extract_urls_with_indices, parse_tweet

# Mastodon and X replace every URL by a fixed-length placeholder when counting.
URL_LENGTH = 23

# Bluesky caps a hashtag (without the #) at 64 graphemes; longer ones are not linked.
BLUESKY_MAX_TAG_GRAPHEMES = 64

_GRAPHEME = regex.compile(r"\X")

# A hashtag starts after a line start or whitespace (so "page#2" and URL fragments are
# not tags), may use the full-width ＃ that CJK keyboards type, and must contain at least
# one character that is neither a digit nor punctuation ("#1" is a number, not a tag).
# Trailing punctuation is trimmed afterwards: "#launch!" tags "launch".
_HASHTAG = regex.compile(r"(?<!\S)[#＃](?!\ufe0f|\u20e3)([^\s#＃]*[^\d\s\p{P}#＃][^\s#＃]*)")
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")

# Fediverse mention: @user or @user@domain. Not preceded by a word character, "/", "."
# or "@" so that e-mail addresses and URL paths are not mistaken for mentions.
_MASTODON_MENTION = regex.compile(
    r"(?<![\w/.@])@([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)(?:@([\w.-]+\w))?",
    regex.IGNORECASE,
)

# Bluesky mention: @ followed by a handle, which is a domain name (at least one dot,
# labels of letters, digits and hyphens, a TLD that starts with a letter).
_BLUESKY_MENTION = regex.compile(
    r"(?<![\w/.@])@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)\b",
    regex.IGNORECASE,
)


@dataclass(frozen=True)
class TextSpan:
    """A piece of text found in a post.

    ``start``/``end`` index the Python string (code points); ``byte_start``/``byte_end``
    index its UTF-8 encoding, which is what Bluesky facets use. ``value`` is what the
    span means: the full URL (with scheme), the handle without "@", the tag without "#".
    """

    kind: str  # "link" | "mention" | "tag"
    start: int
    end: int
    byte_start: int
    byte_end: int
    text: str
    value: str


# --- shared by every network ------------------------------------------------------------


def grapheme_length(text: str) -> int:
    """Characters as a person sees them: a family emoji, a flag or "é" written as e +
    combining accent each count once."""
    return len(_GRAPHEME.findall(text))


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


def find_urls(text: str, *, bare_domains: bool = False) -> list[str]:
    """The URLs in ``text``, trailing punctuation excluded ("see https://a.com/x." gives
    "https://a.com/x"). With ``bare_domains`` "example.com" also counts as a link, as
    Bluesky's own app links it."""
    return [span.text for span in url_spans(text, bare_domains=bare_domains)]


def url_spans(text: str, *, bare_domains: bool = False) -> list[TextSpan]:
    # twitter-text's extractor already knows the TLD list, IDNs, balanced parentheses
    # and which trailing characters end a URL; writing our own would only be worse.
    spans = []
    for found in extract_urls_with_indices(text, bare_domains):
        start, end = found["indices"]
        url = found["url"]
        value = url if "://" in url else f"https://{url}"
        spans.append(_span(text, "link", start, end, value))
    return spans


def hashtag_spans(text: str) -> list[TextSpan]:
    spans = []
    for match in _HASHTAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", match.group(1))
        if not tag or not regex.search(r"[^\d\p{P}]", tag):
            continue
        start = match.start()
        end = match.start(1) + len(tag)
        spans.append(_span(text, "tag", start, end, tag))
    return spans


def find_hashtags(text: str) -> list[str]:
    """Hashtags without the "#", in order of appearance (duplicates kept)."""
    return [span.value for span in hashtag_spans(text)]


def count_hashtags(text: str) -> int:
    """How many hashtags the text carries (Instagram allows 30, LinkedIn advises few).
    Tags inside URLs ("https://a.com/#top") are not counted."""
    urls = url_spans(text)
    return sum(1 for span in hashtag_spans(text) if not _inside_any(span, urls))


# --- Mastodon ----------------------------------------------------------------------------


def mastodon_length(text: str, spoiler_text: str = "") -> int:
    """Mastodon's count: grapheme clusters, every http(s) URL as 23, a mention as its
    local part only ("@alice@example.social" counts as "@alice"). The content warning
    counts towards the same limit."""
    urls = url_spans(text)
    pieces: list[tuple[int, int, str]] = [(span.start, span.end, "x" * URL_LENGTH) for span in urls]
    for match in _MASTODON_MENTION.finditer(text):
        if any(start <= match.start() < end for start, end, _ in pieces):
            continue  # an "@" inside a URL is part of the URL
        pieces.append((match.start(), match.end(), "@" + match.group(1)))
    pieces.sort()
    countable, position = [], 0
    for start, end, replacement in pieces:
        countable.append(text[position:start])
        countable.append(replacement)
        position = end
    countable.append(text[position:])
    return grapheme_length(spoiler_text) + grapheme_length("".join(countable))


# --- X -----------------------------------------------------------------------------------


def x_weighted_length(text: str) -> int:
    """X's weighted length (limit 280): NFC-normalised, URLs 23, CJK and emoji 2,
    Latin 1; computed by twitter-text, the reference implementation X publishes."""
    return parse_tweet(text).weightedLength


# --- Bluesky -----------------------------------------------------------------------------


def bluesky_spans(text: str) -> list[TextSpan]:
    """Links, mentions and hashtags to turn into Bluesky facets, with UTF-8 byte offsets,
    in text order and never overlapping (a URL wins over a "#" or "@" inside it)."""
    links = url_spans(text, bare_domains=True)
    spans = list(links)
    for match in _BLUESKY_MENTION.finditer(text):
        span = _span(text, "mention", match.start(), match.end(), match.group(1).lower())
        if not _inside_any(span, links):
            spans.append(span)
    for span in hashtag_spans(text):
        if grapheme_length(span.value) <= BLUESKY_MAX_TAG_GRAPHEMES and not _inside_any(span, links):
            spans.append(span)
    spans.sort(key=lambda span: span.start)
    return spans


# --- internals ---------------------------------------------------------------------------


def _span(text: str, kind: str, start: int, end: int, value: str) -> TextSpan:
    byte_start = utf8_length(text[:start])
    byte_end = byte_start + utf8_length(text[start:end])
    return TextSpan(kind, start, end, byte_start, byte_end, text[start:end], value)


def _inside_any(span: TextSpan, others: list[TextSpan]) -> bool:
    return any(other.start <= span.start < other.end for other in others)


def at_handle(name: str | None) -> str:
    """A username as people write it on networks with usernames: "@name" ("" for none)."""
    name = (name or "").strip().lstrip("@")
    return f"@{name}" if name else ""
