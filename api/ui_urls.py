"""The API & webhooks page under /w/<ws>/api/ (names without a namespace, like the core's)."""

from django.urls import path

from api.views import tokens, webhooks

urlpatterns = [
    path("", tokens.api_home, name="api_home"),
    path("tokens/", tokens.token_create, name="api_token_create"),
    path("tokens/<int:token_id>/revoke/", tokens.token_revoke, name="api_token_revoke"),
    path("webhooks/", webhooks.webhook_create, name="api_webhook_create"),
    path("webhooks/<int:endpoint_id>/", webhooks.webhook_detail, name="api_webhook"),
    path("webhooks/<int:endpoint_id>/action/", webhooks.webhook_action, name="api_webhook_action"),
]
