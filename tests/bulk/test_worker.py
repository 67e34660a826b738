"""An import handed to a real Celery worker on the default queue (PostgreSQL + Redis), as
the upload page does it: the worker checks and imports the rows."""

from __future__ import annotations

import pytest

from posts import bulk
from posts.models import BulkImport, Post
from smm.models import Membership
from tests.bulk.test_import import future
from tests.engine.test_integration import Engine, _services, redis_db, wait_for  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def default_worker(tmp_path, redis_db):  # noqa: F811 (the fixture imported above)
    engine = Engine(tmp_path)
    engine.queue_worker("default", "bulk")
    try:
        yield engine
    finally:
        engine.stop_all()
        print(engine.logs())  # shown by pytest only when the test failed


def test_the_worker_imports_an_uploaded_file(world, default_worker):
    membership = Membership.objects.get(workspace=world["ws"], user=world["editor"])
    text = f"accounts,text,scheduled_at\n@northwind,From the worker,{future()}\n@ghost,Reported,\nbluesky,Slot,\n"
    job = bulk.start(world["ws"], world["brand"], membership, content=text, file_name="w.csv", dry_run=False)

    def finished():
        job.refresh_from_db()
        return job.finished

    wait_for(finished, timeout=60, what="the worker to finish the import")
    assert job.status == BulkImport.Status.DONE
    assert (job.imported_rows, job.error_rows) == (2, 1)
    assert sorted(Post.objects.values_list("text", flat=True)) == ["From the worker", "Slot"]
