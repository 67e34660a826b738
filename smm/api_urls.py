"""The public REST API (/api/v1/), its schema and docs."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
