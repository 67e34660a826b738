"""The networks' own rules, through the real adapters: what the composer shows while
typing and what blocks scheduling."""

import pytest
from django.core.exceptions import ValidationError

from posts import actions
from posts.actions import ContentInvalid
from posts.models import PostStatus
from posts.validation import check_target

pytestmark = pytest.mark.django_db

LONG_URL = "https://example.com/" + "a" * 120


def test_mastodon_counts_a_link_as_23_characters(team):
    # given: 470 letters, a space, and a 140-character link
    text = "x" * 470 + " " + LONG_URL
    # when
    check = check_target(team.mastodon, text, [])
    # then: 470 + 1 + 23 = 494 of 500
    assert check.length == 494
    assert check.remaining == 6
    assert check.ok


def test_mastodon_over_the_limit_says_by_how_much(team):
    check = check_target(team.mastodon, "x" * 481 + " " + LONG_URL, [])
    assert check.length == 505
    assert [p.message for p in check.problems] == ["This is 5 characters over Mastodon's 500-character limit."]


def test_an_instance_that_allows_longer_posts_is_taken_at_its_word(team, write_post, tomorrow):
    # given: the account's instance announced 1,000 characters when it was connected
    team.mastodon.limits = {"max_text_length": 1000}
    team.mastodon.save()

    # when typing 800 characters, then 1,005
    fits = check_target(team.mastodon, "x" * 800, [])
    over = check_target(team.mastodon, "x" * 1005, [])

    # then: the counter counts down from the instance's limit, not the stock 500
    assert (fits.ok, fits.limit, fits.remaining) == (True, 1000, 200)
    assert [p.message for p in over.problems] == ["This is 5 characters over Mastodon's 1,000-character limit."]
    # and an 800-character post to that account alone can be scheduled
    post = write_post("x" * 800, accounts=[team.mastodon])
    actions.schedule_post(post, tomorrow, team.editor)
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED


def test_x_weighs_emoji_as_two(team):
    # given: 270 letters and 5 emoji = 280 weighted
    text = "a" * 270 + "☕" * 5
    check = check_target(team.x, text, [])
    assert check.length == 280
    assert check.ok
    # when: one more emoji
    check = check_target(team.x, text + "☕", [])
    # then
    assert check.length == 282
    assert check.problems[0].message.startswith("This is 2 characters over X's 280-character limit")


def test_hashtags_are_counted(team):
    assert check_target(team.mastodon, "Beans #coffee #roastery #monday", []).hashtags == 3


def test_scheduling_is_blocked_with_per_field_messages(team, write_post, tomorrow):
    # given: the main text fits Mastodon but not X; X's variant follows the main text
    post = write_post("b" * 300)
    # when
    with pytest.raises(ContentInvalid) as refused:
        actions.schedule_post(post, tomorrow, team.editor)
    # then: the message is on the main text, names the account, and the post stays a draft
    assert refused.value.message_dict == {
        "text": [
            "X @acmecoffee: This is 20 characters over X's 280-character limit "
            "(links count as 23, emoji and CJK characters as 2)."
        ]
    }
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_problem_in_an_adapted_variant_belongs_to_that_variant(team, write_post, tomorrow):
    post = write_post("Short and sweet", variants={team.x.pk: "y" * 290})
    with pytest.raises(ValidationError) as refused:
        actions.schedule_post(post, tomorrow, team.editor)
    assert list(refused.value.message_dict) == [f"variant_{team.x.pk}"]


def test_an_empty_post_is_refused_by_each_network(team, write_post, tomorrow):
    post = write_post("   ")
    with pytest.raises(ContentInvalid) as refused:
        actions.schedule_post(post, tomorrow, team.editor)
    assert len(refused.value.message_dict["text"]) == 2
