import re

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from smm import connections, first_run, operations, password_reset, security, site_pages, views
from smm.health import healthz
from smm.media import serve_media

workspace_patterns = [
    path("", views.workspace_home, name="workspace"),
    path("brands/new/", views.brand_create, name="brand_create"),
    path("brands/<int:brand_id>/", views.brand_detail, name="brand"),
    path("brands/<int:brand_id>/edit/", views.brand_edit, name="brand_edit"),
    path("brands/<int:brand_id>/pause/", views.brand_toggle_pause, name="brand_toggle_pause"),
    path("accounts/<int:account_id>/status/", views.account_set_status, name="account_set_status"),
    path("brands/<int:brand_id>/connect/", connections.choose_network, name="connect_choose"),
    path("brands/<int:brand_id>/connect/<str:network>/", connections.start, name="connect_start"),
    path("accounts/<int:account_id>/reconnect/", connections.reconnect, name="account_reconnect"),
    path("members/", views.members, name="members"),
    path("members/<int:membership_id>/", views.member_update, name="member_update"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("settings/", views.workspace_settings, name="workspace_settings"),
    path("audit/", views.audit_log, name="audit_log"),
    path("operations/", operations.operations_page, name="operations"),
    path("operations.json", operations.operations_json, name="operations_json"),
    # Reserved for the apps that build on the core.
    path("posts/", include("posts.urls")),
    path("calendar/", include("content_calendar.urls")),
    path("analytics/", include("analytics.urls")),
    path("inbox/", include("inbox.urls")),
    path("links/", include("links.urls")),
    path("listening/", include("listening.urls")),
    path("recurring/", include("recurring.urls")),
    path("api/", include("api.ui_urls")),
]

# A bad request answers with templates/400.html, or JSON under /api/ (smm/request_input.py).
handler400 = "smm.request_input.bad_request"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", site_pages.favicon, name="favicon"),  # asked by browsers whatever the page links
    path("ops/status.json", operations.status_json, name="ops_status"),
    path("setup/", first_run.setup, name="first_run_setup"),
    path("login/", security.LoginView.as_view(), name="login"),
    path("login/verify/", security.login_verify, name="login_verify"),
    path("account/security/", security.account_security, name="account_security"),
    path("account/two-factor/", security.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/off/", security.two_factor_disable, name="two_factor_disable"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", password_reset.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("workspaces/", views.workspace_list, name="workspace_list"),
    path("workspaces/new/", views.workspace_create, name="workspace_create"),
    path("profile/", views.profile, name="profile"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("w/<slug:ws>/", include(workspace_patterns)),
    path("connect/<str:network>/callback/", connections.oauth_callback, name="connect_callback"),
    path("admin/login/", security.admin_login_redirect, name="admin_login_redirect"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("feeds/", include("content_calendar.feed_urls")),
    path("reports/", include("analytics.email_urls")),
    path("hooks/", include("inbox.webhook_urls")),
    path(f"{settings.SHORT_LINK_PREFIX}/", include("links.redirect_urls")),  # public short links
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

# Uploaded media in every mode (smm/media.py); a reverse proxy may serve MEDIA_ROOT at
# MEDIA_URL itself instead. A MEDIA_URL on another host (a CDN) needs no route here.
if settings.MEDIA_URL.startswith("/"):
    urlpatterns.append(
        re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<name>.+)$", serve_media, name="media")
    )
