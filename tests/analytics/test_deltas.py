"""How a change against the previous period reads in the tables."""

from __future__ import annotations

from analytics.frames import delta


def test_a_rate_change_reads_in_percentage_points():
    assert delta(0.0525, 0.04, "rate")["text"] == "+1.25 pp"
    assert delta(0.04, 0.0525, "rate")["text"] == "-1.25 pp"


def test_a_change_too_small_to_show_is_plus_minus_zero_never_minus_zero():
    # 0.041999 against 0.042 is -0.0001 pp: it used to read "-0.00 pp"
    assert delta(0.041999, 0.042, "rate")["text"] == "±0.00 pp"
    assert delta(1000.4, 1000.5, "count")["text"] == "±0.0%"


def test_a_count_change_reads_in_percent():
    assert delta(150, 100, "count")["text"] == "+50.0%"
    assert delta(0, 0, "count")["text"] == "±0"
    assert delta(5, 0, "count")["text"] == "new"
