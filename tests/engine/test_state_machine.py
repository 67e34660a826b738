"""The target state machine: every legal move allowed, every other one refused."""

from __future__ import annotations

import itertools

import pytest

from posts.models import PostStatus, PostTarget, TargetState
from posts.states import ALLOWED_TRANSITIONS, IllegalTransition, bulk_transition, transition, transition_if

ALL_STATES = [state.value for state in TargetState]
PAIRS = list(itertools.product(ALL_STATES, ALL_STATES))


def test_every_state_has_a_rule():
    assert set(ALLOWED_TRANSITIONS) == set(ALL_STATES)


def test_published_is_final():
    assert ALLOWED_TRANSITIONS[TargetState.PUBLISHED] == set()


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_transition_follows_the_table(make_target, start, to):
    # given a target in `start`
    target = make_target(state=start)
    legal = to in ALLOWED_TRANSITIONS[start]
    if legal:
        # when it moves to a legal state, then the row says so
        transition(target, to)
        assert PostTarget.objects.get(pk=target.pk).state == to
    else:
        # when the move is illegal, then it is refused and nothing changes
        with pytest.raises(IllegalTransition):
            transition(target, to)
        assert PostTarget.objects.get(pk=target.pk).state == start


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_compare_and_set_follows_the_table(make_target, start, to):
    target = make_target(state=start)
    if to in ALLOWED_TRANSITIONS[start]:
        assert transition_if(target, start, to)
        assert PostTarget.objects.get(pk=target.pk).state == to
    else:
        with pytest.raises(IllegalTransition):
            transition_if(target, start, to)
        with pytest.raises(IllegalTransition):
            bulk_transition([target.pk], start, to)
        assert PostTarget.objects.get(pk=target.pk).state == start


@pytest.mark.django_db
def test_compare_and_set_loses_when_someone_moved_first(make_target):
    # given two copies of one queued target, as two workers would hold them
    target = make_target(state=TargetState.QUEUED)
    first, second = PostTarget.objects.get(pk=target.pk), PostTarget.objects.get(pk=target.pk)
    # when both try to take the publishing lease
    assert transition_if(first, TargetState.QUEUED, TargetState.PUBLISHING, attempts=1)
    # then only the first wins; the second changes nothing
    assert not transition_if(second, TargetState.QUEUED, TargetState.PUBLISHING, attempts=2)
    row = PostTarget.objects.get(pk=target.pk)
    assert (row.state, row.attempts) == (TargetState.PUBLISHING, 1)


@pytest.mark.django_db
def test_post_status_follows_its_targets(make_target, make_account, engine_world):
    from posts.states import refresh_post_status, refresh_posts_status

    # given a post with two targets, one published and one failed
    target = make_target(state=TargetState.SCHEDULED)
    other_account = make_account(engine_world["brand"], handle="@northwind2")
    other = PostTarget.objects.create(post=target.post, account=other_account, state=TargetState.SCHEDULED)
    transition(target, TargetState.QUEUED)
    refresh_posts_status([target.post_id])
    target.post.refresh_from_db()
    assert target.post.status == PostStatus.PUBLISHING
    transition(target, TargetState.PUBLISHING)
    transition(target, TargetState.PUBLISHED)
    transition(other, TargetState.QUEUED)
    transition(other, TargetState.PUBLISHING)
    transition(other, TargetState.FAILED)
    # then the post is partially published, never "published"
    assert refresh_post_status(target.post) == PostStatus.PARTIALLY_PUBLISHED
