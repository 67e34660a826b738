"""What the navigation needs on every page: the user's workspaces, the current one, and
the workspace menu. Apps add their own menu entries by declaring ``nav_entries`` on
their AppConfig (label, url name, right, order), so no shared template needs editing."""

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from smm.models import Membership

CORE_ENTRIES = [
    ("Overview", "workspace", "view", 0),
    ("Members", "members", "manage_members", 80),
    ("API & webhooks", "api_home", "manage_api", 85),
    ("Settings", "workspace_settings", "manage_workspace", 90),
    ("Audit log", "audit_log", "manage_workspace", 95),
    ("Operations", "operations", "view_operations", 97),
]


def workspace_menu(request, membership):
    entries = list(CORE_ENTRIES)
    for config in apps.get_app_configs():
        entries.extend(getattr(config, "nav_entries", ()))
    menu = []
    for label, url_name, right, order in sorted(entries, key=lambda entry: entry[3]):
        if not membership.can(right):
            continue
        try:
            url = reverse(url_name, kwargs={"ws": membership.workspace.slug})
        except NoReverseMatch:
            continue
        menu.append(
            {"label": label, "url": url, "active": request.path == url or (order > 0 and request.path.startswith(url))}
        )
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
