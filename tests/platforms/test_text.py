"""How posts are counted and parsed per network: the hard cases a composer meets."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smm.platforms.text import (
    at_handle,
    bluesky_spans,
    count_hashtags,
    find_hashtags,
    find_urls,
    grapheme_length,
    mastodon_length,
    utf8_length,
    x_weighted_length,
)

FAMILY = "👨‍👩‍👧‍👦"  # four people joined by zero-width joiners: 7 code points
FLAG = "🇺🇦"  # two regional indicators
THUMBS_DARK = "👍🏿"  # emoji + skin tone modifier
E_ACUTE_COMBINING = "e\u0301"  # e + combining acute accent
KEYCAP = "1️⃣"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("hello", 5),
        (FAMILY, 1),
        (FLAG, 1),
        (FLAG + FLAG, 2),
        (THUMBS_DARK, 1),
        (E_ACUTE_COMBINING, 1),
        (KEYCAP, 1),
        ("日本語", 3),
        ("한국어", 3),  # precomposed Hangul
        ("\u1100\u1161\u11a8", 1),  # Hangul jamo forming one syllable
        ("a\r\nb", 3),  # CR LF is one grapheme
    ],
)
def test_grapheme_length_counts_what_a_person_sees(text, expected):
    assert grapheme_length(text) == expected


def test_utf8_length_is_bytes():
    assert utf8_length("é") == 2
    assert utf8_length(FAMILY) == 25


# --- URLs ------------------------------------------------------------------------------------


def test_find_urls_excludes_trailing_punctuation_and_keeps_balanced_parentheses():
    # given
    text = "See https://example.com/a. Also (https://en.wikipedia.org/wiki/Rust_(language)) and https://例え.jp/x!"

    # when / then
    assert find_urls(text) == [
        "https://example.com/a",
        "https://en.wikipedia.org/wiki/Rust_(language)",
        "https://例え.jp/x",
    ]


def test_bare_domains_are_links_only_when_asked():
    assert find_urls("visit example.com today") == []
    assert find_urls("visit example.com today", bare_domains=True) == ["example.com"]
    assert find_urls("mail me at me@example.com", bare_domains=True) == []


# --- hashtags --------------------------------------------------------------------------------


def test_hashtags_need_a_letter_and_a_word_boundary():
    # given
    text = "#launch! #2026 #a1 page#2 ＃日本 #café. https://example.com/#top ##double"

    # when / then
    assert find_hashtags(text) == ["launch", "a1", "日本", "café"]
    assert count_hashtags(text) == 4


def test_count_hashtags_on_plain_text():
    assert count_hashtags("") == 0
    assert count_hashtags("#one #two\n#three") == 3


# --- Mastodon --------------------------------------------------------------------------------


def test_mastodon_counts_urls_as_23_whatever_their_length():
    short = "https://a.co"
    long = "https://example.com/" + "x" * 300
    assert mastodon_length(short) == 23
    assert mastodon_length(long) == 23


def test_mastodon_counts_a_mention_by_its_local_part():
    assert mastodon_length("@alice@mastodon.social") == len("@alice")
    assert mastodon_length("hi @bob") == 7
    # an e-mail address is not a mention
    assert mastodon_length("bob@example.org") == len("bob@example.org")


def test_mastodon_at_the_limit_and_one_over():
    # given: 477 characters + a URL (23) = exactly 500
    at_limit = "a" * 476 + " https://example.com/path"
    assert mastodon_length(at_limit) == 500
    assert mastodon_length(at_limit + "!") == 501


def test_mastodon_counts_emoji_as_graphemes_and_adds_the_content_warning():
    assert mastodon_length(FAMILY + FLAG + E_ACUTE_COMBINING) == 3
    assert mastodon_length("body", spoiler_text="CW: spoilers") == 4 + 12


# --- X -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 280, 280),
        ("a" * 281, 281),
        ("日" * 140, 280),
        ("日" * 141, 282),
        (FAMILY, 2),
        (FLAG, 2),
        (THUMBS_DARK, 2),
        (E_ACUTE_COMBINING, 1),  # NFC folds it into é
        ("https://example.com/" + "x" * 100, 23),
        ("café ☕", 7),
    ],
)
def test_x_weighted_length(text, expected):
    assert x_weighted_length(text) == expected


# --- Bluesky facets ----------------------------------------------------------------------------


def test_bluesky_spans_carry_utf8_byte_offsets():
    # given: multi-byte characters before every facet
    text = "🎉 Ünïcode @alice.bsky.social → example.com/launch #日本 #Ok!"

    # when
    spans = bluesky_spans(text)

    # then: slicing the UTF-8 bytes gives back each span's text
    encoded = text.encode("utf-8")
    assert [(span.kind, encoded[span.byte_start : span.byte_end].decode()) for span in spans] == [
        ("mention", "@alice.bsky.social"),
        ("link", "example.com/launch"),
        ("tag", "#日本"),
        ("tag", "#Ok"),
    ]
    assert [span.value for span in spans] == ["alice.bsky.social", "https://example.com/launch", "日本", "Ok"]


def test_bluesky_does_not_tag_inside_links_or_mention_bare_names():
    spans = bluesky_spans("https://example.com/#section and @justaname and a@b.com")
    assert [span.kind for span in spans] == ["link"]


def test_bluesky_skips_tags_longer_than_64_graphemes():
    assert bluesky_spans("#" + "a" * 64)[0].value == "a" * 64
    assert bluesky_spans("#" + "a" * 65) == []


PIECES = [*"ab #@.é日🎉\n", FAMILY, "example.com ", "https://x.org/p ", "@al.bsky.social "]


@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_every_span_slices_back_to_its_text(text):
    encoded = text.encode("utf-8")
    for span in bluesky_spans(text):
        assert text[span.start : span.end] == span.text
        assert encoded[span.byte_start : span.byte_end].decode("utf-8") == span.text


@pytest.mark.parametrize(
    ("name", "handle"), [("acme", "@acme"), ("@acme", "@acme"), (" acme ", "@acme"), ("", ""), (None, "")]
)
def test_a_username_is_written_with_one_at_and_no_username_is_no_handle(name, handle):
    assert at_handle(name) == handle
