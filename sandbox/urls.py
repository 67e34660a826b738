"""The sandbox network under /sandbox/: Mastodon's API paths relative to the instance root
(so the adapter's base URL is SITE_URL + "/sandbox"), its OAuth server, and public pages.

The API paths take a trailing slash too (``/api/v1/statuses/``), as Mastodon's router does:
some clients send it."""

from django.urls import path, re_path

from sandbox import admin_views, api, oauth, pages, timelines


def api_path(route: str, view, name: str):
    """``route`` (a Mastodon API path, ``<int:...>`` parts allowed) with or without a
    trailing slash; ``reverse`` gives the form without."""
    pattern = route.replace("<int:", "(?P<").replace(">", ">[0-9]+)")
    return re_path(rf"^{pattern}/?$", _int_kwargs(view), name=name)


def _int_kwargs(view):
    """re_path hands captured ids over as text; the views take integers, as with path()."""

    def wrapper(request, *args, **kwargs):
        return view(request, *args, **{k: int(v) for k, v in kwargs.items()})

    wrapper.__name__ = getattr(view, "__name__", "view")
    wrapper.csrf_exempt = getattr(view, "csrf_exempt", False)
    return wrapper


app_name = "sandbox"
urlpatterns = [
    path("", pages.timeline, name="timeline"),
    path("@<str:username>", pages.profile, name="profile"),
    path("@<str:username>/<int:status_id>", pages.status_page, name="status"),
    path("avatars/<str:username>.svg", api.avatar, name="avatar"),
    # Mastodon REST API
    api_path("api/v1/statuses", api.statuses, name="api_statuses"),
    api_path("api/v1/statuses/<int:status_id>", api.status_detail, name="api_status"),
    api_path("api/v2/media", api.media_upload, name="api_media_upload"),
    api_path("api/v1/media", api.media_upload, name="api_media_upload_v1"),
    api_path("api/v1/media/<int:media_id>", api.media_detail, name="api_media"),
    api_path("api/v1/accounts/verify_credentials", api.verify_credentials, name="api_verify_credentials"),
    api_path("api/v1/accounts/<int:account_id>", api.account_detail, name="api_account"),
    api_path("api/v1/accounts/<int:account_id>/statuses", api.account_statuses, name="api_account_statuses"),
    api_path("api/v1/notifications", api.notifications, name="api_notifications"),
    api_path("api/v1/instance", api.instance_v1, name="api_instance_v1"),
    api_path("api/v2/instance", api.instance, name="api_instance"),
    api_path("api/v1/apps", oauth.register_app, name="api_apps"),
    # Public reading for listening (sandbox/timelines.py)
    re_path(r"^api/v1/timelines/tag/(?P<name>[^/]+)/?$", timelines.tag_timeline, name="api_tag_timeline"),
    api_path("api/v2/search", timelines.search, name="api_search"),
    api_path("api/v1/accounts/lookup", timelines.account_lookup, name="api_account_lookup"),
    # OAuth
    path("oauth/authorize", oauth.authorize, name="oauth_authorize"),
    path("oauth/token", oauth.token, name="oauth_token"),
    path("oauth/revoke", oauth.revoke, name="oauth_revoke"),
    # Runtime fault switch (benchmarks, reliability tests)
    path("admin/faults", admin_views.faults, name="faults"),
]
