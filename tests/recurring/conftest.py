import datetime as dt

import pytest


@pytest.fixture
def world(make_workspace, make_member, make_brand, make_account):
    """A workspace with an owner, a brand in Paris with a Mastodon and an X account, and
    a second workspace that must never see any of it."""
    ws = make_workspace("Acme")
    owner = make_member(ws, "owner", username="olive")
    brand = make_brand(ws, "Acme Coffee", time_zone="Europe/Paris")
    mastodon = make_account(brand, network="mastodon", handle="@acme@social.example")
    x = make_account(brand, network="x", handle="@acme")
    other = make_workspace("Beta")
    outsider = make_member(other, "owner", username="bob")
    return {"ws": ws, "owner": owner, "brand": brand, "mastodon": mastodon, "x": x, "outsider": outsider}


def next_weekday(weekday: int, after: dt.date | None = None) -> dt.date:
    """The first date strictly after ``after`` (today) that falls on ``weekday`` (0 = Monday)."""
    day = (after or dt.date.today()) + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day
