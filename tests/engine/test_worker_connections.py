"""A worker keeps its database connection between tasks (a new PostgreSQL backend per
task cost more CPU than the publish itself) and still drops one that broke."""

import pytest
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.db import connection

# A database server's connection can die under a worker (a restart); SQLite's cannot (a
# file), and the tests' in-memory SQLite database dies with its only connection. CI runs
# this on PostgreSQL, which it requires.
needs_a_database_server = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="only a database server's connection can break under a worker",
)


class _Request:
    def __init__(self, eager: bool):
        self.is_eager = eager


class _Task:
    """What Celery sends task_prerun/task_postrun from: the task, with its request."""

    name = "posts.tasks.publish_target"

    def __init__(self, eager: bool):
        self.request = _Request(eager)


def _between_tasks(*, eager: bool = False) -> None:
    """What a worker thread does between two tasks: the last one ends, the next starts."""
    task = _Task(eager)
    task_postrun.send(sender=task, task_id="1", task=task)
    task_prerun.send(sender=task, task_id="2", task=task)


def _answers() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


@pytest.mark.django_db(transaction=True)
def test_a_healthy_connection_is_kept_from_one_task_to_the_next():
    # given: a connection the worker thread already uses
    connection.ensure_connection()
    before = connection.connection

    # when one task ends and the next one starts
    _between_tasks()

    # then: the same connection, still working
    assert connection.connection is before
    assert _answers()


@needs_a_database_server
@pytest.mark.django_db(transaction=True)
def test_a_connection_that_failed_is_replaced_before_the_next_task():
    # given: the last task's connection died (a database restart)
    connection.ensure_connection()
    broken = connection.connection
    broken.close()
    connection.errors_occurred = True

    # when the next task starts
    _between_tasks()

    # then: it works on a new connection
    assert _answers()
    assert connection.connection is not broken


@pytest.mark.django_db
def test_an_eager_task_leaves_its_callers_connection_alone():
    # given: a task run inside the caller's transaction (tests, eager mode)
    connection.ensure_connection()
    before = connection.connection

    # when
    _between_tasks(eager=True)

    # then: not closed under the caller's feet
    assert connection.connection is before
    assert _answers()
