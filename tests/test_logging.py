"""The log is quiet by default and useful when asked: no per-tick lines, one line per
record, a refusal is one line, the demo's history is not pulled from the sandbox."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.urls import path

from analytics import collection
from analytics.models import MetricPullPlan
from posts import tasks
from posts.models import PostTarget

pytestmark = pytest.mark.django_db


def _refusing_view(request):
    raise PermissionDenied("Your role (Client) cannot do this here.")


urlpatterns = [path("refused/", _refusing_view)]


def _printing_handlers(name: str, level: int) -> list[logging.Handler]:
    """The handlers that would write a record of ``level`` on logger ``name`` (pytest's own
    capture handlers aside)."""
    logger = logging.getLogger(name)
    record = logger.makeRecord(name, level, __file__, 1, "a line", (), None)
    found = []
    current = logger
    while current:
        for handler in current.handlers:
            if type(handler).__module__.startswith("_pytest") or isinstance(handler, logging.NullHandler):
                continue
            if level >= handler.level and handler.filter(record):
                found.append(handler)
        if not current.propagate:
            break
        current = current.parent
    return found


def test_an_idle_dispatcher_tick_logs_nothing_at_info(caplog):
    caplog.set_level(logging.INFO)
    assert tasks.dispatch_due() == 0
    # Celery's own per-task lines (beat sent it, the worker received it, it succeeded)
    for name in ("celery.beat", "celery.worker.strategy", "celery.app.trace"):
        logging.getLogger(name).info("Task posts.tasks.dispatch_due[abc] succeeded in 0.002s: 0")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []


def test_an_idle_dispatcher_tick_is_there_when_asked(caplog):
    caplog.set_level(logging.DEBUG, logger="posts")
    tasks.dispatch_due()
    assert any(r.levelno == logging.DEBUG and r.name.startswith("posts") for r in caplog.records)


def test_a_failed_task_still_logs_an_error(caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("celery.app.trace").error("Task posts.tasks.publish_target[abc] raised unexpected: boom")
    assert [r.levelname for r in caplog.records] == ["ERROR"]


@override_settings(DEBUG=True)
@pytest.mark.parametrize("name", ["django.request", "django.server", "posts.tasks", "celery.app.trace", "kombu"])
def test_each_warning_is_printed_once(name):
    assert len(_printing_handlers(name, logging.WARNING)) == 1


@pytest.mark.urls(__name__)
def test_a_refusal_is_one_warning_line_without_traceback(client, caplog, make_user):
    client.force_login(make_user())
    caplog.set_level(logging.INFO)
    assert client.get("/refused/").status_code == 403
    lines = [r for r in caplog.records if r.name == "django.request"]
    assert [r.levelname for r in lines] == ["WARNING"]
    assert lines[0].exc_info is None
    assert "Traceback" not in logging.Formatter().format(lines[0])


def test_a_not_found_is_one_warning_line_without_traceback(client, caplog, make_user):
    client.force_login(make_user())
    caplog.set_level(logging.INFO)
    assert client.get("/no-such-page/").status_code == 404
    lines = [r for r in caplog.records if r.name == "django.request"]
    assert len(lines) == 1 and lines[0].exc_info is None


def test_the_demo_history_is_not_pulled_from_the_network(two_workspaces):
    call_command("generate_history", seed=42, days=40, workspace=["alpha"], verbosity=0)
    generated = PostTarget.objects.filter(publish_state__has_key="demo_history")
    assert generated.exists()
    collection.plan_new_targets()
    assert not MetricPullPlan.objects.filter(target__in=generated).exists()


def test_a_plan_made_for_the_demo_history_earlier_does_not_ask_the_network(two_workspaces, use_adapter):
    call_command("generate_history", seed=42, days=40, workspace=["alpha"], verbosity=0)
    target = PostTarget.objects.filter(account=two_workspaces["account_a"], publish_state__has_key="demo_history")
    target = target.order_by("-published_at").first()
    MetricPullPlan.objects.create(
        target=target, account=target.account, published_at=target.published_at, next_pull_at=target.published_at
    )
    asked = []

    class Network:
        supports_post_metrics = True

        def fetch_post_metrics(self, context, remote_ids):
            asked.extend(remote_ids)
            return {}

    use_adapter(Network())
    collection.pull_post_metrics(target.account_id)
    assert asked == []
    assert MetricPullPlan.objects.get(target=target).next_pull_at is None


def test_the_embedded_broker_connects_without_a_warning(settings, caplog):
    from kombu import Connection

    caplog.set_level(logging.INFO)
    Connection(settings.EMBEDDED_BROKER_URL).info()  # what the worker and beat print at start
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
