"""The calendar's documented example has the shape of a real answer: each event with its
start and end, and the same details a post card carries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def documented_calendar_example(client) -> dict:
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/workspaces/{ws}/calendar/"]["get"]
    [example] = operation["responses"]["200"]["content"]["application/json"]["examples"].values()
    return example["value"]


def test_the_documented_calendar_event_has_an_end(client):
    example = documented_calendar_example(client)
    assert example["events"], "the example shows at least one event"
    for event in example["events"]:
        assert {"id", "title", "start", "end"} <= set(event)
        assert dt.datetime.fromisoformat(event["end"]) > dt.datetime.fromisoformat(event["start"])


def test_the_documented_post_event_has_the_keys_of_a_real_one(api, world, client):
    # given a scheduled post in the calendar
    caller = api()
    post = caller.post(
        url("posts/"), {"brand": world["brand"].pk, "accounts": [world["accounts"][0].pk], "text": "cal"}
    ).json()
    when = timezone.now() + dt.timedelta(days=1)
    caller.post(url(f"posts/{post['id']}/schedule/"), {"at": when.isoformat()}, format="json")
    span = {"start": (when - dt.timedelta(days=1)).date().isoformat(), "end": (when + dt.timedelta(days=2)).date()}
    [real] = [e for e in caller.get(url("calendar/"), span).json()["events"] if e["id"] == f"post-{post['id']}"]

    # then the documented post event carries the same keys, top level and details
    [documented] = [e for e in documented_calendar_example(client)["events"] if e["id"].startswith("post-")]
    assert set(documented) == set(real)
    assert set(documented["extendedProps"]) == set(real["extendedProps"])
