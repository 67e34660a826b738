"""Each row checked with the composer's rules; a dry run creates nothing; a real run
creates exactly the valid rows and reports the rest; re-runs never duplicate."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from posts import bulk
from posts.models import BulkImport, BulkImportRow, Notification, Post, PostStatus, PostTarget, TargetState
from smm.models import AuditEvent

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def future(days=3, hour=10, minute=0) -> str:
    day = timezone.now().astimezone(PARIS).date() + dt.timedelta(days=days)
    return f"{day:%Y-%m-%d} {hour:02d}:{minute:02d}"


def messages_of(job, number) -> list[str]:
    return [m["message"] for m in job.rows.get(number=number).messages]


def test_a_dry_run_checks_every_row_and_creates_nothing(world, run_import):
    job = run_import(
        f"accounts,text,scheduled_at\n@northwind,Hello X,{future()}\n@nobody,Hi,\n",
        dry_run=True,
    )
    assert job.status == BulkImport.Status.DONE
    assert (job.total_rows, job.ok_rows, job.error_rows, job.imported_rows) == (2, 1, 1, 0)
    assert Post.objects.count() == 0 and PostTarget.objects.count() == 0
    assert job.rows.get(number=2).status == BulkImportRow.Status.OK


def test_a_real_run_creates_exactly_the_valid_rows_scheduled_with_their_texts(world, run_import):
    when = future(days=4, hour=11, minute=30)
    text = (
        "accounts,text,text_x,media,scheduled_at,link,campaign\n"
        f'"@northwind@social.example|x:@northwind","Spring blend\nis here",Spring ☕ #coffee,spring.png,{when},'
        "acme.example/spring,spring launch\n"
        f"@nobody,Not an account,,,{when},,\n"
        "bluesky,Into the next free slot,,,,,\n"
    )
    job = run_import(text)
    assert (job.ok_rows, job.error_rows, job.imported_rows) == (2, 1, 2)
    assert Post.objects.count() == 2
    post = job.rows.get(number=2).post
    assert post.status == PostStatus.SCHEDULED
    assert post.text == "Spring blend\nis here"
    assert post.link == "https://acme.example/spring"
    assert post.campaign == world["campaign"]
    assert list(post.media.all()) == [world["asset"]]
    local = dt.datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=PARIS)
    assert post.scheduled_at == local
    targets = {t.account.network: t for t in post.targets.select_related("account")}
    assert targets["x"].text == "Spring ☕ #coffee" and targets["mastodon"].text == post.text
    assert {t.state for t in targets.values()} == {TargetState.SCHEDULED}
    assert all(t.due_at == post.scheduled_at for t in targets.values())
    # the same history as a post written in the composer
    verbs = list(
        AuditEvent.objects.filter(subject_type="posts.post", subject_id=str(post.pk)).values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["post.created", "post.scheduled"]
    slot_post = job.rows.get(number=4).post
    assert job.rows.get(number=4).from_slot
    assert slot_post.targets.get().account == world["bluesky"]


def test_blank_times_fill_the_next_free_slots_in_row_order_skipping_taken_ones(world, run_import):
    now = timezone.now()
    # take the very next slot with an existing scheduled post
    from posts.scheduling import next_free_slot

    first = next_free_slot(world["brand"], now)
    Post.objects.create(
        workspace=world["ws"], brand=world["brand"], text="Already there", scheduled_at=first, status="scheduled"
    )
    expected, after = [], now
    while len(expected) < 3:  # (asked before the import holds them)
        after = next_free_slot(world["brand"], after)
        expected.append(after)
    job = run_import("accounts,text,scheduled_at\n@northwind,One,\n@northwind,Two,\n@northwind,Three,\n")
    times = [row.scheduled_at for row in job.rows.order_by("number")]
    assert times == expected
    assert len(set(times)) == 3 and first not in times
    assert all(row.from_slot for row in job.rows.all())


def test_a_timed_row_holds_its_slot_against_blank_rows_above_it(world, run_import):
    from posts.scheduling import next_free_slot

    slot = next_free_slot(world["brand"], timezone.now())
    local = slot.astimezone(PARIS)
    job = run_import(f"accounts,text,scheduled_at\n@northwind,Blank,\n@northwind,Timed,{local:%Y-%m-%d %H:%M}\n")
    blank, timed = job.rows.order_by("number")
    assert timed.scheduled_at == slot and not timed.from_slot
    assert blank.scheduled_at != slot and blank.from_slot


def test_no_slots_or_all_taken_is_said_per_row(world, run_import):
    world["brand"].posting_slots.all().delete()
    job = run_import("accounts,text,scheduled_at\n@northwind,Blank,\n")
    assert messages_of(job, 2) == [
        "Northwind Coffee has no posting slots yet: give this row a time, or add slots on its posting slots page."
    ]


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("@nobody,Hi,", "accounts", "Northwind Coffee has no account “@nobody”. Its accounts: mastodon:"),
        (",Hi,", "accounts", "No account: write the brand's accounts"),
        ("linkedin,Hi,", "accounts", "Northwind Coffee has no LinkedIn account."),
        ("@northwind,Hi,2026-13-40 09:00", "scheduled_at", "“2026-13-40 09:00” is not a real date and time."),
        ("@northwind,Hi,02/03/2027 09:00", "scheduled_at", "is not a time we read: write 2026-03-02 09:00"),
        ("@northwind,Hi,2027-03-02", "scheduled_at", "has no time of day: write it as 2027-03-02 09:00"),
        ("@northwind,Hi,2020-01-06 09:00", "scheduled_at", "Mon 06 Jan 2020 09:00 Europe/Paris has already passed"),
        ("@northwind,,", "text", "This row has no text and no image"),
        ("@northwind," + "x" * 300 + ",", "text", "X @northwind: "),
    ],
)
def test_each_row_error_in_words_under_its_column(world, run_import, row, column, words):
    job = run_import(f"accounts,text,scheduled_at\n{row}\n")
    (message,) = job.rows.get(number=2).messages
    assert message["field"] == column
    assert words in message["message"]
    assert Post.objects.count() == 0


def test_more_row_errors_media_link_campaign_and_ambiguous_handles(world, run_import, make_account):
    make_account(world["brand"], "threads", "@northwind", remote_id="th1")  # now @northwind is on X and Threads
    job = run_import(
        "accounts,text,media,link,campaign\n@northwind,Hi,,,\nx,Hi,missing.jpg,,\nx,Hi,,not a link,\nx,Hi,,,Autumn\n"
    )
    assert messages_of(job, 2) == ["“@northwind” is on 2 networks: write x:@northwind or threads:@northwind."]
    assert messages_of(job, 3) == [
        "No image called “missing.jpg” in the media library: upload it there first, or give its https:// address."
    ]
    assert "The link “https://not a link” is not a web address" in messages_of(job, 4)[0]
    assert messages_of(job, 5) == [
        "No campaign called “Autumn”: create it on the Campaigns page first, or leave the cell blank."
    ]


def test_accounts_of_another_brand_disconnected_or_without_credentials(world, run_import, make_brand, make_account):
    other = make_brand(world["ws"], "Other Brand")
    make_account(other, "x", "@elsewhere")
    world["bluesky"].status = "disconnected"
    world["bluesky"].save()
    world["mastodon"].credentials = {}
    world["mastodon"].status_reason = "Demo account: shows history only."
    world["mastodon"].save()
    job = run_import("accounts,text\n@elsewhere,Hi\nbluesky:@northwind.bsky.social,Hi\nmastodon,Hi\n")
    assert messages_of(job, 2) == ["“@elsewhere” is an account of Other Brand, not of Northwind Coffee."]
    assert "is disconnected: reconnect it" in messages_of(job, 3)[0]
    assert (
        messages_of(job, 4)
        == ["Mastodon @northwind@social.example cannot be posted to: Demo account: shows history only."]
        or "cannot be posted to: Demo account" in messages_of(job, 4)[0]
    )


def test_a_time_that_does_not_exist_is_moved_and_said(world, run_import):
    year = timezone.now().year + 1
    # the last Sunday of March: clocks go forward at 2:00 in Paris
    day = max(dt.date(year, 3, d) for d in range(25, 32) if dt.date(year, 3, d).weekday() == 6)
    job = run_import(f"accounts,text,scheduled_at\n@northwind,Hi,{day} 02:30\n")
    row = job.rows.get(number=2)
    assert row.status == BulkImportRow.Status.IMPORTED
    assert row.scheduled_at.astimezone(PARIS).hour == 3
    assert "does not exist" in row.warnings[0]


def test_an_offset_time_is_taken_as_written(world, run_import):
    when = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0, second=0)
    job = run_import(
        f"accounts,text,scheduled_at\n@northwind,Hi,{when.astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat()}\n"
    )
    assert job.rows.get(number=2).post.scheduled_at == when


def test_same_text_to_the_same_account_is_a_warning_not_a_refusal(world, run_import):
    job = run_import(
        f"accounts,text,scheduled_at\n@northwind,Same words,{future(3)}\n@northwind,same  WORDS,{future(5)}\n"
    )
    assert job.imported_rows == 2
    assert (
        job.rows.get(number=3).warnings
        == ["The same text goes to X @northwind 2 days apart (row 2). Some networks refuse duplicates."]
        or "2 days apart (row 2)" in job.rows.get(number=3).warnings[0]
    )


def test_fixed_error_rows_downloaded_and_uploaded_again_import_only_those(world, run_import):
    first = run_import(f"accounts,text,scheduled_at\n@northwind,Good one,{future()}\n@nobody,Fix me,{future(4)}\n")
    assert first.imported_rows == 1
    errors = bulk.errors_csv(first)
    header, row = errors.splitlines()[:2]
    assert header == "accounts,text,scheduled_at,error"
    assert row.startswith("@nobody,Fix me,") and "has no account “@nobody”" in row
    fixed = errors.replace("@nobody", "@northwind")
    second = run_import(fixed, file_name="posts-errors.csv")
    assert (second.total_rows, second.imported_rows, second.error_rows) == (1, 1, 0)
    assert sorted(Post.objects.values_list("text", flat=True)) == ["Fix me", "Good one"]


def test_running_the_same_import_again_creates_no_duplicates(world, run_import):
    job = run_import(f"accounts,text,scheduled_at\n@northwind,One,{future()}\n@northwind,Two,\n@nobody,Three,\n")
    assert Post.objects.count() == 2
    # a second delivery of the task after the first finished: nothing to do
    assert bulk.run(job.pk) is None
    # a worker died half way (the job still says running, its lease expired): the re-run
    # keeps the posts made, makes none twice
    BulkImport.objects.filter(pk=job.pk).update(status=BulkImport.Status.RUNNING, locked_until=timezone.now())
    bulk.run(job.pk)
    job.refresh_from_db()
    assert Post.objects.count() == 2
    assert (job.imported_rows, job.error_rows) == (2, 1)
    # while another worker holds it, a delivery leaves it alone
    BulkImport.objects.filter(pk=job.pk).update(
        status=BulkImport.Status.RUNNING, locked_until=timezone.now() + dt.timedelta(minutes=1)
    )
    assert bulk.run(job.pk) is None


def test_a_row_that_fails_to_save_is_reported_and_the_others_still_import(world, run_import, monkeypatch):
    real_write = bulk._write

    def failing_on_row_3(checker, job, plans, rows):
        if any(plan.number == 3 for plan in plans):
            raise RuntimeError("disk full")
        return real_write(checker, job, plans, rows)

    monkeypatch.setattr(bulk, "_write", failing_on_row_3)
    job = run_import(
        f"accounts,text,scheduled_at\n@northwind,One,{future()}\n@northwind,Two,{future(4)}\n@northwind,Three,\n"
    )
    # the chunk failed as a whole, then each row was written on its own
    assert (job.imported_rows, job.error_rows) == (2, 1)
    assert messages_of(job, 3) == ["This row could not be saved (RuntimeError); try it again."]
    assert sorted(Post.objects.values_list("text", flat=True)) == ["One", "Three"]
    assert not PostTarget.objects.filter(post__text="Two").exists()


def test_a_contributor_imports_posts_that_wait_for_approval_and_approvers_hear_once(world, run_import):
    world["ws"].approval_policy = "contributors"
    world["ws"].save()
    job = run_import(
        f"accounts,text,scheduled_at\n@northwind,One,{future()}\n@northwind,Two,{future(4)}\n",
        user=world["contributor"],
    )
    assert job.imported_rows == 2
    assert set(Post.objects.values_list("status", flat=True)) == {PostStatus.PENDING_APPROVAL}
    assert set(PostTarget.objects.values_list("state", flat=True)) == {TargetState.PENDING_APPROVAL}
    notices = Notification.objects.filter(kind=Notification.Kind.APPROVAL_REQUESTED)
    assert sorted(n.user.username for n in notices) == ["clara", "olivia"]  # owner and client (approvers)
    assert "imported 2 posts for Northwind Coffee that wait for your approval" in notices[0].text


def test_a_client_cannot_import_and_a_role_that_lost_its_right_fails_the_job(world, run_import):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run_import("accounts,text\n@northwind,Hi\n", user=world["client"])
    from smm.models import Membership

    membership = Membership.objects.get(user=world["editor"], workspace=world["ws"])
    job = bulk.start(
        world["ws"],
        world["brand"],
        membership,
        content="accounts,text\n@northwind,Hi\n",
        file_name="a.csv",
        dry_run=False,
    )
    Membership.objects.filter(pk=membership.pk).update(role="client")
    bulk.run(job.pk)
    job.refresh_from_db()
    assert job.status == BulkImport.Status.FAILED and "cannot write posts" in job.error
    assert Post.objects.count() == 0


def test_accounts_and_media_of_another_workspace_are_not_found(
    world, run_import, make_workspace, make_brand, make_account
):
    from django.core.files.base import ContentFile

    from posts.media import store_upload
    from tests.bulk.conftest import png_bytes

    other_ws = make_workspace("Other")
    make_account(make_brand(other_ws, "Theirs"), "x", "@theirs")
    store_upload(other_ws, ContentFile(png_bytes(), name="theirs.png"))
    job = run_import("accounts,text,media\n@theirs,Hi,\nx,Hi,theirs.png\n")
    assert messages_of(job, 2)[0].startswith("Northwind Coffee has no account “@theirs”.")
    assert "No image called “theirs.png”" in messages_of(job, 3)[0]


def test_an_import_that_stops_half_way_says_which_rows_are_posts(world, run_import, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    real_write_all = bulk._write_all

    def stops_after_the_first_row(checker, job, plans, rows, progress):
        real_write_all(checker, job, plans[:1], rows, progress)
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(bulk, "_write_all", stops_after_the_first_row)
    job = run_import(f"accounts,text,scheduled_at\n@northwind,One,{future()}\n@northwind,Two,{future(4)}\n")
    assert job.status == BulkImport.Status.FAILED and "stopped before the end" in job.error
    assert (job.imported_rows, job.error_rows) == (1, 1)
    assert messages_of(job, 3) == ["Not imported: the import stopped before this row. Upload it again."]
    assert "@northwind,Two," in bulk.errors_csv(job)
    assert list(Post.objects.values_list("text", flat=True)) == ["One"]


def test_posts_waiting_for_approval_are_told_to_webhooks_one_event_each(world, run_import, monkeypatch):
    from smm.models_api import WebhookDelivery, WebhookEndpoint

    monkeypatch.setattr("smm.tasks.deliver_webhook.delay", lambda pk: None)  # no broker here
    world["ws"].approval_policy = "contributors"
    world["ws"].save()
    WebhookEndpoint.objects.create(
        workspace=world["ws"], url="https://hooks.example/smm", events=["post.needs_approval"], secret={"key": "k"}
    )
    job = run_import(
        f"accounts,text,scheduled_at\n@northwind,One,{future()}\n@northwind,Two,{future(4)}\n",
        user=world["contributor"],
    )
    deliveries = WebhookDelivery.objects.filter(event="post.needs_approval")
    assert sorted(d.payload["post"]["id"] for d in deliveries) == sorted(job.rows.values_list("post_id", flat=True))
    assert {d.payload["post"]["status"] for d in deliveries} == {"pending_approval"}


def test_the_import_itself_is_in_the_audit_log(world, run_import):
    job = run_import(f"accounts,text,scheduled_at\n@northwind,One,{future()}\n@ghost,Two,\n")
    event = AuditEvent.objects.get(verb="posts.imported")
    assert event.subject_id == str(job.pk) and event.actor == world["owner"]
    assert event.message == "Imported 1 post for Northwind Coffee from “posts.csv”"
    assert event.data == {"rows": 2, "errors": 1}


def test_a_network_text_too_long_is_said_under_its_own_column(world, run_import):
    job = run_import("accounts,text,text_x\n@northwind@social.example|x,Short for Mastodon," + "y" * 300 + "\n")
    (message,) = job.rows.get(number=2).messages
    assert message["field"] == "text_x"
    assert message["message"].startswith("X @northwind: ")
    assert Post.objects.count() == 0


def test_a_paused_brand_is_said_and_its_posts_are_held(world, run_import):
    world["brand"].paused = True
    world["brand"].save()
    job = run_import(f"accounts,text,scheduled_at\n@northwind,Hi,{future()}\n")
    assert job.notes == ["Northwind Coffee is paused: its posts are held, and go out only once it is resumed."]
    assert job.rows.get(number=2).post.is_held
