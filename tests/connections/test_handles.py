"""Account handles are written as people write them: "@name" where the network has usernames."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

pytestmark = pytest.mark.django_db


def test_accounts_connected_before_get_their_at(make_workspace, make_brand, make_account):
    # given accounts stored with bare usernames by the earlier adapters
    brand = make_brand(make_workspace("Acme"), "Acme Coffee")
    bare = {
        network: make_account(brand, network, "acme.coffee", remote_id=f"{network}-1")
        for network in ("bluesky", "instagram", "threads")
    }
    page = make_account(brand, "facebook", "Acme Coffee Page", remote_id="555")
    linkedin = make_account(brand, "linkedin", "Acme Coffee Inc", remote_id="urn:li:organization:5")
    already = make_account(brand, "instagram", "@acme.beans", remote_id="ig-2")

    # when the migration runs
    importlib.import_module("smm.migrations.0004_at_handles").add_at(apps, None)

    # then the username networks carry the "@", once; Pages and companies keep their names
    for account in bare.values():
        account.refresh_from_db()
        assert account.handle == "@acme.coffee"
    for account, handle in ((page, "Acme Coffee Page"), (linkedin, "Acme Coffee Inc"), (already, "@acme.beans")):
        account.refresh_from_db()
        assert account.handle == handle
