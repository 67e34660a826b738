"""Beat's work for series and evergreen categories (routes in RecurringConfig.task_routes)."""

from celery import shared_task


@shared_task(ignore_result=True)
def materialise_all():
    from recurring.actions import materialise_all as run

    return run()


@shared_task(ignore_result=True)
def recycle_evergreen():
    from recurring.evergreen import recycle_all

    return recycle_all()
