"""Property-based checks (Hypothesis): text counters and validators never crash and stay
consistent on any Unicode, and KPI arithmetic never divides by zero and adds up."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smm.platforms import get_adapter
from smm.platforms import text as counting
from smm.platforms.base import PostContent

ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=400) | st.text(max_size=60)
# Text shaped like posts: words, URLs, hashtags, mentions, emoji and combining marks.
PIECES = st.sampled_from(
    [
        "hello",
        " ",
        "#tag",
        "@user",
        "https://example.com/a?b=c",
        "example.org",
        "👩🏽‍💻",
        "é",
        "e\u0301",
        "\n",
        "字",
        "🇫🇷",
    ]
)
POSTY_TEXT = st.lists(PIECES, max_size=120).map("".join)
NETWORKS = ["mastodon", "x", "bluesky", "linkedin", "facebook", "instagram", "threads"]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(ANY_TEXT | POSTY_TEXT)
def test_counters_never_crash_or_go_negative(text):
    assert counting.grapheme_length(text) >= 0
    assert counting.utf8_length(text) == len(text.encode("utf-8", "surrogatepass"))
    assert counting.mastodon_length(text) >= 0
    assert counting.x_weighted_length(text) >= 0
    assert counting.count_hashtags(text) >= 0
    assert counting.grapheme_length(text) <= len(text)
    for span in counting.bluesky_spans(text) + counting.url_spans(text) + counting.hashtag_spans(text):
        assert 0 <= span.start <= span.end


@FAST
@given(ANY_TEXT | POSTY_TEXT)
def test_empty_and_nonempty_agree(text):
    assert (counting.grapheme_length(text) == 0) == (text == "")


@pytest.mark.parametrize("network", NETWORKS)
def test_each_adapter_counts_and_validates_any_text(network):
    adapter = get_adapter(network)

    @FAST
    @given(ANY_TEXT | POSTY_TEXT)
    def check(text):
        length = adapter.text_length(text)
        assert length >= 0
        problems = adapter.validate(PostContent(text=text))
        too_long = [p for p in problems if p.code in ("too_long", "too_many_bytes")]
        limit = getattr(adapter, "max_text_length", None)
        if limit:
            extra_limit = network == "bluesky" and counting.utf8_length(text) > 3000
            # valid (as far as length goes) iff within the limit
            assert bool(too_long) == (length > limit or extra_limit), (length, limit, problems)

    check()


@FAST
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_x_length_of_ascii_is_its_length_and_limit_edge(n, _):
    text = "a" * n
    assert counting.x_weighted_length(text) == n
    assert (n > 280) == any("over" in p.message for p in get_adapter("x").validate(PostContent(text=text)))


# --- KPIs ----------------------------------------------------------------------------------------

NUMBER = st.one_of(st.none(), st.integers(min_value=0, max_value=10**9))


@FAST
@given(st.fixed_dictionaries(dict.fromkeys(("likes", "comments", "shares", "saves", "clicks", "impressions"), NUMBER)))
def test_engagements_are_the_sum_of_the_reported_parts(values):
    from analytics.models import ENGAGEMENT_PARTS, engagements_of

    parts = [values[k] for k in ENGAGEMENT_PARTS if values[k] is not None]
    assert engagements_of(values) == (sum(parts) if parts else None)


def _row(dim, current, impressions, engagements, clicks, posts):
    return {
        "dim": dim,
        "current": current,
        "measured": posts,
        "sum_impressions": impressions,
        "sum_reach": impressions,
        "sum_engagements": engagements,
        "sum_clicks": clicks,
        "rate_posts": posts if impressions else 0,
        "rate_engagements": engagements if impressions else 0,
        "rate_impressions": impressions,
        "ctr_clicks": clicks if impressions else 0,
        "ctr_impressions": impressions,
    }


ROWS = st.lists(
    st.tuples(
        st.sampled_from(["mastodon", "x", "bluesky"]),
        st.booleans(),
        st.integers(0, 10**7),
        st.integers(0, 10**6),
        st.integers(0, 10**5),
        st.integers(0, 50),
    ),
    max_size=8,
    unique_by=lambda r: (r[0], r[1]),
)


@FAST
@given(ROWS)
def test_kpi_table_totals_add_up_and_rates_never_divide_by_zero(rows):
    from analytics.frames import kpi_table, value

    sums = [_row(*r) for r in rows]
    table = kpi_table(sums, [], [{"current": True, "posts": 0}, {"current": False, "posts": 0}], [])
    for which, flag in (("cur", True), ("prev", False)):
        mine = [r for r in rows if r[1] is flag]
        total_impressions = value(table, "total", "impressions", which)
        expected = sum(r[2] for r in mine)
        assert (total_impressions or 0) == expected
        assert (value(table, "total", "engagements", which) or 0) == sum(r[3] for r in mine)
        rate = value(table, "total", "engagement_rate", which)
        if expected == 0:
            assert rate is None
        else:
            assert rate is not None and math.isfinite(rate) and rate >= 0
        ctr = value(table, "total", "ctr", which)
        assert ctr is None or math.isfinite(ctr)


@FAST
@given(
    st.one_of(st.none(), st.floats(-1e9, 1e9)),
    st.one_of(st.none(), st.floats(-1e9, 1e9)),
    st.sampled_from(["number", "rate", "duration"]),
)
def test_change_against_previous_never_divides_by_zero(cur, prev, kind):
    from analytics.frames import delta

    change = delta(cur, prev, kind)
    assert change["trend"] in {"up", "down", "flat", "none"}
    if prev == 0:
        assert change["pct"] is None
