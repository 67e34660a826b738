from django.apps import AppConfig


class CalendarConfig(AppConfig):
    # A top-level package named "calendar" would shadow Python's calendar module.
    name = "content_calendar"
    label = "calendar"
    verbose_name = "Content calendar"
