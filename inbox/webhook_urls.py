"""Webhook receivers of the networks (Facebook/Instagram...), outside the workspace URL space."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
