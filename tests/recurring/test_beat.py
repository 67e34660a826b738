"""Beat asks for the series and evergreen work every few minutes, on the general queue,
and the tasks run the same code as the pages (safe to run twice)."""

import datetime as dt

import pytest

from posts.models import Post
from recurring import actions, tasks
from recurring.rules import Recurrence
from smm.celery import app as celery_app


def test_beat_sends_both_tasks_to_the_default_queue_with_an_expiry():
    from django.apps import apps

    schedule = apps.get_app_config("recurring").beat_schedule
    assert {entry["task"] for entry in schedule.values()} == {
        "recurring.tasks.materialise_all",
        "recurring.tasks.recycle_evergreen",
    }
    for entry in schedule.values():
        assert entry["options"]["queue"] == "default" and entry["options"]["expires"] > 0
        assert entry["task"] in celery_app.tasks


@pytest.mark.django_db
def test_the_task_plans_what_the_horizon_reaches_once(world, settings):
    settings.RECURRING_HORIZON_DAYS = 0
    rec = Recurrence("daily", dt.date.today() + dt.timedelta(days=1), dt.time(9), "Europe/Paris")
    actions.create_series(world["ws"], world["brand"], world["owner"], {"text": "Hi", "accounts": [world["x"]]}, rec)
    assert not Post.objects.exists()
    settings.RECURRING_HORIZON_DAYS = 5
    first = tasks.materialise_all.apply().get()
    assert first["planned"] == Post.objects.count() >= 4
    assert tasks.materialise_all.apply().get()["planned"] == 0
