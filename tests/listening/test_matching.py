"""What a monitor finds in a public post: terms, phrases, hashtags, handles, exclusions,
languages and case, and that a hundred monitors are one index, not a hundred scans."""

from __future__ import annotations

import time
from types import SimpleNamespace

from listening.matching import Matcher, Post, Rule, matcher_for


def monitor(pk=1, **lists):
    fields = {name: [] for name in ("terms", "phrases", "hashtags", "handles", "exclusions", "languages")}
    fields.update(lists)
    return SimpleNamespace(pk=pk, active=True, **fields)


def found(matcher, text, **post):
    return matcher.match(Post(text, **post))


def test_a_term_is_a_whole_word_in_any_case_and_also_its_hashtag():
    matcher = matcher_for([monitor(terms=["Acme"])])
    assert found(matcher, "I love ACME coffee") == {1: ["acme"]}
    assert found(matcher, "acme's new roast") == {1: ["acme"]}
    assert found(matcher, "Trying #acme today") == {1: ["acme"]}
    assert found(matcher, "Welcome to Acmeville") == {}
    assert found(matcher, "") == {}


def test_a_phrase_needs_its_words_in_order_whatever_the_punctuation_between():
    matcher = matcher_for([monitor(phrases=["cold brew"])])
    assert found(matcher, "The Cold-Brew is back") == {1: ["cold brew"]}
    assert found(matcher, "cold   brew, finally") == {1: ["cold brew"]}
    assert found(matcher, "brew it cold") == {}
    assert found(matcher, "a cold day, so I brew tea") == {}


def test_a_term_of_several_words_is_a_phrase():
    matcher = matcher_for([monitor(terms=["acme coffee"])])
    assert found(matcher, "acme coffee rocks") == {1: ["acme coffee"]}
    assert found(matcher, "acme makes coffee") == {}


def test_a_hashtag_matches_only_the_hashtag():
    matcher = matcher_for([monitor(hashtags=["#AcmeLaunch"])])
    assert found(matcher, "Big day #acmelaunch") == {1: ["#acmelaunch"]}
    assert found(matcher, "the acmelaunch was fine") == {}


def test_a_handle_matches_mentions_and_the_accounts_own_posts():
    matcher = matcher_for([monitor(handles=["@acme.bsky.social", "did:plc:rival"])])
    assert found(matcher, "hey @Acme.bsky.social, my order?") == {1: ["@acme.bsky.social"]}
    assert found(matcher, "new menu", author_handle="acme.bsky.social") == {1: ["@acme.bsky.social"]}
    assert found(matcher, "hello", author_id="did:plc:rival") == {1: ["did:plc:rival"]}
    assert found(matcher, "hey @acme.bsky.social.evil.com") == {}
    assert found(matcher, "acme.bsky.social without the at") == {}


def test_an_exclusion_drops_the_post_for_that_monitor_only():
    matcher = matcher_for([monitor(1, terms=["apple"], exclusions=["pie", "apple juice"]), monitor(2, terms=["apple"])])
    assert found(matcher, "Apple stock is up") == {1: ["apple"], 2: ["apple"]}
    assert found(matcher, "Grandma's apple PIE") == {2: ["apple"]}
    assert found(matcher, "apple juice for breakfast") == {2: ["apple"]}
    assert found(matcher, "apple, then juice") == {1: ["apple"], 2: ["apple"]}


def test_languages_keep_posts_declaring_one_of_them_or_none():
    matcher = matcher_for([monitor(terms=["acme"], languages=["en", "pt-BR"])])
    assert found(matcher, "acme rocks", langs=["en"]) == {1: ["acme"]}
    assert found(matcher, "acme é ótimo", langs=["pt"]) == {1: ["acme"]}
    assert found(matcher, "acme ist toll", langs=["de"]) == {}
    assert found(matcher, "acme ist toll", langs=["de", "EN-us"]) == {1: ["acme"]}
    assert found(matcher, "acme, no language said") == {1: ["acme"]}


def test_scripts_without_spaces_match_as_substrings():
    matcher = matcher_for([monitor(terms=["アクメ"])])
    assert found(matcher, "今日はアクメのコーヒー") == {1: ["アクメ"]}


def test_every_matching_term_is_named_once_and_inactive_monitors_are_left_out():
    paused = monitor(2, terms=["acme"])
    paused.active = False
    matcher = matcher_for([monitor(1, terms=["acme", "roast"], hashtags=["acme"]), paused])
    matched = found(matcher, "acme acme #acme roast")[1]
    assert sorted(matched) == ["#acme", "acme", "roast"]
    assert 2 not in found(matcher, "acme")


def test_a_hundred_monitors_cost_about_what_one_does():
    # given: 100 monitors of 5 terms, 2 phrases, 2 hashtags and an exclusion each
    rules = [
        Rule.from_monitor(
            monitor(
                i,
                terms=[f"brand{i}", f"product{i}a", f"product{i}b", f"ceo{i}", f"slogan{i}"],
                phrases=[f"brand{i} support", f"brand{i} outage"],
                hashtags=[f"brand{i}", f"launch{i}"],
                exclusions=[f"job{i}"],
            )
        )
        for i in range(100)
    ]
    posts = [
        Post(f"Just tried the new thing from brand{i % 150} and honestly the support was slow today #coffee")
        for i in range(2000)
    ]
    one, hundred = Matcher(rules[:1]), Matcher(rules)

    def seconds(matcher):
        started = time.perf_counter()
        for post in posts:
            matcher.match(post)
        return time.perf_counter() - started

    seconds(hundred)  # warm up
    # then: the index does not scan monitor by monitor (generous bound for a shared machine)
    assert seconds(hundred) < 3 * seconds(one) + 0.05
    assert hundred.match(Post("brand7 outage again")) == {7: ["brand7", "brand7 outage"]}
