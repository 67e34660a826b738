"""Webhook receivers of the networks (Facebook/Instagram...), outside the workspace URL space."""

from django.urls import path

from inbox import webhooks

urlpatterns = [
    path("meta/", webhooks.meta_webhook, name="hooks_meta"),
]
