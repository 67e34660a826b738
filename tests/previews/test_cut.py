"""Where each network cuts a post with its "more" link (posts.previews.cut: the same rule
as the composer's script, which test_previews_browser checks against it)."""

import pytest

from posts.previews import PREVIEW_RULES, cut

LONG = "word " * 100  # 500 characters


@pytest.mark.parametrize(
    ("network", "cuts_at"),
    [("instagram", 125), ("linkedin", 210), ("facebook", 480)],
)
def test_networks_that_fold_cut_at_their_length_on_a_word_boundary(network, cuts_at):
    shown, cut_here = cut(network, LONG)
    assert cut_here
    assert len(shown) <= cuts_at
    assert len(shown) > cuts_at - 20
    assert shown.endswith("word")  # no half word


@pytest.mark.parametrize("network", ["mastodon", "x", "bluesky", "threads"])
def test_networks_that_show_all_never_cut(network):
    assert cut(network, LONG) == (LONG.strip(), False)


def test_a_text_just_within_the_length_is_not_cut():
    assert cut("instagram", "a" * 125) == ("a" * 125, False)
    assert cut("instagram", "a" * 126) == ("a" * 125, True)  # one word: cut mid-word, nothing better


@pytest.mark.parametrize(("network", "lines"), [("instagram", 2), ("linkedin", 3), ("facebook", 5)])
def test_line_breaks_fold_before_the_length(network, lines):
    text = "\n".join(f"line {n}" for n in range(1, 9))
    shown, cut_here = cut(network, text)
    assert cut_here
    assert shown.split("\n") == [f"line {n}" for n in range(1, lines + 1)]


def test_characters_are_counted_as_code_points():
    shown, _ = cut("instagram", "☕" * 200)
    assert shown == "☕" * 125


def test_every_network_in_the_registry_has_rules():
    from smm.platforms.registry import NETWORKS

    assert set(NETWORKS) <= set(PREVIEW_RULES)
    for rules in PREVIEW_RULES.values():
        low, high = rules["aspect"]
        assert 0 < low < high
