"""Who may open which URL: one rule per URL name (a new URL without a rule fails
tests/security/test_url_rules.py, so whoever adds a URL adds its rule here).

Expectations per actor: "login" (302 to the login page), "ok" (2xx/3xx, or 400/409/422
for a POST without a body: the request got through to the view), or a status code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smm.roles import Role, role_can

ROLES = [Role.OWNER, Role.MANAGER, Role.EDITOR, Role.CONTRIBUTOR, Role.CLIENT]


@dataclass(frozen=True)
class Rule:
    anonymous: object
    outsider: object
    roles: dict = field(default_factory=dict)
    method: str = "get"
    data: dict | None = None
    # Also ask with the outsider's own workspace slug and this workspace's object ids:
    # another workspace's object must be a 404 (only for URLs with *_id kwargs).
    cross_tenant_ids: bool = True
    # For DRF detail routes: which object the ``pk`` kwarg names (a key of the test's ids).
    pk: str | None = None

    def expected_for(self, role: str):
        return self.roles[role]


def ws(right: str, method: str = "get", data: dict | None = None) -> Rule:
    """A workspace view that needs ``right``: anonymous -> login, non-member -> 404,
    member without the right -> 403, member with it -> through."""
    return Rule(
        anonymous="login",
        outsider=404,
        roles={role: "ok" if role_can(role, right) else 403 for role in ROLES},
        method=method,
        data=data,
    )


def api(right: str = "view", method: str = "get", pk: str | None = None, data: dict | None = None) -> Rule:
    """A REST API route under /api/v1/workspaces/<ws>/ (session auth in this test): no
    credentials -> 401, non-member -> 404, missing right -> 403."""
    rule = ws(right, method=method, data=data)
    return Rule(anonymous=401, outsider=404, roles=rule.roles, method=method, data=data, pk=pk)


def everyone(expected, method: str = "get", data: dict | None = None) -> Rule:
    """The same answer for every visitor (public pages, token-keyed endpoints)."""
    return Rule(anonymous=expected, outsider=expected, roles=dict.fromkeys(ROLES, expected), method=method, data=data)


def logged_in(method: str = "get", anonymous="login", data: dict | None = None) -> Rule:
    """Any logged-in user (not tied to a workspace)."""
    return Rule(anonymous=anonymous, outsider="ok", roles=dict.fromkeys(ROLES, "ok"), method=method, data=data)


def anonymous_page() -> Rule:
    """Login-type pages: shown to visitors, logged-in users are sent on."""
    return Rule(anonymous=200, outsider=302, roles=dict.fromkeys(ROLES, 302))


RULES: dict[str, Rule] = {
    # --- outside any workspace ------------------------------------------------------------
    "home": logged_in(),
    "healthz": everyone(200),
    "favicon": everyone(200),
    "media": everyone(404),  # uploaded files, public in every mode (smm/media.py); an unknown file
    "login": anonymous_page(),
    "login_verify": everyone(302),  # nothing pending: back to the login page
    "account_security": logged_in(),
    "two_factor_setup": logged_in(),
    "two_factor_disable": logged_in(method="post"),
    "logout": everyone(302, method="post"),  # to the login page, logged in or not
    "workspace_list": logged_in(),
    "profile": logged_in(),
    "accept_invitation": everyone(404),  # an unknown token
    "connect_callback": Rule(anonymous=404, outsider="ok", roles=dict.fromkeys(ROLES, "ok")),
    # a visitor to the login page with next; a signed-in member who is not staff: a 403 page
    "admin_login_redirect": Rule(anonymous="login", outsider=403, roles=dict.fromkeys(ROLES, 403)),
    "first_run_setup": everyone(404),  # only while nobody exists (tests/test_first_run.py)
    "password_reset": everyone(200),
    "password_reset_done": everyone(200),
    "password_reset_confirm": everyone(200),  # a forged link: "this link does not work any more"
    "password_reset_complete": everyone(200),
    # owners of any workspace (the outsider owns Beta) and staff; every other role: 403
    "workspace_create": Rule(
        anonymous="login",
        outsider="ok",
        roles={role: "ok" if role == Role.OWNER else 403 for role in ROLES},
        method="post",
    ),
    "calendar_feeds:ical": everyone(404),  # an unknown token
    "reports:unsubscribe": everyone(404),  # the weekly email's link: an unknown token
    "hooks_meta": everyone(403),  # no verify token / signature
    "ops_status": everyone(404),  # no monitoring token configured (tested with one in tests/operations)
    # --- workspace pages ------------------------------------------------------------------
    "workspace": ws("view"),
    "brand_create": ws("manage_brands"),
    "brand": ws("view"),
    "brand_edit": ws("manage_brands"),
    "brand_toggle_pause": ws("manage_brands", method="post"),
    "account_set_status": ws("connect_accounts", method="post"),
    "connect_choose": ws("connect_accounts"),
    "connect_start": ws("connect_accounts"),
    "account_reconnect": ws("connect_accounts", method="post"),
    "members": ws("manage_members"),
    "member_update": ws("manage_members", method="post"),
    "invitation_revoke": ws("manage_members", method="post"),
    "workspace_settings": ws("manage_workspace"),
    "audit_log": ws("manage_workspace"),
    "operations": ws("view_operations"),
    "operations_json": ws("view_operations"),
    # posts
    "posts:list": ws("view"),
    "posts:new": ws("write_posts"),
    "posts:check": ws("write_posts", method="post"),
    "posts:media": ws("view"),
    "posts:media_convert": ws("write_posts", method="post"),
    "posts:media_conversion": ws("view"),
    "posts:uploads": ws("write_posts", method="post"),  # tus creation (400 without its headers)
    "posts:upload": ws("write_posts"),  # an upload's outcome (JSON)
    "posts:media_poster": ws("write_posts", method="post"),  # no time given: back to the library with a message
    "posts:media_captions": ws("write_posts", method="post"),  # no file: the library again (400) with the refusal
    "posts:campaigns": ws("view"),
    "posts:slots": ws("view"),
    "posts:snippets": ws("write_posts"),
    "posts:notifications": ws("view"),
    "posts:notifications_read_all": ws("view", method="post"),
    # a notice is its member's own (the owner's here): anyone else's is not found
    "posts:notification_open": Rule(
        anonymous="login", outsider=404, roles={role: "ok" if role == "owner" else 404 for role in ROLES}
    ),
    "posts:detail": ws("view"),
    "posts:live": ws("view"),
    "posts:list_live": ws("view"),
    "posts:edit": ws("write_posts"),
    "posts:action": ws("write_posts", method="post"),  # name=duplicate
    # settling a target of unknown outcome (a draft here: refused with a message, a redirect)
    "posts:target_on_network": ws("resolve_outcomes", method="post"),
    "posts:target_send_again": ws("resolve_outcomes", method="post"),
    # bulk import (a dry run still waiting for a worker: "import" refuses it with a message, a redirect)
    "posts:bulk_upload": ws("write_posts"),
    "posts:bulk_template": ws("write_posts"),
    "posts:bulk_job": ws("write_posts"),
    "posts:bulk_job_live": ws("write_posts"),
    "posts:bulk_job_errors": ws("write_posts"),
    "posts:bulk_job_import": ws("write_posts", method="post"),
    "posts:bulk_job_restart": ws("write_posts", method="post"),
    # calendar
    "calendar:view": ws("view"),
    "calendar:events": ws("view"),
    "calendar:changes": ws("view"),
    "calendar:reschedule": ws("schedule_posts", method="post"),
    "calendar:notes": ws("view"),
    "calendar:note_create": ws("write_posts"),
    "calendar:note_edit": ws("write_posts"),
    "calendar:note_delete": ws("write_posts", method="post"),
    "calendar:feed_token": ws("view", method="post"),
    # API tokens and outgoing webhooks (pages)
    "api_home": ws("manage_api"),
    "api_token_create": ws("manage_api", method="post"),
    # a token is its creator's: the owner may revoke any, others only their own (404 here)
    "api_token_revoke": Rule(
        anonymous="login",
        outsider=404,
        roles={Role.OWNER: "ok", Role.MANAGER: 404, Role.EDITOR: 404, Role.CONTRIBUTOR: 403, Role.CLIENT: 403},
        method="post",
    ),
    "api_webhook_create": ws("manage_brands", method="post"),
    "api_webhook": ws("manage_brands"),
    "api_webhook_action": ws("manage_brands", method="post"),
    # analytics
    "analytics:dashboard": ws("view_analytics"),
    "analytics:overview": ws("view_analytics"),
    "analytics:export_figures": ws("view_analytics"),
    "analytics:export_posts": ws("view_analytics"),
    "analytics:export_campaigns": ws("view_analytics"),
    "analytics:report": ws("view_analytics"),
    "analytics:subscriptions": ws("view_analytics"),
    "analytics:subscribe": ws("view_analytics", method="post"),  # oneself only, any role
    # the subscription is the owner's own: for any other member it does not exist
    "analytics:unsubscribe": Rule(
        anonymous="login",
        outsider=404,
        roles={role: "ok" if role == Role.OWNER else 404 for role in ROLES},
        method="post",
    ),
    # inbox
    "inbox:list": ws("view"),
    "inbox:items": ws("view"),
    "inbox:settings": ws("manage_inbox"),
    "inbox:item": ws("view"),
    "inbox:thread": ws("view"),
    "inbox:reply": ws("reply_inbox", method="post"),
    "inbox:reply_retry": ws("reply_inbox", method="post"),
    "inbox:reply_check": ws("reply_inbox"),
    "inbox:reply_on_network": ws("reply_inbox", method="post"),
    "inbox:reply_send_again": ws("reply_inbox", method="post"),
    "inbox:assign": ws("manage_inbox", method="post"),
    "inbox:status": ws("reply_inbox", method="post"),
    "inbox:note": ws("reply_inbox", method="post"),
}

# The REST API (api/): the same rights as the pages.
API_RULES: dict[str, Rule] = {
    "api-schema": everyone(200),
    "api-docs": everyone(200),
    "api-workspace-list": Rule(anonymous=401, outsider="ok", roles=dict.fromkeys(ROLES, "ok")),
    "api-workspace-detail": api("view"),
    "api-calendar": api("view"),
    "api-kpis": api("view_analytics"),
    "api-conversions": everyone(401, method="post"),  # no signature
    "api-campaign-figures": api("view_analytics"),
    "api-campaign-figures-detail": api("view_analytics"),
    "api-next-free-slot": api("view"),
    "api-brand-list": api("view"),
    "api-brand-detail": api("view", pk="brand_id"),
    "api-account-list": api("view"),
    "api-account-detail": api("view", pk="account_id"),
    "api-member-list": api("view"),
    "api-media-list": api("write_posts", method="post"),
    "api-media-detail": api("view", pk="media_id"),
    "api-media-uploads": api("write_posts", method="post"),  # tus creation (400 without its headers)
    "api-media-upload": api("write_posts"),
    "api-media-convert": api("write_posts", method="post"),  # an image: 400
    "api-media-caption": api("write_posts", method="delete"),  # none in that language: 204
    "api-campaign-list": api("write_posts", method="post"),
    "api-campaign-detail": api("view", pk="campaign_id"),
    "api-slot-list": api("schedule_posts", method="post"),
    "api-slot-detail": api("schedule_posts", method="delete", pk="slot_id"),
    "api-post-list": api("write_posts", method="post"),
    "api-post-detail": api("view", pk="post_id"),
    "api-post-approve": api("approve_posts", method="post", pk="post_id"),
    "api-post-cancel": api("write_posts", method="post", pk="post_id"),
    "api-post-duplicate": api("write_posts", method="post", pk="post_id"),
    "api-post-metrics": api("view", pk="post_id"),
    "api-post-request-changes": api("approve_posts", method="post", pk="post_id", data={"comment": "Shorter, please"}),
    "api-post-retry-target": api("schedule_posts", method="post", pk="post_id"),
    "api-post-target-on-network": api("resolve_outcomes", method="post", pk="post_id"),
    "api-post-send-target-again": api("resolve_outcomes", method="post", pk="post_id"),
    "api-post-schedule": api("schedule_posts", method="post", pk="post_id"),
    "api-post-unschedule": api("schedule_posts", method="post", pk="post_id"),
    "api-post-bulk": api("write_posts", method="post"),
    "api-post-bulk-detail": api("write_posts"),
    "api-inbox-list": api("view"),
    "api-inbox-detail": api("view", pk="item_id"),
    "api-inbox-assign": api("manage_inbox", method="post", pk="item_id"),
    "api-inbox-done": api("reply_inbox", method="post", pk="item_id"),
    "api-inbox-reopen": api("reply_inbox", method="post", pk="item_id"),
    "api-inbox-reply": api("reply_inbox", method="post", pk="item_id"),
}
RULES.update(API_RULES)

# Tracked short links (links/): the redirect is public (an unknown code is a 404 page);
# the pages are the workspace's, changes for owners and managers.
LINKS_RULES: dict[str, Rule] = {
    "links_public:redirect": everyone(404),
    "links:list": ws("view"),
    "links:pause": ws("manage_brands", method="post"),
    "links:repoint": ws("manage_brands"),
    "links:presets": ws("view"),
    "links:preset_workspace": ws("manage_brands"),
    "links:preset_brand": ws("manage_brands"),
    "links:preset_campaign": ws("manage_brands"),
    "links:composer_preview": ws("write_posts", method="post"),
    # Campaign ROI (links/roi_views.py): figures are analytics; money, budget, spend and orders are settings.
    "links:campaign": ws("view_analytics"),
    "links:campaign_budget": ws("manage_brands", method="post"),
    "links:spend_add": ws("manage_brands", method="post"),
    "links:spend_import": ws("manage_brands", method="post"),
    "links:spend_delete": ws("manage_brands", method="post"),
    "links:orders_import": ws("manage_brands"),
    "links:money": ws("manage_brands"),
    # Google Analytics 4 (links/ga4_views.py): a section of the money settings, same role
    "links:ga4_save": ws("manage_brands", method="post"),
    "links:ga4_test": ws("manage_brands", method="post"),
    "links:ga4_pull": ws("manage_brands", method="post"),
    "links:ga4_remove": ws("manage_brands", method="post"),
    # Listening (listening/): the dashboard and alerts are analytics; monitors are a brand's settings.
    "listening:dashboard": ws("view_analytics"),
    "listening:monitor_create": ws("manage_brands"),
    "listening:monitor_edit": ws("manage_brands"),
    "listening:mention_to_inbox": ws("manage_inbox", method="post"),
    "listening:alert": ws("view_analytics"),
    "listening:settings": ws("manage_brands"),
    "listening:competitors": ws("view_analytics"),
    "listening:competitor_add": ws("manage_brands", method="post"),
    "listening:competitor_remove": ws("manage_brands", method="post"),
}
RULES.update(LINKS_RULES)

# Repeating series and evergreen categories (recurring/): reading is "view", changing is writing posts.
RECURRING_RULES: dict[str, Rule] = {
    "recurring:list": ws("view"),
    "recurring:detail": ws("view"),
    "recurring:new": ws("write_posts", method="post"),  # no body: the composer again with its errors (422)
    "recurring:preview": ws("write_posts"),
    "recurring:edit": ws("write_posts"),
    "recurring:action": ws("write_posts", method="post"),  # an unknown name: back to the series
    "recurring:categories": ws("view"),
    "recurring:add_to_category": ws("write_posts"),
}
RULES.update(RECURRING_RULES)

# The sandbox network (DEBUG/demo only) is a stand-in for a public social network: its
# pages are public, its API answers bearer tokens of its own (401 without one).
SANDBOX_RULES: dict[str, Rule] = {
    "sandbox:timeline": everyone(200),
    "sandbox:profile": everyone(404),
    "sandbox:status": everyone(404),
    "sandbox:avatar": everyone(200),
    "sandbox:api_statuses": everyone(401, method="post"),
    "sandbox:api_status": everyone(404),  # an unknown status
    "sandbox:api_media_upload": everyone(401, method="post"),
    "sandbox:api_media_upload_v1": everyone(401, method="post"),
    "sandbox:api_media": everyone(401),
    "sandbox:api_verify_credentials": everyone(401),
    "sandbox:api_account": everyone(404),
    "sandbox:api_account_statuses": everyone(404),
    "sandbox:api_notifications": everyone(401),
    "sandbox:api_instance": everyone(200),
    "sandbox:api_instance_v1": everyone(200),
    "sandbox:api_apps": everyone(422, method="post"),  # no client_name
    "sandbox:api_tag_timeline": everyone(200),  # public, as Mastodon's (an empty list here)
    "sandbox:api_search": everyone(200),  # statuses only with a token: empty lists here
    "sandbox:api_account_lookup": everyone(404),  # no acct
    "sandbox:oauth_authorize": everyone(400),
    "sandbox:oauth_token": everyone(400, method="post"),
    "sandbox:oauth_revoke": everyone(200, method="post"),
    "sandbox:faults": everyone(200),
}
RULES.update(SANDBOX_RULES)

# Django's admin: staff only; no member in these tests is staff, so the admin sends everyone
# to its login address, answered by admin_login_redirect (smm/security.py).
ADMIN_RULE = Rule(anonymous=302, outsider=302, roles=dict.fromkeys(ROLES, 302), cross_tenant_ids=False)

# Unnamed patterns, keyed by their route.
ROUTE_RULES: dict[str, Rule] = {
    "api/v1/^.*$": everyone(404),  # the API's JSON 404 for unknown paths
}
# Where a route's regex cannot be filled in mechanically: the path to ask.
ROUTE_SAMPLES: dict[str, str] = {"api/v1/^.*$": "/api/v1/no-such-endpoint/"}


def rule_for(name: str | None, route: str) -> Rule | None:
    if name == "admin:login":  # shadowed by our own view at the same address (smm/urls.py)
        return RULES["admin_login_redirect"]
    if (name and name.startswith("admin:")) or (not name and route.startswith("admin/")):
        return ADMIN_RULE
    if name:
        return RULES.get(name)
    return ROUTE_RULES.get(route)
