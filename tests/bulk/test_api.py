"""POST /api/v1/workspaces/<ws>/posts/bulk/: the CSV's rows as JSON, errors keyed by
column per row; small batches answered at once, larger ones as a job."""

from __future__ import annotations

import pytest

from posts import bulk
from posts.models import BulkImport, Post
from tests.bulk.test_import import future

pytestmark = pytest.mark.django_db


def endpoint(world, job_id=None):
    base = f"/api/v1/workspaces/{world['ws'].slug}/posts/bulk/"
    return f"{base}{job_id}/" if job_id else base


def test_a_dry_run_answers_each_row_with_errors_by_column(client, world):
    client.force_login(world["editor"])
    body = {
        "brand": world["brand"].pk,
        "rows": [
            {"accounts": ["@northwind", "mastodon"], "text": "Hello", "text_x": "Hello X", "scheduled_at": ""},
            {"accounts": "@ghost", "text": "Hi", "scheduled_at": "2020-01-06 09:00", "campaign": "Nope"},
        ],
    }
    response = client.post(endpoint(world), body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["dry_run"], data["ok_rows"], data["error_rows"], data["imported_rows"]) == (True, 1, 1, 0)
    first, second = data["rows"]
    assert first["status"] == "ok" and first["next_free_slot"] and first["scheduled_at"]
    assert set(second["errors"]) == {"accounts", "scheduled_at", "campaign"}
    assert "has already passed" in second["errors"]["scheduled_at"][0]
    assert Post.objects.count() == 0


def test_a_real_run_creates_the_posts_and_says_which(client, world):
    client.force_login(world["editor"])
    body = {
        "brand": world["brand"].pk,
        "dry_run": False,
        "rows": [{"accounts": "x", "text": "Hi", "scheduled_at": future()}],
    }
    response = client.post(endpoint(world), body, content_type="application/json")
    assert response.status_code == 201
    (row,) = response.json()["rows"]
    assert row["status"] == "imported" and Post.objects.get().pk == row["post"]


def test_many_rows_run_as_a_job_read_back_later(client, world, monkeypatch, django_capture_on_commit_callbacks):
    handed = []
    monkeypatch.setattr(bulk, "enqueue", handed.append)
    client.force_login(world["editor"])
    rows = [
        {"accounts": "x", "text": f"Post {i}", "scheduled_at": future(days=2 + i // 20, hour=8 + i % 12)}
        for i in range(bulk.SYNC_ROWS + 1)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            endpoint(world), {"brand": world["brand"].pk, "rows": rows}, content_type="application/json"
        )
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert handed == [job_id] and response.json()["status"] == "queued" and "rows" not in response.json()
    bulk.run(job_id)
    data = client.get(endpoint(world, job_id) + "?rows=errors").json()
    assert data["status"] == "done" and data["ok_rows"] == bulk.SYNC_ROWS + 1 and data["rows"] == []


def test_bad_bodies_and_rights(client, world, make_workspace, make_brand):
    client.force_login(world["editor"])
    theirs = make_brand(make_workspace("Elsewhere"), "Theirs")
    response = client.post(
        endpoint(world), {"brand": theirs.pk, "rows": [{"accounts": "x"}]}, content_type="application/json"
    )
    assert response.status_code == 400 and "brand" in response.json()
    response = client.post(endpoint(world), {"brand": world["brand"].pk, "rows": []}, content_type="application/json")
    assert response.status_code == 400 and "rows" in response.json()
    response = client.post(
        endpoint(world),
        {"brand": world["brand"].pk, "rows": [{"text": "no accounts"}]},
        content_type="application/json",
    )
    assert response.status_code == 400 and "accounts" in response.json()["rows"][0]
    client.force_login(world["client"])
    response = client.post(
        endpoint(world), {"brand": world["brand"].pk, "rows": [{"accounts": "x"}]}, content_type="application/json"
    )
    assert response.status_code == 403
    assert BulkImport.objects.count() == 0
