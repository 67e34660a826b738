"""Lost clicks are never silent: the operations page names them, its JSON counts them."""

import datetime as dt

import pytest
from django.utils import timezone

from links.models import ClickLoss
from smm import operations

pytestmark = pytest.mark.django_db


def test_lost_clicks_are_an_incident_with_a_count(world, make_workspace):
    ClickLoss.objects.create(workspace=world["ws"], day=timezone.now().date(), count=4)
    ClickLoss.objects.create(workspace=world["ws"], day=timezone.now().date() - dt.timedelta(days=30), count=50)
    report = operations.status(world["ws"])
    assert any("4 click(s) on short links" in incident for incident in report["incidents"])
    assert operations.as_json(report)["clicks"]["lost_7_days"] == 4
    # another workspace's page does not show them
    other = operations.status(make_workspace("Other"))
    assert other["clicks"]["lost_7_days"] == 0
    assert not any("short links" in incident for incident in other["incidents"])
