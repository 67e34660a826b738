"""A self-hoster opens a brand-new installation in a browser, is taken to the setup page,
fills it and lands in their first workspace."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model

from smm.models import Membership
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def toronto_page(browser):
    """A browser whose clock is in Toronto, to see the setup page guess the time zone."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, timezone_id="America/Toronto")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def shoot(page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=True)


def test_first_run_setup_from_an_empty_database(toronto_page, live_server):
    page = toronto_page
    # given an installation nobody has used yet
    assert not get_user_model().objects.exists()

    # when the self-hoster opens the site
    page.goto(f"{live_server.url}/")
    # then they are on the setup page, with their own time zone already chosen
    page.wait_for_url("**/setup/")
    assert page.get_by_role("heading", name="Set up SMM").is_visible()
    page.wait_for_function("document.querySelector('select[name=time_zone]').value === 'America/Toronto'")

    # when they mistype the second password
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Email").fill("maria@acme.example")
    page.locator("input[name=password1]").fill("kettle-harbour-91")
    page.locator("input[name=password2]").fill("kettle-harbour-19")
    page.get_by_label("Workspace name").fill("Acme Coffee")
    page.get_by_role("button", name="Create my account and workspace").click()
    # then the page says so and keeps what they typed (and the zone they had)
    assert page.get_by_text("The two password fields didn’t match.").is_visible()
    assert page.get_by_label("Username").input_value() == "maria"
    assert page.get_by_label("Workspace name").input_value() == "Acme Coffee"
    assert page.locator("select[name=time_zone]").input_value() == "America/Toronto"
    shoot(page, "first-run-setup-mistyped")

    # when they type both passwords again and send
    page.locator("input[name=password1]").fill("kettle-harbour-91")
    page.locator("input[name=password2]").fill("kettle-harbour-91")
    page.get_by_role("button", name="Create my account and workspace").click()

    # then they land in their new workspace, logged in, welcomed
    page.wait_for_url("**/w/acme-coffee/")
    assert page.locator("h1").first.inner_text() == "Acme Coffee"
    assert page.get_by_text("Welcome, maria.").is_visible()
    assert page.get_by_test_id("workspace-switcher").is_visible()
    shoot(page, "first-run-landed-in-workspace")
    membership = Membership.objects.select_related("workspace").get(user__username="maria")
    assert membership.role == "owner" and membership.workspace.time_zone == "America/Toronto"

    # and the setup page is gone for good
    response = page.goto(f"{live_server.url}/setup/")
    assert response.status == 404
