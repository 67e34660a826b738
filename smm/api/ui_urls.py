"""The API & webhooks page under /w/<ws>/api/ (names without a namespace, like the core's)."""

from django.urls import path

from smm.api import ui

urlpatterns = [
    path("", ui.api_home, name="api_home"),
    path("tokens/", ui.token_create, name="api_token_create"),
    path("tokens/<int:token_id>/revoke/", ui.token_revoke, name="api_token_revoke"),
    path("webhooks/", ui.webhook_create, name="api_webhook_create"),
    path("webhooks/<int:endpoint_id>/", ui.webhook_detail, name="api_webhook"),
    path("webhooks/<int:endpoint_id>/action/", ui.webhook_action, name="api_webhook_action"),
]
