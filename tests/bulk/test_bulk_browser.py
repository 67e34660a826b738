"""A marketer imports a spreadsheet in Chromium: upload (dry run ticked), progress, the
rows' results, the rows with errors downloaded, fixed and uploaded again, the valid rows
imported. Screenshots in test-artifacts/bulk-*.png."""

from __future__ import annotations

import csv
import io
import threading

import pytest
from django.db import connection
from playwright.sync_api import expect

from posts import bulk
from posts.models import Post
from tests.bulk.test_import import future

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_thread(monkeypatch):
    """The worker, as a thread of this process: the page really waits and polls."""
    threads = []

    def hand_over(job_id):
        def work():
            try:
                bulk.run(job_id)
            finally:
                connection.close()

        thread = threading.Thread(target=work)
        thread.start()
        threads.append(thread)

    monkeypatch.setattr(bulk, "enqueue", hand_over)
    yield
    for thread in threads:
        thread.join(timeout=30)


def test_upload_dry_run_fix_the_errors_and_import(world, page, live_server, login, screenshot, worker_thread, tmp_path):
    login("eddie")
    page.goto(f"{live_server.url}/w/{world['ws'].slug}/posts/")
    page.get_by_test_id("import-csv").click()
    expect(page.get_by_role("heading", name="Import posts from a CSV file")).to_be_visible()
    expect(page.get_by_label("Dry run: check every row, create nothing")).to_be_checked()
    screenshot("bulk-1-upload")

    sheet = tmp_path / "spring.csv"
    sheet.write_text(
        "accounts;text;text_x;media;scheduled_at\n"
        f'@northwind@social.example|x;"Spring blend is here.\nBright and floral.";Spring ☕;spring.png;{future()}\n'
        "@northwind_old;Tasting on Tuesday;;;\n"
        "bluesky;Into the next free slot;;;\n",
        encoding="utf-8-sig",
    )
    page.set_input_files("input[name=file]", str(sheet))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_test_id("summary-text")).to_have_text(
        "2 of 3 rows can become posts; 1 needs fixing.", timeout=20_000
    )
    expect(page.locator("tr[data-row='3']")).to_contain_text("Northwind Coffee has no account “@northwind_old”")
    expect(page.locator("tr[data-row='4']")).to_contain_text("next free slot")
    assert Post.objects.count() == 0
    screenshot("bulk-2-dry-run")

    with page.expect_download() as download:
        page.get_by_test_id("download-errors").click()
    errors = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(errors)))
    assert rows[0] == ["accounts", "text", "text_x", "media", "scheduled_at", "error"]
    assert rows[1][0] == "@northwind_old" and "no account" in rows[1][5]

    page.get_by_test_id("import-valid").click()
    expect(page.get_by_test_id("summary-text")).to_have_text("2 posts created; 1 row not imported.", timeout=20_000)
    expect(page.get_by_test_id("post-link")).to_have_count(2)
    screenshot("bulk-3-imported")

    fixed = tmp_path / "spring-errors.csv"
    fixed.write_text(errors.replace("@northwind_old", "x:@northwind"), encoding="utf-8")
    page.goto(f"{live_server.url}/w/{world['ws'].slug}/posts/import/")
    page.set_input_files("input[name=file]", str(fixed))
    page.get_by_label("Dry run: check every row, create nothing").uncheck()
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_test_id("summary-text")).to_have_text("1 post created.", timeout=20_000)
    screenshot("bulk-4-fixed-rows")
    assert sorted(Post.objects.values_list("text", flat=True)) == [
        "Into the next free slot",
        "Spring blend is here.\nBright and floral.",
        "Tasting on Tuesday",
    ]
    page.get_by_test_id("post-link").click()
    expect(page.locator("body")).to_contain_text("Tasting on Tuesday")


def test_the_import_pages_fit_a_phone(world, page, live_server, login, screenshot, run_import):
    job = run_import(
        "accounts,text\n@northwind,Hello from a phone\n@ghost_account_with_a_long_name,Not this one\n", dry_run=True
    )
    login("eddie")
    page.set_viewport_size({"width": 390, "height": 844})
    for name, path in (
        ("bulk-phone-upload", f"/w/{world['ws'].slug}/posts/import/"),
        ("bulk-phone-job", job.get_absolute_url()),
    ):
        page.goto(f"{live_server.url}{path}")
        screenshot(name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways ({width} px)"
