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


@pytest.mark.parametrize(("width", "height"), [(1366, 860), (390, 844)])
def test_the_tokens_table_stays_in_its_card(
    page, live_server, login, screenshot, make_workspace, make_member, width, height
):
    # given an owner with a few tokens, one with a long name
    from smm.models_api import ApiToken

    workspace = make_workspace("Acme", slug="acme")
    owner = make_member(workspace, "owner", username="olivia")
    ApiToken.issue(workspace, owner, "Nightly export to the BI warehouse of the agency", "manager")
    ApiToken.issue(workspace, owner, "Zapier", "client")
    page.set_viewport_size({"width": width, "height": height})
    login("olivia")
    # when they open the API page at this width
    page.goto(f"{live_server.url}/w/acme/api/")
    box = page.locator("[data-testid=tokens-table]")
    box.wait_for()
    sizes = box.evaluate(
        """el => ({
            table: el.querySelector('table').scrollWidth,
            box: el.clientWidth,
            card: el.closest('.card').clientWidth,
            overflow: getComputedStyle(el).overflowX,
            page: document.documentElement.scrollWidth,
            content: document.querySelector('main').scrollWidth,
            contentRight: document.querySelector('main').getBoundingClientRect().right,
            viewport: window.innerWidth,
        })"""
    )
    screenshot(f"api-tokens-{width}")
    # then neither the page nor its content scrolls sideways
    assert sizes["page"] <= sizes["viewport"], sizes
    assert sizes["contentRight"] <= sizes["viewport"] and sizes["content"] <= sizes["viewport"], sizes
    # and the table fits its card, or scrolls inside it
    if width >= 1366:
        assert sizes["table"] <= sizes["box"], sizes
    else:
        assert sizes["table"] <= sizes["box"] or sizes["overflow"] in ("auto", "scroll"), sizes
    assert sizes["box"] <= sizes["card"], sizes
    # and the new-token form starts at the least role
    assert page.input_value("select[name=role]") == "client"
