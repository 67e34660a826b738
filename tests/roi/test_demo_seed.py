"""The demo seeds one campaign with money figures (tracked links on that campaign only)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_demo_campaign_has_figures_and_only_it_is_tracked(client):
    from links import roi, utm
    from links.models import Conversion, UtmPreset
    from smm.models import Workspace

    call_command("seed_demo", "--no-history", verbosity=0)
    call_command("seed_demo", "--no-history", verbosity=0)  # idempotent
    acme = Workspace.objects.get(slug="acme-coffee")
    assert Conversion.objects.filter(workspace=acme).count() == 10
    [row] = roi.campaign_rows(acme)
    assert row["campaign"].name == "Holiday Blend 2026"
    assert row["clicks"] == 250 and row["conversions"] == 10 and row["cost"] == 350
    assert row["roi"] is not None and row["impressions"] == 7500
    # the workspace's other posts publish as written: no workspace- or brand-level tracking
    assert not UtmPreset.objects.filter(workspace=acme, campaign__isnull=True).exists()
    assert not utm.policy_for(acme).short_links
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="demo"))
    page = client.get(f"/w/acme-coffee/links/campaigns/{row['campaign'].pk}/").content.decode()
    assert "Holiday Blend 2026" in page and "350.00 EUR" in page
