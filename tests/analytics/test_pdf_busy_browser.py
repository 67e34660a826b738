"""A manager asks for the PDF report while one of the same workspace is being made: the
page says so and offers to try again, and the dashboard is one click away."""

import pytest
from django.core.cache import cache

from analytics import pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_busy_pdf_export_says_to_try_again(page, live_server, login, screenshot, make_workspace, make_member):
    # given a workspace whose PDF report is being made right now
    workspace = make_workspace("Acme")
    make_member(workspace, "manager", username="mia")
    places = [f"{pdf._KEY}:ws:{workspace.pk}:0", f"{pdf._KEY}:all:0", f"{pdf._KEY}:all:1"]
    cache.delete_many(places)
    login("mia")
    page.goto(f"{live_server.url}/w/{workspace.slug}/analytics/")

    with pdf.export_slot(workspace.pk):
        # when the manager opens Export and clicks "PDF report" on the dashboard
        page.get_by_role("button", name="Export").click()
        page.get_by_test_id("export-pdf").click()
        page.wait_for_load_state()

        # then the page says a PDF is already being made and to try again in a minute
        assert "A PDF for this workspace is already being made; try again in a minute." in page.inner_text("main")
        assert page.get_by_test_id("export-pdf-again").is_visible()
        screenshot("pdf_export_busy")

    # and the dashboard is one click away
    page.get_by_role("button", name="Dashboard").click()
    page.wait_for_url(f"**/w/{workspace.slug}/analytics/**")
    cache.delete_many(places)
