from django.apps import AppConfig


class SmmConfig(AppConfig):
    name = "smm"
    verbose_name = "SMM core"
