"""What the post page says of each part of a thread, in every state of its target."""

from __future__ import annotations

import pytest

from posts.models import FirstCommentStatus, PostTarget, TargetState
from posts.threads import first_comment_line, part_rows

DONE = {"thread": [{"id": "1", "url": "https://m.example/@a/1", "at": "2026-03-01T10:00:00+00:00"}]}


def target(state, publish_state=None, **extra):
    return PostTarget(text="One", parts=["Two", "Three"], state=state, publish_state=publish_state or {}, **extra)


@pytest.mark.parametrize(
    ("state", "publish_state", "expected"),
    [
        (TargetState.SCHEDULED, {}, ["waiting", "waiting", "waiting"]),
        (TargetState.PUBLISHING, DONE, ["published", "waiting", "waiting"]),
        (TargetState.FAILED, DONE, ["published", "failed", "waiting"]),
        (TargetState.UNKNOWN, DONE, ["published", "unknown", "waiting"]),
        # a person said the post is out while part 2 was in doubt: the rest is not confirmed
        (TargetState.PUBLISHED, DONE, ["published", "unconfirmed", "unconfirmed"]),
    ],
)
def test_each_part_says_where_it_is(state, publish_state, expected):
    rows = part_rows(target(state, publish_state))
    assert [row.state for row in rows] == expected
    assert [row.number for row in rows] == [1, 2, 3]
    assert rows[0].text == "One"


def test_a_single_post_has_no_rows():
    assert part_rows(PostTarget(text="One", parts=[], state=TargetState.PUBLISHED)) == []


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        ("", "", "First comment: sent after the post."),
        (FirstCommentStatus.PENDING, "", "First comment being sent."),
        (FirstCommentStatus.PENDING, "503. We will try again.", "First comment not sent yet: 503. We will try again."),
        (FirstCommentStatus.PUBLISHED, "", "First comment published."),
        (FirstCommentStatus.FAILED, "No permission.", "The post is live; its first comment failed: No permission."),
    ],
)
def test_the_first_comment_line(status, error, expected):
    row = PostTarget(first_comment="#coffee", first_comment_status=status, first_comment_error=error)
    assert first_comment_line(row) == expected
    assert first_comment_line(PostTarget(first_comment="")) == ""
