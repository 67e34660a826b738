"""The import pages: upload (dry run by default), the job page with its rows, the errors
and template downloads, importing a checked file; rights and tenancy."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from posts import bulk
from posts.models import BulkImport, Post
from tests.bulk.test_import import future

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_process(monkeypatch):
    """The worker's job, run as soon as the upload commits (in-process)."""
    monkeypatch.setattr(bulk, "enqueue", lambda job_id: bulk.run(job_id))


def url(world, name, **kwargs):
    return reverse(f"posts:{name}", kwargs={"ws": world["ws"].slug, **kwargs})


def upload(client, world, text: str | bytes, *, dry_run=True, name="posts.csv"):
    data = text.encode() if isinstance(text, str) else text
    form = {"brand": world["brand"].pk, "file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if dry_run:
        form["dry_run"] = "on"
    return client.post(url(world, "bulk_upload"), form)


def test_the_posts_list_links_to_the_import_page_for_those_who_write(client, world):
    client.force_login(world["editor"])
    assert url(world, "bulk_upload") in client.get(url(world, "list")).content.decode()
    client.force_login(world["client"])
    assert url(world, "bulk_upload") not in client.get(url(world, "list")).content.decode()


def test_the_upload_page_has_dry_run_ticked_and_the_column_guide(client, world):
    client.force_login(world["editor"])
    page = client.get(url(world, "bulk_upload")).content.decode()
    assert 'name="dry_run"' in page and "checked" in page.split('name="dry_run"')[1].split(">")[0]
    assert "scheduled_at" in page and "text_x, text_mastodon" in page
    template = client.get(url(world, "bulk_template"))
    assert template["Content-Disposition"] == 'attachment; filename="smm-import-template.csv"'
    assert template.content.decode("utf-8-sig").startswith("accounts,text,text_x,media,alt_text,scheduled_at")


def test_dry_run_then_download_errors_then_import_the_valid_rows(
    client, world, in_process, django_capture_on_commit_callbacks
):
    client.force_login(world["editor"])
    text = f"accounts;text;scheduled_at\n@northwind;Good;{future()}\n@ghost;Bad;{future(4)}\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, world, "\ufeff" + text)
    job = BulkImport.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "1 of 2 rows can become posts; 1 needs fixing." in page
    assert "Northwind Coffee has no account “@ghost”" in page
    assert Post.objects.count() == 0

    errors = client.get(url(world, "bulk_job_errors", job_id=job.pk))
    rows = list(csv.reader(io.StringIO(errors.content.decode("utf-8-sig"))))
    assert rows[0] == ["accounts", "text", "scheduled_at", "error"]
    assert rows[1][:2] == ["@ghost", "Bad"] and "no account “@ghost”" in rows[1][3]
    assert errors["Content-Disposition"] == 'attachment; filename="posts-errors.csv"'

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(world, "bulk_job_import", job_id=job.pk))
    real = BulkImport.objects.get(dry_run=False)
    assert response["Location"] == real.get_absolute_url()
    assert real.checked_by == job and real.imported_rows == 1
    page = client.get(real.get_absolute_url()).content.decode()
    post = Post.objects.get()
    assert "1 post created; 1 row not imported." in page
    assert post.get_absolute_url() in page


def test_a_file_refused_as_a_whole_comes_back_on_the_form(client, world):
    client.force_login(world["editor"])
    response = upload(client, world, "text,when\nHello,\n")
    assert response.status_code == 400
    assert "The header has no “accounts” column" in response.content.decode()
    assert BulkImport.objects.count() == 0
    response = upload(client, world, "accounts,text\n@a,Café\n".encode("cp1252"))
    assert "is not UTF-8 text" in response.content.decode()


def test_while_running_the_page_polls_and_shows_progress(client, world):
    client.force_login(world["editor"])
    with_no_worker = upload(client, world, "accounts,text\n@northwind,Hi\n")
    job = BulkImport.objects.get()
    page = client.get(with_no_worker["Location"]).content.decode()
    assert "Waiting for a worker" in page and 'hx-trigger="every 2s"' in page
    BulkImport.objects.filter(pk=job.pk).update(status="running", phase="checking", total_rows=10, done_rows=4)
    live = client.get(url(world, "bulk_job_live", job_id=job.pk)).content.decode()
    assert "Checking rows:" in live and "4 of 10" in live
    bulk.run(job.pk)
    done = client.get(url(world, "bulk_job_live", job_id=job.pk))
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_a_client_may_not_import_and_another_workspace_does_not_see_the_job(client, world, make_workspace, make_member):
    client.force_login(world["client"])
    assert client.get(url(world, "bulk_upload")).status_code == 403
    client.force_login(world["editor"])
    upload(client, world, "accounts,text\n@northwind,Hi\n")
    job = BulkImport.objects.get()
    stranger = make_member(make_workspace("Elsewhere"), "owner", username="stranger")
    client.force_login(stranger)
    assert client.get(url(world, "bulk_job", job_id=job.pk)).status_code == 404
    assert client.get(url(world, "bulk_job_errors", job_id=job.pk)).status_code == 404


def test_the_brand_must_be_of_this_workspace(client, world, make_workspace, make_brand):
    theirs = make_brand(make_workspace("Elsewhere"), "Theirs")
    client.force_login(world["editor"])
    response = client.post(
        url(world, "bulk_upload"),
        {"brand": theirs.pk, "file": SimpleUploadedFile("a.csv", b"accounts,text\n@a,b\n"), "dry_run": "on"},
    )
    assert response.status_code == 400 and BulkImport.objects.count() == 0


def test_an_import_that_waits_too_long_can_be_handed_to_a_worker_again(client, world, monkeypatch):
    handed = []
    monkeypatch.setattr(bulk, "enqueue", handed.append)
    client.force_login(world["editor"])
    upload(client, world, "accounts,text\n@northwind,Hi\n")
    job = BulkImport.objects.get()
    assert "Hand it to a worker again" not in client.get(job.get_absolute_url()).content.decode()
    BulkImport.objects.filter(pk=job.pk).update(created_at=job.created_at - dt.timedelta(minutes=5))
    assert "Hand it to a worker again" in client.get(job.get_absolute_url()).content.decode()
    client.post(url(world, "bulk_job_restart", job_id=job.pk))
    assert handed == [job.pk]


def test_a_long_import_pages_its_rows_and_filters_the_errors(client, world):
    from smm.models import Membership

    rows = "".join(f"@northwind,Post {i},{future(days=2 + i // 10, hour=8 + i % 10)}\n" for i in range(130))
    membership = Membership.objects.get(workspace=world["ws"], user=world["editor"])
    job = bulk.start(
        world["ws"],
        world["brand"],
        membership,
        content="accounts,text,scheduled_at\n" + rows + "@ghost,x,\n",
        file_name="long.csv",
        dry_run=True,
        in_background=False,
    )
    bulk.run(job.pk)
    client.force_login(world["editor"])
    page = client.get(job.get_absolute_url()).content.decode()
    assert page.count('data-testid="row"') == 100 and "Page 1 of 2" in page
    errors = client.get(job.get_absolute_url() + "?show=errors").content.decode()
    assert errors.count('data-testid="row"') == 1 and "no account “@ghost”" in errors
