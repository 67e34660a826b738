"""The content calendar (app label "calendar"): views, JSON feed, posting slots, notes, iCal."""

from django.apps import AppConfig


class CalendarConfig(AppConfig):
    # A top-level package named "calendar" would shadow Python's calendar module.
    name = "content_calendar"
    label = "calendar"
    verbose_name = "Content calendar"
    # (label, url name, right, order): picked up by smm.context_processors.workspace_menu
    nav_entries = [("Calendar", "calendar:view", "view", 10)]
