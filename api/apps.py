"""The REST API app: above the feature apps (DESIGN.md layers), it reads and changes them
through their own actions and queries; nothing below imports it."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"
