"""Celery tasks of the metrics queue: beat ticks that find due work, and per-account pulls.

Ticks only enqueue account ids; each pull re-reads the database, takes the account's
lock and is safe to run twice.
"""

from __future__ import annotations

from celery import shared_task

from analytics import collection, reports


@shared_task(ignore_result=True)
def schedule_post_metric_pulls():
    """Beat tick: plan newly published targets, enqueue one pull per account with due targets."""
    collection.plan_new_targets()
    for account_id in collection.accounts_due():
        pull_post_metrics.delay(account_id)


@shared_task(ignore_result=True)
def schedule_account_metric_pulls():
    """Beat tick (hourly): accounts without today's snapshot get one pull (so once a day)."""
    for account_id in collection.accounts_needing_daily_snapshot():
        pull_account_metrics.delay(account_id)


@shared_task(ignore_result=True)
def pull_post_metrics(account_id: int):
    return collection.pull_post_metrics(account_id)


@shared_task(ignore_result=True)
def pull_account_metrics(account_id: int):
    return collection.pull_account_metrics(account_id)


@shared_task(ignore_result=True)
def send_weekly_reports():
    """Beat tick (hourly): send the weekly KPI emails that are due (Monday morning, local)."""
    for subscription_id in reports.due_subscriptions():
        send_weekly_report.delay(subscription_id)


@shared_task(ignore_result=True)
def send_weekly_report(subscription_id: int):
    return reports.send_weekly_report(subscription_id)
