"""Local times to UTC across daylight-saving changes, and the next free posting slot."""

import datetime as dt

import pytest

from posts import actions
from posts.models import PostingSlot
from posts.scheduling import next_free_slot, resolve_local

UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


# --- DST ----------------------------------------------------------------------------------


def test_an_ordinary_time_converts_without_a_note():
    # given: 9:00 on a plain winter day in Berlin (UTC+1)
    # when
    resolved = resolve_local(dt.date(2026, 1, 15), dt.time(9, 0), "Europe/Berlin")
    # then
    assert resolved.utc == utc(2026, 1, 15, 8, 0)
    assert resolved.note == ""


def test_a_time_in_the_spring_gap_moves_forward_and_says_so_berlin():
    # given: 2:30 on 29 March 2026 does not exist in Berlin (2:00 -> 3:00)
    # when
    resolved = resolve_local(dt.date(2026, 3, 29), dt.time(2, 30), "Europe/Berlin")
    # then: it becomes 3:30 CEST = 1:30 UTC, and the person is told
    assert resolved.kind == "gap"
    assert resolved.utc == utc(2026, 3, 29, 1, 30)
    assert resolved.local.hour == 3 and resolved.local.minute == 30
    assert resolved.note == (
        "2:30 does not exist on 29 March in Europe/Berlin (clocks go forward); scheduled for 3:30."
    )


def test_a_time_in_the_spring_gap_moves_forward_new_york():
    # given: 2:15 on 8 March 2026 does not exist in New York
    resolved = resolve_local(dt.date(2026, 3, 8), dt.time(2, 15), "America/New_York")
    # then: 3:15 EDT = 7:15 UTC
    assert resolved.kind == "gap"
    assert resolved.utc == utc(2026, 3, 8, 7, 15)
    assert "scheduled for 3:15" in resolved.note


def test_an_ambiguous_autumn_time_takes_the_first_occurrence_berlin():
    # given: 2:30 on 25 October 2026 happens twice in Berlin (3:00 CEST -> 2:00 CET)
    resolved = resolve_local(dt.date(2026, 10, 25), dt.time(2, 30), "Europe/Berlin")
    # then: the first, still summer time: 0:30 UTC
    assert resolved.kind == "overlap"
    assert resolved.utc == utc(2026, 10, 25, 0, 30)
    assert resolved.note == (
        "2:30 happens twice on 25 October in Europe/Berlin (clocks go back); scheduled for the first one, 2:30 CEST."
    )


def test_an_ambiguous_autumn_time_takes_the_first_occurrence_new_york():
    # given: 1:30 on 1 November 2026 happens twice in New York
    resolved = resolve_local(dt.date(2026, 11, 1), dt.time(1, 30), "America/New_York")
    # then: 1:30 EDT = 5:30 UTC
    assert resolved.kind == "overlap"
    assert resolved.utc == utc(2026, 11, 1, 5, 30)
    assert "1:30 EDT" in resolved.note


# --- slots ------------------------------------------------------------------------------------


@pytest.fixture
def slots(team):
    # Monday 9:00 and Thursday 14:30, Berlin time
    PostingSlot.objects.create(brand=team.brand, weekday=0, time=dt.time(9, 0))
    PostingSlot.objects.create(brand=team.brand, weekday=3, time=dt.time(14, 30))
    return team


@pytest.mark.django_db
def test_next_slot_is_the_next_weekly_time_in_the_brands_zone(slots):
    # given: it is Tuesday 6 January 2026, 10:00 UTC
    after = utc(2026, 1, 6, 10, 0)
    # when
    when = next_free_slot(slots.brand, after)
    # then: Thursday 8 January 14:30 in Berlin = 13:30 UTC
    assert when == utc(2026, 1, 8, 13, 30)


@pytest.mark.django_db
def test_next_slot_wraps_the_week(slots):
    # given: Thursday's slot has just passed (Thursday 8 Jan, 15:00 Berlin)
    after = utc(2026, 1, 8, 14, 0)
    # when
    when = next_free_slot(slots.brand, after)
    # then: next Monday 12 January 9:00 Berlin = 8:00 UTC
    assert when == utc(2026, 1, 12, 8, 0)


@pytest.mark.django_db
def test_next_slot_skips_slots_taken_by_scheduled_posts(slots, write_post, monkeypatch):
    # given: a post of the brand already scheduled in Thursday's slot
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: utc(2026, 1, 6, 10, 0))
    taken = write_post("Thursday special", author=slots.owner)
    actions.schedule_post(taken, utc(2026, 1, 8, 13, 30), slots.owner)
    # when: another post asks for the next free slot
    when = next_free_slot(slots.brand, utc(2026, 1, 6, 10, 0))
    # then: Thursday is skipped; Monday 12 January 9:00 Berlin
    assert when == utc(2026, 1, 12, 8, 0)


@pytest.mark.django_db
def test_a_draft_does_not_hold_a_slot(slots, write_post):
    # given: a draft with a planned time in Thursday's slot
    draft = write_post("Just an idea")
    draft.scheduled_at = utc(2026, 1, 8, 13, 30)
    draft.save()
    # when / then: the slot is still free
    assert next_free_slot(slots.brand, utc(2026, 1, 6, 10, 0)) == utc(2026, 1, 8, 13, 30)


@pytest.mark.django_db
def test_slot_across_the_spring_change_keeps_local_wall_time(team):
    # given: a Monday 9:00 Berlin slot; clocks change on Sunday 29 March 2026
    PostingSlot.objects.create(brand=team.brand, weekday=0, time=dt.time(9, 0))
    # when: asked on Saturday 28 March
    when = next_free_slot(team.brand, utc(2026, 3, 28, 12, 0))
    # then: Monday 30 March 9:00 CEST = 7:00 UTC (not 8:00)
    assert when == utc(2026, 3, 30, 7, 0)


@pytest.mark.django_db
def test_no_slots_means_no_queue(team):
    assert next_free_slot(team.brand, utc(2026, 1, 6, 10, 0)) is None
