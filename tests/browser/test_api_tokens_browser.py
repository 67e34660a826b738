"""An owner creates an API token that expires, on the API & webhooks page, and sees when."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_creates_a_token_that_expires(page, live_server, login, screenshot, make_workspace, make_member):
    # given an owner with an older token that never expires
    from smm.models_api import ApiToken

    workspace = make_workspace("Acme", slug="acme")
    owner = make_member(workspace, "owner", username="olivia")
    ApiToken.issue(workspace, owner, "Old export", "owner")
    login("olivia")
    page.goto(f"{live_server.url}/w/acme/api/")
    # when they create one for Zapier that expires in a year
    page.fill("input[name=name]", "Zapier")
    page.select_option("select[name=role]", "editor")
    assert page.input_value("select[name=expires]") == "90"
    page.select_option("select[name=expires]", "365")
    page.click("text=Create token")
    # then the page shows it once, says until when it works, and the list shows both expiries
    new = page.locator("[data-testid=new-token]")
    new.wait_for()
    assert "It works until" in new.inner_text()
    token = ApiToken.objects.get(name="Zapier")
    expiries = page.locator("[data-testid=token-expiry]").all_inner_texts()
    assert f"Expires {token.expires_at:%-d %b %Y}" in expiries
    assert "Never expires" in expiries
    screenshot("api-token-expiry")
