"""Evergreen categories fill free posting slots with the longest-rested post, keep their
gap per network, and never repeat a text on a network within its duplicate window."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from posts import actions as post_actions
from posts.models import Post, PostingSlot, PostStatus
from recurring import evergreen
from recurring.models import Category, EvergreenCopy

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(world, settings):
    settings.EVERGREEN_AHEAD_DAYS = 3
    for weekday in range(7):  # every day at 10:00 Paris
        PostingSlot.objects.create(brand=world["brand"], weekday=weekday, time=dt.time(10, 0))
    category = Category.objects.create(
        workspace=world["ws"], brand=world["brand"], name="Tips", min_gap_hours=48, duplicate_days=30
    )
    owner = world["owner"]
    posts = []
    for text in ("Tip: grind just before brewing", "Tip: weigh your beans"):
        post = post_actions.create_post(world["ws"], world["brand"], owner, text, [world["mastodon"], world["x"]])
        evergreen.add_entry(category, post, owner)
        posts.append(post)
    return {"category": category, "posts": posts}


def copies():
    return list(Post.objects.filter(status=PostStatus.SCHEDULED).order_by("scheduled_at"))


def test_the_next_free_slot_gets_the_longest_rested_post_and_the_gap_holds(world, library):
    now = timezone.now()
    first = evergreen.recycle_category(library["category"], now)
    assert first is not None and first.text == "Tip: grind just before brewing"
    assert first.scheduled_at.astimezone(world["brand"].tz).time() == dt.time(10, 0)
    assert {t.account_id for t in first.targets.all()} == {world["mastodon"].pk, world["x"].pk}
    # the next free slot is a day later: within the 48 h gap, so nothing
    assert evergreen.recycle_category(library["category"], now) is None
    # two days later the gap is over: the other post, never recycled, goes first
    later = evergreen.recycle_category(library["category"], first.scheduled_at + dt.timedelta(hours=47))
    assert later is not None and later.text == "Tip: weigh your beans"
    assert later.scheduled_at - first.scheduled_at == dt.timedelta(hours=48)
    assert [c.text for c in copies()] == ["Tip: grind just before brewing", "Tip: weigh your beans"]


def test_the_same_text_never_twice_on_a_network_within_the_window(world, library):
    now = timezone.now()
    first = evergreen.recycle_category(library["category"], now)
    second = evergreen.recycle_category(library["category"], first.scheduled_at + dt.timedelta(hours=47))
    assert second is not None
    # four days on, both texts went out within 30 days: nothing may go
    assert evergreen.recycle_category(library["category"], second.scheduled_at + dt.timedelta(hours=47)) is None
    # a short window lets the longest-rested one come back
    Category.objects.filter(pk=library["category"].pk).update(duplicate_days=1)
    again = evergreen.recycle_category(library["category"], second.scheduled_at + dt.timedelta(hours=47))
    assert again is not None and again.text == first.text
    assert EvergreenCopy.objects.count() == 3


def test_a_text_planned_by_hand_blocks_the_same_evergreen_text(world, library):
    now = timezone.now()
    manual = post_actions.create_post(
        world["ws"], world["brand"], world["owner"], "  tip: GRIND just before brewing ", [world["x"]]
    )
    post_actions.schedule_post(manual, now + dt.timedelta(days=10), world["owner"])
    copy = evergreen.recycle_category(library["category"], now)
    assert copy.text == "Tip: weigh your beans"  # the other one was passed over


def test_a_paused_brand_or_an_empty_queue_recycles_nothing(world, library):
    world["brand"].paused = True
    world["brand"].save()
    assert evergreen.recycle_all() == 0
    world["brand"].paused = False
    world["brand"].save()
    PostingSlot.objects.all().delete()
    assert evergreen.recycle_all() == 0
    assert EvergreenCopy.objects.count() == 0


def test_a_post_goes_into_a_category_once_and_only_its_own_brand_s(world, library, make_brand):
    with pytest.raises(ValidationError, match="already"):
        evergreen.add_entry(library["category"], library["posts"][0], world["owner"])
    other = Category.objects.create(workspace=world["ws"], brand=make_brand(world["ws"], "Leaf"), name="Tips")
    with pytest.raises(ValidationError, match="another brand"):
        evergreen.add_entry(other, library["posts"][0], world["owner"])


def test_a_network_s_own_gap_and_window(world, library):
    category = library["category"]
    category.network_rules = {"x": {"gap_hours": 24 * 5, "duplicate_days": 60}}
    category.save()
    assert (category.gap_hours("x"), category.duplicate_days_on("x")) == (120, 60)
    assert (category.gap_hours("mastodon"), category.duplicate_days_on("mastodon")) == (48, 30)
    first = evergreen.recycle_category(category, timezone.now())
    # 48 h later Mastodon's gap is over but X's (5 days) is not: both posts go to X, so nothing
    assert evergreen.recycle_category(category, first.scheduled_at + dt.timedelta(hours=47)) is None
    later = evergreen.recycle_category(category, first.scheduled_at + dt.timedelta(hours=119))
    assert later is not None and later.scheduled_at - first.scheduled_at == dt.timedelta(hours=120)


def test_the_category_form_reads_a_network_s_own_values(world):
    from recurring.forms import CategoryForm

    data = {"brand": world["brand"].pk, "name": "Tips", "min_gap_hours": 48, "duplicate_days": 30}
    form = CategoryForm({**data, "per_network": "X 72 60\n\nbluesky, 24, 7"}, workspace=world["ws"])
    assert form.is_valid(), form.errors
    category = form.save(commit=False)
    assert category.network_rules == {
        "x": {"gap_hours": 72, "duplicate_days": 60},
        "bluesky": {"gap_hours": 24, "duplicate_days": 7},
    }
    bad = CategoryForm({**data, "per_network": "myspace 1 2"}, workspace=world["ws"])
    assert not bad.is_valid() and "myspace is not a network" in bad.errors["per_network"][0]
    worse = CategoryForm({**data, "per_network": "x seventy"}, workspace=world["ws"])
    assert not worse.is_valid() and "like “x 72 60”" in worse.errors["per_network"][0]
