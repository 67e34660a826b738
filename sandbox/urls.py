"""The sandbox network under /sandbox/: Mastodon's API paths relative to the instance root
(so the adapter's base URL is SITE_URL + "/sandbox"), its OAuth server, and public pages."""

from django.urls import path

from sandbox import admin_views, api, oauth, pages

app_name = "sandbox"
urlpatterns = [
    path("", pages.timeline, name="timeline"),
    path("@<str:username>", pages.profile, name="profile"),
    path("@<str:username>/<int:status_id>", pages.status_page, name="status"),
    path("avatars/<str:username>.svg", api.avatar, name="avatar"),
    # Mastodon REST API
    path("api/v1/statuses", api.statuses, name="api_statuses"),
    path("api/v1/statuses/<int:status_id>", api.status_detail, name="api_status"),
    path("api/v2/media", api.media_upload, name="api_media_upload"),
    path("api/v1/media", api.media_upload, name="api_media_upload_v1"),
    path("api/v1/media/<int:media_id>", api.media_detail, name="api_media"),
    path("api/v1/accounts/verify_credentials", api.verify_credentials, name="api_verify_credentials"),
    path("api/v1/accounts/<int:account_id>", api.account_detail, name="api_account"),
    path("api/v1/accounts/<int:account_id>/statuses", api.account_statuses, name="api_account_statuses"),
    path("api/v1/notifications", api.notifications, name="api_notifications"),
    path("api/v2/instance", api.instance, name="api_instance"),
    path("api/v1/apps", oauth.register_app, name="api_apps"),
    # OAuth
    path("oauth/authorize", oauth.authorize, name="oauth_authorize"),
    path("oauth/token", oauth.token, name="oauth_token"),
    path("oauth/revoke", oauth.revoke, name="oauth_revoke"),
    # Runtime fault switch (benchmarks, reliability tests)
    path("admin/faults", admin_views.faults, name="faults"),
]
