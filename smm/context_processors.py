"""What the navigation needs on every page: the user's workspaces, the current one, and
the workspace menu. Apps add their own menu entries by declaring ``nav_entries`` on
their AppConfig (label, url name, right, order), so no shared template needs editing.
An optional fifth item names a function(request) -> int (dotted path) whose count is
shown as a badge beside the label, e.g. unread notices."""

import logging

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from smm.models import Membership

logger = logging.getLogger(__name__)

CORE_ENTRIES = [
    ("Overview", "workspace", "view", 0),
    ("Members", "members", "manage_members", 80),
    ("API & webhooks", "api_home", "manage_api", 85),
    ("Settings", "workspace_settings", "manage_workspace", 90),
    ("Audit log", "audit_log", "manage_workspace", 95),
    ("Operations", "operations", "view_operations", 97),
]


def _badge(request, dotted: str | None) -> int:
    """The count an entry's badge function gives (imported when first needed, so the core
    never imports an app at module level); a failing badge never breaks the page."""
    if not dotted:
        return 0
    try:
        return int(import_string(dotted)(request) or 0)
    except Exception:
        logger.exception("Menu badge %s failed", dotted)
        return 0


def workspace_menu(request, membership):
    entries = list(CORE_ENTRIES)
    for config in apps.get_app_configs():
        entries.extend(getattr(config, "nav_entries", ()))
    menu = []
    for label, url_name, right, order, *badge in sorted(entries, key=lambda entry: entry[3]):
        if not membership.can(right):
            continue
        try:
            url = reverse(url_name, kwargs={"ws": membership.workspace.slug})
        except NoReverseMatch:
            continue
        menu.append(
            {
                "label": label,
                "url": url,
                "order": order,
                "badge": _badge(request, badge[0] if badge else None),
            }
        )
    # the active entry: this page's, or the deepest one whose URL the page is under
    under = [
        item
        for item in menu
        if request.path == item["url"] or (item["order"] > 0 and request.path.startswith(item["url"]))
    ]
    deepest = max(under, key=lambda item: len(item["url"]), default=None)
    for item in menu:
        item["active"] = item is deepest
    return menu


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    return {
        "nav_memberships": list(Membership.objects.for_user(user)),
        "current_workspace": getattr(request, "workspace", None),
        "current_membership": membership,
        "workspace_menu": workspace_menu(request, membership) if membership else [],
    }
