"""A worker keeps its database connection between tasks (a new PostgreSQL backend per
task cost more CPU than the publish itself) and still drops one that broke."""

import pytest
from celery.signals import task_postrun, task_prerun
from django.db import connection


class _Request:
    def __init__(self, eager: bool):
        self.is_eager = eager


class _Task:
    """What Celery sends task_prerun/task_postrun from: the task, with its request."""

    name = "posts.tasks.publish_target"

    def __init__(self, eager: bool):
        self.request = _Request(eager)


def _task(eager: bool) -> _Task:
    return _Task(eager)


@pytest.mark.django_db(transaction=True)
def test_a_healthy_connection_is_kept_from_one_task_to_the_next():
    # given: a connection the worker thread already uses
    connection.ensure_connection()
    before = connection.connection

    # when one task ends and the next one starts
    task_postrun.send(sender=_task(eager=False), task_id="1", task=_task(eager=False))
    task_prerun.send(sender=_task(eager=False), task_id="2", task=_task(eager=False))

    # then: the same connection, still working
    assert connection.connection is before
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_failed_is_replaced_before_the_next_task():
    # given: the last task's connection died (a database restart)
    connection.ensure_connection()
    broken = connection.connection
    broken.close()
    connection.errors_occurred = True

    # when the next task starts
    task_prerun.send(sender=_task(eager=False), task_id="3", task=_task(eager=False))

    # then: it works on a new connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection is not broken


@pytest.mark.django_db
def test_an_eager_task_leaves_its_callers_connection_alone():
    # given: a task run inside the caller's transaction (tests, eager mode)
    connection.ensure_connection()
    before = connection.connection

    # when
    task_prerun.send(sender=_task(eager=True), task_id="4", task=_task(eager=True))
    task_postrun.send(sender=_task(eager=True), task_id="4", task=_task(eager=True))

    # then: not closed under the caller's feet
    assert connection.connection is before
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
