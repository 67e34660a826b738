"""The Repeat section's preview, saving a series from the composer (errors keep what was
typed), the series page and its buttons, evergreen pages; rights and tenancy."""

import datetime as dt

import pytest
from django.test import Client

from posts.models import Post, PostStatus
from recurring import actions
from recurring.models import Category, EvergreenEntry, Series
from recurring.rules import Recurrence

from .conftest import next_weekday

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def base(world):
    return f"/w/{world['ws'].slug}/recurring/"


def composer_data(world, **extra):
    monday = next_weekday(0)
    data = {
        "brand": str(world["brand"].pk),
        "accounts": [str(world["mastodon"].pk)],
        "text": "Monday beans, Thursday beans",
        "date": monday.isoformat(),
        "time": "09:00",
        "repeat": "weekly",
        "repeat_interval": "1",
        "repeat_days": ["MO", "TH"],
        "repeat_end": "after",
        "repeat_count": "12",
    }
    data.update(extra)
    return data


def test_the_preview_says_the_rule_and_the_next_five_dates(world):
    data = composer_data(world)
    answer = client_for(world["owner"]).get(base(world) + "preview/", data)
    body = answer.json()
    assert answer.status_code == 200 and body["errors"] == {}
    assert body["summary"].startswith("Every Monday and Thursday at 09:00 Europe/Paris, from ")
    assert body["summary"].endswith(", 12 times")
    monday = next_weekday(0)
    assert len(body["next"]) == 5
    assert body["next"][0].startswith(f"{monday:%a %d %b %Y}, 09:00 ")
    assert body["next"][1].startswith(f"{monday + dt.timedelta(days=3):%a %d %b %Y}, 09:00 ")


def test_the_preview_names_what_is_missing(world):
    answer = client_for(world["owner"]).get(base(world) + "preview/", composer_data(world, repeat_days=[], date=""))
    assert set(answer.json()["errors"]) == {"date", "repeat_days"}


def test_saving_from_the_composer_makes_a_series_and_its_posts(world):
    answer = client_for(world["owner"]).post(base(world) + "new/", composer_data(world))
    series = Series.objects.get()
    assert answer.status_code == 302 and answer["Location"] == series.get_absolute_url()
    assert series.rule == "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=12" and series.time_zone == "Europe/Paris"
    assert list(series.accounts.all()) == [world["mastodon"]]
    page = client_for(world["owner"]).get(answer["Location"]).content.decode()
    assert "Every Monday and Thursday at 09:00 Europe/Paris" in page
    assert "X refuses a post whose text it has already seen" not in page  # Mastodon only
    assert page.count('data-testid="occurrence"') == Post.objects.filter(status=PostStatus.SCHEDULED).count() >= 3


def test_a_series_to_x_warns_that_x_refuses_the_same_text_twice(world):
    data = composer_data(world, accounts=[str(world["x"].pk)])
    page = client_for(world["owner"]).post(base(world) + "new/", data, follow=True).content.decode()
    assert page.count("X refuses a post whose text it has already seen") == 2  # the message and the series page


def test_a_form_error_comes_back_with_everything_typed(world):
    data = composer_data(world, repeat_days=[], text="Keep this text, please")
    answer = client_for(world["owner"]).post(base(world) + "new/", data)
    page = answer.content.decode()
    assert answer.status_code == 422
    assert "Pick at least one day of the week." in page
    assert "Keep this text, please" in page
    assert 'value="after" checked' in page and 'value="12"' in page
    assert not Series.objects.exists() and not Post.objects.exists()


def test_another_workspace_sees_nothing_and_a_client_changes_nothing(world, make_member):
    rec = Recurrence("daily", dt.date.today() + dt.timedelta(days=1), dt.time(9), "Europe/Paris")
    series = actions.create_series(
        world["ws"], world["brand"], world["owner"], {"text": "Hi", "accounts": [world["mastodon"]]}, rec
    )
    outsider = client_for(world["outsider"])
    assert outsider.get(series.get_absolute_url()).status_code == 404
    outsider_ws = world["outsider"].memberships.get().workspace.slug
    assert outsider.get(f"/w/{outsider_ws}/recurring/{series.pk}/").status_code == 404
    assert outsider.post(f"/w/{outsider_ws}/recurring/{series.pk}/stop/").status_code == 404
    client = client_for(make_member(world["ws"], "client", username="cliff"))
    assert client.get(series.get_absolute_url()).status_code == 200
    assert client.post(series.get_absolute_url() + "stop/").status_code == 403
    assert client.post(base(world) + "new/", composer_data(world)).status_code == 403
    series.refresh_from_db()
    assert series.stopped_at is None


def test_pause_resume_stop_and_edit_from_the_series_page(world):
    rec = Recurrence("daily", dt.date.today() + dt.timedelta(days=1), dt.time(9), "Europe/Paris", count=3)
    series = actions.create_series(
        world["ws"], world["brand"], world["owner"], {"text": "Hi", "accounts": [world["mastodon"]]}, rec
    )
    owner = client_for(world["owner"])
    url = series.get_absolute_url()
    assert owner.post(url + "pause/").status_code == 302
    assert Post.objects.filter(status=PostStatus.SCHEDULED).count() == 0
    assert owner.post(url + "resume/").status_code == 302
    assert Post.objects.filter(status=PostStatus.SCHEDULED).count() == 3
    edit = owner.get(url + "edit/").content.decode()
    assert 'value="daily" selected' in edit and 'value="3"' in edit
    changed = owner.post(
        url + "edit/",
        {
            "accounts": [str(world["mastodon"].pk)],
            "text": "Hello instead",
            "date": rec.starts_on.isoformat(),
            "time": "09:00",
            "repeat": "daily",
            "repeat_interval": "1",
            "repeat_end": "after",
            "repeat_count": "3",
        },
    )
    assert changed.status_code == 302
    assert (
        sorted(Post.objects.filter(status=PostStatus.SCHEDULED).values_list("text", flat=True)) == ["Hello instead"] * 3
    )
    bad = owner.post(url + "edit/", {"accounts": [], "text": "Typed", "date": "", "time": "09:00", "repeat": "daily"})
    assert bad.status_code == 422 and "Typed" in bad.content.decode()
    assert owner.post(url + "stop/").status_code == 302
    assert Post.objects.filter(status=PostStatus.SCHEDULED).count() == 0
    assert owner.get(url + "edit/").status_code == 302


def test_evergreen_categories_page_and_adding_a_post(world, make_member):
    owner = client_for(world["owner"])
    made = owner.post(
        base(world) + "evergreen/",
        {"brand": world["brand"].pk, "name": "Tips", "min_gap_hours": 48, "duplicate_days": 30},
    )
    assert made.status_code == 302
    again = owner.post(
        base(world) + "evergreen/",
        {"brand": world["brand"].pk, "name": "tips", "min_gap_hours": 48, "duplicate_days": 30},
    )
    assert again.status_code == 422 and "already has a category named tips" in again.content.decode()
    post = Post.objects.create(workspace=world["ws"], brand=world["brand"], text="Grind fresh")
    post.targets.create(account=world["mastodon"])
    category = Category.objects.get()
    assert owner.post(base(world) + f"evergreen/add/{post.pk}/", {"category": category.pk}).status_code == 302
    assert EvergreenEntry.objects.filter(category=category, post=post).exists()
    twice = owner.post(base(world) + f"evergreen/add/{post.pk}/", {"category": category.pk})
    assert twice.status_code == 422 and "already" in twice.content.decode()
    assert "Grind fresh" in owner.get(base(world) + "evergreen/").content.decode()
    outsider = client_for(world["outsider"])
    assert outsider.get(base(world) + "evergreen/").status_code == 404


def test_an_image_chosen_in_the_composer_goes_with_the_series(world, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path / "media")
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="PNG")
    data = composer_data(world, upload=SimpleUploadedFile("beans.png", out.getvalue(), content_type="image/png"))
    data["upload_alt"] = "Coffee beans"
    answer = client_for(world["owner"]).post(base(world) + "new/", data)
    assert answer.status_code == 302
    series = Series.objects.get()
    post = Post.objects.filter(status=PostStatus.SCHEDULED).first()
    assert len(series.media_ids) == 1
    assert [a.alt_text for a in post.media.all()] == ["Coffee beans"]
    not_an_image = composer_data(world, upload=SimpleUploadedFile("x.png", b"nope", content_type="image/png"))
    refused = client_for(world["owner"]).post(base(world) + "new/", not_an_image)
    assert refused.status_code == 422 and Series.objects.count() == 1
    assert "Monday beans, Thursday beans" in refused.content.decode()
