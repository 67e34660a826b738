"""PDF reports are bounded: one at a time per workspace, a few at a time on the whole
installation; over the bound the manager is told to try again in a minute (429 with
Retry-After), and a render that crashed does not hold its place for ever. The bound is held
by the test itself; no Chromium runs (its printing step is replaced by a stub)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from analytics import pdf

pytestmark = pytest.mark.django_db

WEEK = "?period=week&week=2026-W10&format=pdf"


@pytest.fixture
def three(two_workspaces, make_workspace, make_member):
    gamma = make_workspace("Gamma")
    make_member(gamma, "owner", username="gina")
    return {**two_workspaces, "c": gamma}


@pytest.fixture
def printer(monkeypatch, three):
    """Chromium's printing replaced by a stub that writes a small PDF and counts its runs;
    every place free before and after (the cache outlives a test's database)."""
    runs = []

    def fake_print(browser, page, out):
        runs.append(page)
        out.write_bytes(b"%PDF-1.4 stub report")

    def free_every_place():
        places = [f"{pdf._KEY}:all:{n}" for n in range(4)]
        places += [f"{pdf._KEY}:ws:{three[w].pk}:{n}" for w in "abc" for n in range(4)]
        cache.delete_many(places)

    monkeypatch.setattr(pdf, "chromium_path", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(pdf, "_print", fake_print)
    free_every_place()
    yield runs
    free_every_place()


def report_pdf(client, workspace):
    return client.get(reverse("analytics:report", kwargs={"ws": workspace.slug}) + WEEK)


def test_a_second_pdf_of_the_same_workspace_is_refused_while_one_is_made(client, three, printer):
    # given a PDF of Alpha's report being made (its place held)
    client.force_login(three["owner_a"])
    with pdf.export_slot(three["a"].pk):
        # when the manager asks for another one
        response = report_pdf(client, three["a"])

    # then they are told to try again in a minute, and no second Chromium started
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "A PDF for this workspace is already being made; try again in a minute" in response.content.decode()
    assert printer == []

    # and once it is done, the next one is made
    again = report_pdf(client, three["a"])
    assert again.status_code == 200
    assert again.content.startswith(b"%PDF")
    assert len(printer) == 1


def test_another_workspaces_pdf_is_made_meanwhile(client, three, printer):
    # given a PDF of Beta's report being made
    client.force_login(three["owner_a"])
    with pdf.export_slot(three["b"].pk):
        # when Alpha's manager asks for theirs
        response = report_pdf(client, three["a"])

    # then it is made (two may run at once on the installation)
    assert response.status_code == 200
    assert len(printer) == 1


def test_over_the_installations_bound_the_pdf_is_refused_after_a_short_wait(client, three, printer, settings):
    # given two PDFs being made, of Beta and Gamma (the installation's bound is two), and
    # no time to wait for a place
    settings.PDF_EXPORTS_TOTAL = 2
    settings.PDF_EXPORT_WAIT_SECONDS = 0
    client.force_login(three["owner_a"])
    with pdf.export_slot(three["b"].pk), pdf.export_slot(three["c"].pk):
        # when Alpha's manager asks for theirs
        response = report_pdf(client, three["a"])

    # then they are told the server is busy making PDFs, and to try again in a minute
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "try again in a minute" in response.content.decode()
    assert "other PDFs" in response.content.decode()
    assert printer == []


def test_the_refusal_is_a_finished_page_that_leads_back(client, three, printer):
    client.force_login(three["owner_a"])
    with pdf.export_slot(three["a"].pk):
        page = report_pdf(client, three["a"]).content.decode()

    # the app's layout, a way back to the dashboard, and a way to try again
    assert 'class="sidebar"' in page
    assert reverse("analytics:dashboard", kwargs={"ws": three["a"].slug}) in page
    assert "format=pdf" in page


def test_a_crashed_render_does_not_hold_its_place_for_ever(client, three, printer, monkeypatch):
    # given a render that took Alpha's place and died without giving it back (its place
    # expires after the render's time limit, shortened here to one second)
    monkeypatch.setattr(pdf, "SLOT_SECONDS", 1)
    client.force_login(three["owner_a"])
    crashed = pdf.export_slot(three["a"].pk)
    crashed.__enter__()  # never left: the process died while printing
    assert report_pdf(client, three["a"]).status_code == 429

    # when the place expires, then the next PDF is made
    deadline = time.monotonic() + 10
    response = report_pdf(client, three["a"])
    while response.status_code == 429 and time.monotonic() < deadline:
        time.sleep(0.2)
        response = report_pdf(client, three["a"])
    assert response.status_code == 200
    assert len(printer) == 1


def test_with_the_cache_down_the_pdf_is_made_and_the_log_says_it_was_not_bounded(
    client, three, printer, redis_down, caplog
):
    # given the cache that counts the places is unreachable (Redis down)
    client.force_login(three["owner_a"])

    # when the manager asks for the PDF
    with caplog.at_level("WARNING", logger="analytics.pdf"):
        response = report_pdf(client, three["a"])

    # then it is made all the same, and the log says the bound was not applied
    assert response.status_code == 200
    assert "PDF export bound not applied" in caplog.text
    assert "redis-secret-pw" not in caplog.text
