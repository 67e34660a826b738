"""Recurrence rules in wall-clock time, worked by hand across the 2026 and 2027 clock
changes (Europe/Paris: forward 29 Mar 2026 and 28 Mar 2027 at 02:00, back 25 Oct 2026 and
31 Oct 2027 at 03:00; America/New_York: forward 8 Mar 2026 at 02:00)."""

import datetime as dt

import pytest

from recurring import rules
from recurring.rules import Recurrence

UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def instants(rec: Recurrence, after, before):
    return [
        r.utc for _, r in rules.occurrences(rec.rule(), rec.starts_on, rec.at, rec.zone, after=after, before=before)
    ]


def test_weekly_monday_thursday_at_nine_paris_keeps_nine_on_the_clock_across_spring_forward():
    rec = Recurrence("weekly", dt.date(2026, 3, 23), dt.time(9, 0), "Europe/Paris", days=["TH", "MO"])
    assert rec.rule() == "FREQ=WEEKLY;BYDAY=MO,TH"
    got = instants(rec, utc(2026, 3, 22), utc(2026, 4, 3))
    assert got == [
        utc(2026, 3, 23, 8, 0),  # Mon 23 Mar 09:00 CET (UTC+1)
        utc(2026, 3, 26, 8, 0),  # Thu 26 Mar 09:00 CET
        utc(2026, 3, 30, 7, 0),  # Mon 30 Mar 09:00 CEST (UTC+2): the clocks went forward on Sunday
        utc(2026, 4, 2, 7, 0),  # Thu 2 Apr 09:00 CEST
    ]


def test_daily_at_nine_across_fall_back_2026():
    rec = Recurrence("daily", dt.date(2026, 10, 24), dt.time(9, 0), "Europe/Paris")
    assert instants(rec, utc(2026, 10, 23), utc(2026, 10, 26, 12)) == [
        utc(2026, 10, 24, 7, 0),  # Sat 09:00 CEST
        utc(2026, 10, 25, 8, 0),  # Sun 09:00 CET: clocks went back at 03:00
        utc(2026, 10, 26, 8, 0),
    ]


def test_a_time_that_does_not_exist_moves_forward_by_the_gap():
    rec = Recurrence("daily", dt.date(2026, 3, 28), dt.time(2, 30), "Europe/Paris")
    got = rules.occurrences(
        rec.rule(), rec.starts_on, rec.at, rec.zone, after=utc(2026, 3, 27), before=utc(2026, 3, 31)
    )
    assert [r.utc for _, r in got] == [
        utc(2026, 3, 28, 1, 30),  # Sat 02:30 CET
        utc(2026, 3, 29, 1, 30),  # Sun: 02:30 does not exist; 03:30 CEST is 01:30 UTC
        utc(2026, 3, 30, 0, 30),  # Mon 02:30 CEST
    ]
    assert got[0][1].kind == "exact" and got[1][1].kind == "gap"
    assert "clocks go forward" in got[1][1].note and "3:30" in got[1][1].note
    # the key stays the wall time the rule asked for
    assert got[1][0] == dt.datetime(2026, 3, 29, 2, 30)


def test_a_time_that_happens_twice_takes_the_first():
    rec = Recurrence("daily", dt.date(2026, 10, 24), dt.time(2, 30), "Europe/Paris")
    got = rules.occurrences(
        rec.rule(), rec.starts_on, rec.at, rec.zone, after=utc(2026, 10, 23), before=utc(2026, 10, 27)
    )
    assert [r.utc for _, r in got] == [
        utc(2026, 10, 24, 0, 30),  # 02:30 CEST
        utc(2026, 10, 25, 0, 30),  # 02:30 happens twice: the first one, CEST
        utc(2026, 10, 26, 1, 30),  # 02:30 CET
    ]
    assert got[1][1].kind == "overlap"


def test_monthly_on_the_last_sunday_in_2027_lands_on_the_switch_days():
    # Sun 28 Feb 2027 is the 4th (and last) Sunday; so are 28 Mar and 25 Apr... and 31 Oct is the 5th: not in the rule
    rec = Recurrence("monthly_weekday", dt.date(2027, 2, 28), dt.time(2, 30), "Europe/Paris")
    assert rec.rule() == "FREQ=MONTHLY;BYDAY=4SU"
    got = instants(rec, utc(2027, 2, 27), utc(2027, 4, 30))
    assert got == [
        utc(2027, 2, 28, 1, 30),  # CET
        utc(2027, 3, 28, 1, 30),  # 02:30 does not exist on 28 Mar 2027: 03:30 CEST
        utc(2027, 4, 25, 0, 30),  # CEST
    ]


def test_new_york_weekly_across_its_own_switch():
    rec = Recurrence("weekly", dt.date(2026, 3, 2), dt.time(9, 0), "America/New_York", days=["MO"])
    assert instants(rec, utc(2026, 3, 1), utc(2026, 3, 10)) == [utc(2026, 3, 2, 14), utc(2026, 3, 9, 13)]


def test_weekdays_interval_until_and_count():
    weekdays = Recurrence("weekdays", dt.date(2026, 12, 4), dt.time(8, 0), "UTC", count=3)
    assert weekdays.rule() == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=3"
    got = rules.next_dates(weekdays.rule(), weekdays.starts_on, weekdays.at, "UTC", after=utc(2026, 12, 1), n=5)
    assert [w.date() for w, _ in got] == [dt.date(2026, 12, 4), dt.date(2026, 12, 7), dt.date(2026, 12, 8)]
    fortnightly = Recurrence("weekly", dt.date(2026, 12, 7), dt.time(8, 0), "UTC", interval=2, days=["MO"])
    fortnightly.until = dt.date(2027, 1, 4)  # inclusive: the last day counts
    got = rules.next_dates(fortnightly.rule(), fortnightly.starts_on, fortnightly.at, "UTC", after=utc(2026, 12, 1))
    assert [w.date() for w, _ in got] == [dt.date(2026, 12, 7), dt.date(2026, 12, 21), dt.date(2027, 1, 4)]


def test_monthly_on_day_31_skips_short_months():
    rec = Recurrence("monthly_day", dt.date(2027, 1, 31), dt.time(12, 0), "UTC")
    got = rules.next_dates(rec.rule(), rec.starts_on, rec.at, "UTC", after=utc(2027, 1, 1), n=3)
    assert [w.date() for w, _ in got] == [dt.date(2027, 1, 31), dt.date(2027, 3, 31), dt.date(2027, 5, 31)]


def test_summaries_read_like_a_person_would_say_them():
    rec = Recurrence("weekly", dt.date(2026, 3, 2), dt.time(9, 0), "Europe/Paris", days=["MO", "TH"], count=12)
    assert rules.summary(rec) == "Every Monday and Thursday at 09:00 Europe/Paris, from Mon 02 Mar 2026, 12 times"
    monthly = Recurrence("monthly_weekday", dt.date(2026, 12, 8), dt.time(18, 30), "UTC", interval=2)
    assert rules.summary(monthly).startswith("Every 2 months on the second Tuesday at 18:30 UTC")
    until = Recurrence("daily", dt.date(2026, 12, 8), dt.time(7, 0), "UTC", until=dt.date(2026, 12, 31))
    assert rules.summary(until).endswith("until Thu 31 Dec 2026")


@pytest.mark.parametrize(
    "rec",
    [
        Recurrence("weekly", dt.date(2026, 3, 2), dt.time(9, 0), "Europe/Paris", 3, ["MO", "FR"], count=4),
        Recurrence("monthly_day", dt.date(2026, 3, 15), dt.time(9, 0), "UTC", until=dt.date(2026, 9, 1)),
        Recurrence("weekdays", dt.date(2026, 3, 2), dt.time(9, 0), "UTC"),
        Recurrence("monthly_weekday", dt.date(2026, 3, 31), dt.time(9, 0), "UTC"),
    ],
)
def test_a_stored_rule_reads_back_as_the_same_choices(rec):
    again = rules.recurrence_of(rec.rule(), rec.starts_on, rec.at, rec.zone)
    assert again.rule() == rec.rule()
    assert rules.summary(again) == rules.summary(rec)


def test_impossible_rules_are_refused_in_words():
    with pytest.raises(rules.RuleError) as refused:
        rules.check(Recurrence("weekly", dt.date(2026, 3, 2), dt.time(9), "UTC", interval=0, until=dt.date(2026, 1, 1)))
    assert set(refused.value.errors) == {"repeat_interval", "repeat_until"}
