"""The composer and post pages over HTTP: what a person sees and keeps."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from posts import actions
from posts.models import MediaAsset, Post, PostingSlot, PostStatus
from tests.posts.pages import as_user, composer_data, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_composer_page_prefills_brand_and_time_from_the_calendar(client, team):
    # given: the calendar links to the composer with a brand and an instant
    as_user(client, team.editor)
    # when
    response = client.get(url("new", team) + f"?brand={team.brand.pk}&at=2026-07-01T07:30:00Z")
    # then: the time is shown in the brand's zone (Berlin, UTC+2 in summer)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["date"] == dt.date(2026, 7, 1)
    assert form.initial["time"] == dt.time(9, 30)
    html = response.content.decode()
    assert 'value="2026-07-01"' in html and 'value="09:30"' in html
    assert "Publish now" in html and "Submit for approval" not in html


def test_contributor_sees_submit_for_approval_and_no_publish_now(client, team):
    html = as_user(client, team.contributor).get(url("new", team)).content.decode()
    assert "Submit for approval" in html
    assert "Publish now" not in html


def test_a_client_cannot_open_the_composer(client, team):
    assert as_user(client, team.client).get(url("new", team)).status_code == 403


def test_save_draft_creates_the_post_with_variants(client, team):
    as_user(client, team.editor)
    response = client.post(url("new", team), composer_data(team, **{f"variant_{team.x.pk}": "Autumn blend, short"}))
    post = Post.objects.get()
    assert response.status_code == 302 and response.url == post.get_absolute_url()
    assert post.status == PostStatus.DRAFT
    assert {t.account_id: t.text for t in post.targets.all()} == {
        team.mastodon.pk: "Our autumn blend is here",
        team.x.pk: "Autumn blend, short",
    }


def test_schedule_in_a_dst_gap_is_moved_and_the_person_is_told(client, team):
    as_user(client, team.editor)
    response = client.post(
        url("new", team), composer_data(team, action="schedule", date="2099-03-29", time="02:30"), follow=True
    )
    post = Post.objects.get()
    assert post.status == PostStatus.SCHEDULED
    assert post.scheduled_at == dt.datetime(2099, 3, 29, 1, 30, tzinfo=dt.UTC)
    shown = [str(m) for m in response.context["messages"]]
    assert "2:30 does not exist on 29 March in Europe/Berlin (clocks go forward); scheduled for 3:30." in shown


def test_a_refused_schedule_keeps_everything_typed_and_saves_nothing(client, team):
    # given: a text too long for X, an adapted Mastodon variant, a link and a time
    as_user(client, team.editor)
    long_text = "Long story about our beans " * 12
    data = composer_data(
        team,
        text=long_text,
        link="https://acme.example/autumn",
        action="schedule",
        date="2099-05-01",
        time="10:15",
        **{f"variant_{team.mastodon.pk}": "Mastodon gets its own words"},
    )
    # when
    response = client.post(url("new", team), data)
    # then: the page comes back with the message on the text and every value as typed
    assert response.status_code == 200
    html = response.content.decode()
    assert "X @acmecoffee: This is" in html
    assert long_text.strip() in html
    assert "Mastodon gets its own words" in html
    assert 'value="https://acme.example/autumn"' in html
    assert 'value="2099-05-01"' in html and 'value="10:15"' in html
    assert Post.objects.count() == 0


def test_scheduling_without_a_date_says_so(client, team):
    as_user(client, team.editor)
    response = client.post(url("new", team), composer_data(team, action="schedule"))
    assert "Pick a date and a time to schedule the post." in response.content.decode()
    assert Post.objects.count() == 0


def test_add_to_queue_from_the_composer(client, team):
    PostingSlot.objects.create(brand=team.brand, weekday=2, time=dt.time(8, 0))
    as_user(client, team.editor)
    client.post(url("new", team), composer_data(team, action="queue"))
    post = Post.objects.get()
    assert post.status == PostStatus.SCHEDULED
    local = post.scheduled_at.astimezone(team.brand.tz)
    assert (local.weekday(), local.hour) == (2, 8)


def test_live_check_shows_each_networks_remaining_characters(client, team):
    as_user(client, team.editor)
    response = client.post(url("check", team), composer_data(team, text="Hello ☕ https://example.com/" + "x" * 60))
    html = response.content.decode()
    # Mastodon: 6 + 1 + 1 + 23 = 31 -> 469 left; X: 6 + 2 + 1 + 23 = 32 -> 248 left
    assert "469 left" in html
    assert "248 left" in html
    assert f'id="count-{team.x.pk}"' in html


def test_live_check_shows_problems_in_words(client, team):
    as_user(client, team.editor)
    html = client.post(url("check", team), composer_data(team, text="y" * 290)).content.decode()
    assert "10 over" in html
    assert "This is 10 characters over X&#x27;s 280-character limit" in html


def test_upload_in_the_composer_is_kept_on_a_refusal_and_attached_on_success(client, team):
    as_user(client, team.editor)
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, format="PNG")
    data = composer_data(team, text="", action="schedule", date="2001-05-01", time="10:00", upload_alt="The shop")
    data["upload"] = SimpleUploadedFile("shop.png", buf.getvalue(), content_type="image/png")
    # when: the time has passed, so scheduling is refused
    response = client.post(url("new", team), data)
    # then: the image is in the library and still picked on the re-rendered form; no post yet
    asset = MediaAsset.objects.get()
    assert asset.alt_text == "The shop"
    assert response.status_code == 200
    assert "has already passed" in response.content.decode()
    assert f'name="media" value="{asset.pk}" checked' in response.content.decode()
    assert Post.objects.count() == 0
    # when: the person picks a future date and sends the form again (image only, no text)
    data = composer_data(team, text="", action="schedule", date="2099-05-01", time="10:00", media=[asset.pk])
    response = client.post(url("new", team), data)
    # then
    assert response.status_code == 302
    assert list(Post.objects.get().media.all()) == [asset]


def test_another_workspaces_post_is_a_404(client, team, write_post, make_workspace, make_member):
    post = write_post()
    stranger = make_member(make_workspace("Other"), "owner", username="stranger")
    client.force_login(stranger, backend="django.contrib.auth.backends.ModelBackend")
    # the stranger is a member of "Other" only; Acme's post page and edit page do not exist for them
    assert client.get(url("detail", team, post_id=post.pk)).status_code == 404
    other_slug = stranger.memberships.get().workspace.slug
    assert client.get(reverse("posts:detail", kwargs={"ws": other_slug, "post_id": post.pk})).status_code == 404
    assert client.get(reverse("posts:edit", kwargs={"ws": other_slug, "post_id": post.pk})).status_code == 404
    response = client.post(reverse("posts:action", kwargs={"ws": other_slug, "post_id": post.pk, "name": "cancel"}))
    assert response.status_code == 404


def test_post_page_shows_targets_history_and_the_approval_box(client, team, write_post, tomorrow):
    post = actions.schedule_post(write_post(author=team.contributor), tomorrow, team.contributor)
    html = as_user(client, team.client).get(url("detail", team, post_id=post.pk)).content.decode()
    assert "Waiting for your approval" in html
    assert "Submitted for approval" in html  # history
    assert "@acmecoffee" in html and "@acme@social.example" in html
    # when: the client requests changes
    client.post(url("action", team, post_id=post.pk, name="request_changes"), {"comment": "Add the price"})
    html = client.get(url("detail", team, post_id=post.pk)).content.decode()
    assert "Changes requested" in html and "Add the price" in html


def test_failed_target_shows_plain_error_and_retry(client, team, write_post, tomorrow):
    from posts.models import TargetState
    from posts.states import transition

    post = actions.schedule_post(write_post(), tomorrow, team.editor)
    done, failed = post.targets.order_by("account__network")
    for target in (done, failed):
        transition(target, TargetState.QUEUED)
        transition(target, TargetState.PUBLISHING, attempts=1)
    transition(done, TargetState.PUBLISHED, remote_url="https://social.example/@acme/1")
    transition(failed, TargetState.FAILED, error_message="403 duplicate", error_user_message="X refused a duplicate.")
    from posts.states import refresh_post_status

    refresh_post_status(post)
    as_user(client, team.editor)
    html = client.get(url("detail", team, post_id=post.pk)).content.decode()
    assert "Partially published" in html
    assert "X refused a duplicate." in html
    assert "https://social.example/@acme/1" in html
    assert ">Retry<" in html
    client.post(url("action", team, post_id=post.pk, name="retry"), {"target": failed.pk})
    failed.refresh_from_db()
    assert failed.state == TargetState.SCHEDULED


def test_post_list_filters_by_status(client, team, write_post, tomorrow):
    actions.schedule_post(write_post("Scheduled one"), tomorrow, team.editor)
    write_post("Draft one")
    as_user(client, team.editor)
    html = client.get(url("list", team) + "?status=scheduled").content.decode()
    assert "Scheduled one" in html and "Draft one" not in html


def test_slots_editor_adds_and_removes(client, team):
    as_user(client, team.editor)
    client.post(url("slots", team, brand_id=team.brand.pk), {"weekday": 4, "time": "12:30"})
    slot = PostingSlot.objects.get()
    assert (slot.weekday, slot.time) == (4, dt.time(12, 30))
    html = client.get(url("slots", team, brand_id=team.brand.pk)).content.decode()
    assert "12:30" in html and "Next free slot" in html
    client.post(url("slots", team, brand_id=team.brand.pk), {"delete": slot.pk})
    assert not PostingSlot.objects.exists()


def test_media_library_and_campaigns_pages(client, team):
    as_user(client, team.editor)
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buf, format="JPEG")
    client.post(url("media", team), {"file": SimpleUploadedFile("a.jpg", buf.getvalue()), "alt_text": "Blue"})
    assert "a.jpg" in client.get(url("media", team)).content.decode()
    client.post(url("media", team), {"file": SimpleUploadedFile("evil.jpg", b"<script>")})
    assert MediaAsset.objects.count() == 1
    client.post(url("campaigns", team), {"name": "Autumn", "colour": "#ff0000"})
    assert "Autumn" in client.get(url("campaigns", team)).content.decode()


def test_editing_a_scheduled_post_in_the_composer(client, team, write_post, tomorrow):
    # given: an approved contributor post, scheduled for tomorrow
    post = actions.schedule_post(write_post(author=team.contributor), tomorrow, team.contributor)
    actions.approve(post, team.manager)
    local = tomorrow.astimezone(team.brand.tz)
    as_user(client, team.contributor)
    edit = url("edit", team, post_id=post.pk)
    html = client.get(edit).content.decode()
    assert f'value="{local:%Y-%m-%d}"' in html and f'value="{local:%H:%M}"' in html
    # when: the contributor changes the text and submits again at the same time
    data = composer_data(team, text="Edited text", action="submit", date=f"{local:%Y-%m-%d}", time=f"{local:%H:%M}")
    client.post(edit, data)
    # then: edited, and waiting for approval again
    post.refresh_from_db()
    assert post.status == PostStatus.PENDING_APPROVAL
    assert set(post.targets.values_list("text", flat=True)) == {"Edited text"}
    # when: "Save draft" on the waiting post
    client.post(edit, composer_data(team, text="Edited again", action="draft"))
    # then: the edit is kept and the post no longer waits
    post.refresh_from_db()
    assert (post.status, post.text) == (PostStatus.DRAFT, "Edited again")
