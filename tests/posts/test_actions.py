"""What each role may do to a post, and how a post moves: schedule, approve, send back,
move, queue, unschedule, cancel, duplicate, retry. Every change is in the audit log."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from posts import actions
from posts.models import PostComment, PostingSlot, PostStatus, PostTarget, TargetState
from posts.states import transition
from smm.models import AuditEvent

pytestmark = pytest.mark.django_db


def states(post):
    return sorted(post.targets.values_list("state", flat=True))


def verbs(post):
    return list(
        AuditEvent.objects.filter(subject_type="posts.post", subject_id=str(post.pk))
        .order_by("created_at", "id")
        .values_list("verb", flat=True)
    )


def test_create_post_makes_one_target_per_account_with_variants(team, write_post):
    # given / when: an editor writes once, adapting the X text
    post = write_post("Hello from the roastery", variants={team.x.pk: "Hello X"})
    # then
    texts = {t.account_id: t.text for t in post.targets.all()}
    assert texts == {team.mastodon.pk: "Hello from the roastery", team.x.pk: "Hello X"}
    assert post.status == PostStatus.DRAFT
    assert verbs(post) == ["post.created"]


def test_a_client_cannot_write_posts(team, write_post):
    with pytest.raises(PermissionDenied):
        write_post(author=team.client)


def test_accounts_of_another_brand_are_refused(team, write_post, make_brand, make_account):
    other = make_account(make_brand(team.workspace, "Other"), "mastodon", "@other")
    with pytest.raises(ValidationError):
        write_post(accounts=[other])


def test_contributor_schedules_into_approval(team, write_post, tomorrow):
    # given: contributors need approval in this workspace
    post = write_post(author=team.contributor)
    # when
    post = actions.schedule_post(post, tomorrow, team.contributor)
    # then: both targets wait for approval; nothing will be dispatched
    assert states(post) == [TargetState.PENDING_APPROVAL] * 2
    assert post.status == PostStatus.PENDING_APPROVAL
    assert not PostTarget.objects.due(tomorrow + dt.timedelta(hours=1)).exists()
    assert verbs(post)[-1] == "post.submitted"


def test_editor_schedules_directly_unless_the_policy_includes_editors(team, write_post, tomorrow):
    # given / when: policy "contributors only"
    post = actions.schedule_post(write_post(), tomorrow, team.editor)
    # then
    assert states(post) == [TargetState.SCHEDULED] * 2
    assert set(post.targets.values_list("due_at", flat=True)) == {tomorrow}

    # given: the workspace now wants approval for editors as well
    team.workspace.approval_policy = "contributors_editors"
    team.workspace.save()
    # when
    post2 = actions.schedule_post(write_post("Another one"), tomorrow, team.editor)
    # then
    assert post2.status == PostStatus.PENDING_APPROVAL


def test_manager_never_needs_approval(team, write_post, tomorrow):
    team.workspace.approval_policy = "contributors_editors"
    team.workspace.save()
    post = actions.schedule_post(write_post(author=team.manager), tomorrow, team.manager)
    assert post.status == PostStatus.SCHEDULED


def test_client_cannot_schedule_but_can_approve(team, write_post, tomorrow):
    # given: a contributor's post waiting for approval
    post = actions.schedule_post(write_post(author=team.contributor), tomorrow, team.contributor)
    # when / then: the client may not schedule
    with pytest.raises(PermissionDenied):
        actions.schedule_post(post, tomorrow, team.client)
    # when: the client approves
    post = actions.approve(post, team.client)
    # then
    assert post.status == PostStatus.SCHEDULED
    assert states(post) == [TargetState.SCHEDULED] * 2
    assert post.approved_by == team.client
    assert verbs(post)[-1] == "post.approved"


@pytest.mark.parametrize("role", ["editor", "contributor"])
def test_writers_cannot_approve(team, write_post, tomorrow, role):
    post = actions.schedule_post(write_post(author=team.contributor), tomorrow, team.contributor)
    with pytest.raises(PermissionDenied):
        actions.approve(post, getattr(team, role))


def test_request_changes_sends_the_post_back_with_a_comment(team, write_post, tomorrow):
    # given
    post = actions.schedule_post(write_post(author=team.contributor), tomorrow, team.contributor)
    # when: a comment is required
    with pytest.raises(ValidationError) as refused:
        actions.request_changes(post, team.manager, "  ")
    assert "Say what should change" in str(refused.value)
    post = actions.request_changes(post, team.manager, "Mention the opening hours, please.")
    # then
    assert post.status == PostStatus.CHANGES_REQUESTED
    assert states(post) == [TargetState.DRAFT] * 2
    comment = PostComment.objects.get(post=post)
    assert (comment.kind, comment.text) == ("changes_requested", "Mention the opening hours, please.")
    assert verbs(post)[-1] == "post.changes_requested"


def test_approving_something_not_waiting_is_refused(team, write_post):
    with pytest.raises(ValidationError, match="not waiting for approval"):
        actions.approve(write_post(), team.manager)


def test_scheduling_in_the_past_is_refused(team, write_post):
    with pytest.raises(ValidationError, match="already passed"):
        actions.schedule_post(write_post(), timezone.now() - dt.timedelta(hours=1), team.editor)


def test_scheduling_without_accounts_is_refused(team, write_post, tomorrow):
    with pytest.raises(ValidationError, match="at least one account"):
        actions.schedule_post(write_post(accounts=[]), tomorrow, team.editor)


def test_reschedule_moves_the_targets(team, write_post, tomorrow):
    # given
    post = actions.schedule_post(write_post(), tomorrow, team.editor)
    later = tomorrow + dt.timedelta(hours=3)
    # when
    post = actions.reschedule_post(post, later, team.editor)
    # then
    assert post.scheduled_at == later
    assert set(post.targets.values_list("due_at", flat=True)) == {later}
    assert post.status == PostStatus.SCHEDULED
    assert verbs(post)[-1] == "post.rescheduled"


def test_a_contributors_move_goes_back_to_approval(team, write_post, tomorrow):
    # given: an approved contributor post
    post = actions.schedule_post(write_post(author=team.contributor), tomorrow, team.contributor)
    actions.approve(post, team.manager)
    # when: the contributor drags it to another day
    post = actions.reschedule_post(post, tomorrow + dt.timedelta(days=1), team.contributor)
    # then
    assert post.status == PostStatus.PENDING_APPROVAL
    assert post.approved_by is None


def test_a_published_post_cannot_move(team, write_post, tomorrow):
    # given: one target has gone out
    post = actions.schedule_post(write_post(), tomorrow, team.editor)
    target = post.targets.first()
    transition(target, TargetState.QUEUED)
    transition(target, TargetState.PUBLISHING)
    transition(target, TargetState.PUBLISHED, published_at=timezone.now())
    # when / then
    with pytest.raises(ValidationError) as refused:
        actions.reschedule_post(post, tomorrow + dt.timedelta(hours=1), team.editor)
    assert refused.value.messages == ["This post is publishing or published already, so it cannot move."]


def test_publish_now_is_due_at_once_for_an_editor_and_refused_for_a_contributor(team, write_post):
    post = actions.publish_now(write_post(), team.editor)
    assert PostTarget.objects.due(timezone.now() + dt.timedelta(seconds=1)).filter(post=post).count() == 2
    with pytest.raises(ValidationError, match="need approval"):
        actions.publish_now(write_post(author=team.contributor), team.contributor)


def test_add_to_queue_takes_the_next_free_slot(team, write_post):
    # given: two daily slots (every weekday) at 9:00 and 17:00 Berlin
    for weekday in range(7):
        PostingSlot.objects.create(brand=team.brand, weekday=weekday, time=dt.time(9, 0))
        PostingSlot.objects.create(brand=team.brand, weekday=weekday, time=dt.time(17, 0))
    # when: two posts are queued one after the other
    first = actions.add_to_queue(write_post("one"), team.editor)
    second = actions.add_to_queue(write_post("two"), team.editor)
    # then: both are scheduled, in consecutive, different slots, in the future
    assert first.status == second.status == PostStatus.SCHEDULED
    assert timezone.now() < first.scheduled_at < second.scheduled_at
    local_times = {p.scheduled_at.astimezone(team.brand.tz).strftime("%H:%M") for p in (first, second)}
    assert local_times == {"09:00", "17:00"}


def test_add_to_queue_without_slots_says_so(team, write_post):
    with pytest.raises(ValidationError, match="no posting slots"):
        actions.add_to_queue(write_post(), team.editor)


def test_unschedule_and_cancel(team, write_post, tomorrow):
    post = actions.schedule_post(write_post(), tomorrow, team.editor)
    post = actions.unschedule(post, team.editor)
    assert post.status == PostStatus.DRAFT
    assert states(post) == [TargetState.DRAFT] * 2
    post = actions.cancel(post, team.editor)
    assert post.status == PostStatus.CANCELLED
    assert verbs(post)[-3:] == ["post.scheduled", "post.unscheduled", "post.cancelled"]


def test_cancel_keeps_what_is_published(team, write_post, tomorrow):
    post = actions.schedule_post(write_post(), tomorrow, team.editor)
    published, waiting = list(post.targets.all())
    transition(published, TargetState.QUEUED)
    transition(published, TargetState.PUBLISHING)
    transition(published, TargetState.PUBLISHED)
    post = actions.cancel(post, team.editor)
    waiting.refresh_from_db()
    published.refresh_from_db()
    assert (published.state, waiting.state) == (TargetState.PUBLISHED, TargetState.CANCELLED)
    assert post.status == PostStatus.PUBLISHED


def test_duplicate_copies_text_variants_and_accounts_as_a_draft(team, write_post, tomorrow):
    post = actions.schedule_post(write_post("Main", variants={team.x.pk: "Short"}), tomorrow, team.editor)
    copy = actions.duplicate(post, team.editor)
    assert copy.pk != post.pk
    assert copy.status == PostStatus.DRAFT
    assert {t.account_id: t.text for t in copy.targets.all()} == {team.mastodon.pk: "Main", team.x.pk: "Short"}
    assert "post.duplicated" in verbs(post)


def test_retry_puts_a_failed_target_back_due_now(team, write_post, tomorrow):
    # given: the X target failed for good
    post = actions.schedule_post(write_post(), tomorrow, team.editor)
    target = post.targets.get(account=team.x)
    transition(target, TargetState.QUEUED)
    transition(target, TargetState.PUBLISHING, attempts=3)
    transition(target, TargetState.FAILED, error_kind="permanent", error_user_message="X said no.")
    # when
    actions.retry_target(target, team.editor)
    # then
    target.refresh_from_db()
    assert target.state == TargetState.SCHEDULED
    assert target.due_at <= timezone.now()
    assert (target.attempts, target.error_user_message) == (0, "")
    assert verbs(post)[-1] == "post.retried"


def test_retry_of_a_scheduled_target_is_refused(team, write_post, tomorrow):
    post = actions.schedule_post(write_post(), tomorrow, team.editor)
    with pytest.raises(ValidationError, match="Only a failed post"):
        actions.retry_target(post.targets.first(), team.editor)


def test_editing_a_scheduled_post_as_contributor_goes_back_to_approval(team, write_post, tomorrow):
    # given: an approved contributor post
    post = actions.schedule_post(write_post(author=team.contributor), tomorrow, team.contributor)
    actions.approve(post, team.manager)
    # when: the contributor changes the text
    post = actions.update_post(post, team.contributor, text="Changed after approval")
    # then: approval again, and the followers of the main text follow it
    post.refresh_from_db()
    assert post.status == PostStatus.PENDING_APPROVAL
    assert set(post.targets.values_list("text", flat=True)) == {"Changed after approval"}


def test_update_keeps_custom_variants_when_the_main_text_changes(team, write_post):
    post = write_post("Main", variants={team.x.pk: "Custom for X"})
    actions.update_post(post, team.editor, text="New main")
    texts = {t.account_id: t.text for t in post.targets.all()}
    assert texts == {team.mastodon.pk: "New main", team.x.pk: "Custom for X"}


def test_comments_are_for_everyone_in_the_workspace(team, write_post):
    post = write_post()
    comment = actions.add_comment(post, team.client, "Looks good to me")
    assert comment.text == "Looks good to me"
    assert verbs(post)[-1] == "post.commented"


def test_schedule_warns_about_the_same_text_within_30_days(team, write_post, tomorrow):
    # given: the same text already scheduled to the same accounts a week later
    actions.schedule_post(write_post("Same old words"), tomorrow + dt.timedelta(days=7), team.editor)
    # when
    post = actions.schedule_post(write_post("same  old words"), tomorrow, team.editor)
    # then: a warning per account, not a refusal
    assert post.status == PostStatus.SCHEDULED
    assert len([w for w in post.warnings if "same text" in w]) == 2
    assert "7 days apart" in post.warnings[0]


def test_schedule_warns_about_two_posts_within_ten_minutes(team, write_post, tomorrow):
    actions.schedule_post(write_post("First", accounts=[team.mastodon]), tomorrow, team.editor)
    post = actions.schedule_post(
        write_post("Second", accounts=[team.mastodon]), tomorrow + dt.timedelta(minutes=5), team.editor
    )
    assert post.warnings == [
        f"Another post of this brand goes to {team.mastodon} 5 minutes from this one (post #{post.pk - 1})."
    ]
