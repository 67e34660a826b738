"""First run: the one-time setup page (owner + first workspace) while nobody exists, and
the named actions that create an owner and a workspace (shared with the shell commands
and the workspace list)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from smm.forms import SetupForm
from smm.models import Installation, Membership, UserProfile, Workspace, record_event
from smm.roles import Role


class SetupDone(Exception):
    """Someone already exists: the installation is set up."""


def setup_needed() -> bool:
    return not get_user_model().objects.exists()


def can_create_workspaces(user) -> bool:
    """Owners of any workspace, and the installation's staff (a createsuperuser account
    starts in no workspace); a client, manager or editor only is never."""
    if not user.is_authenticated:
        return False
    return user.is_staff or Membership.objects.filter(user=user, role=Role.OWNER).exists()


@transaction.atomic
def create_workspace(*, owner, name: str, time_zone: str = "UTC", actor=None, how: str = "") -> Workspace:
    """A workspace and its owner's membership, audited. ``actor`` None means no one
    signed in did it (a shell command): ``how`` says so in the audit log."""
    workspace = Workspace(name=name.strip(), time_zone=time_zone)
    workspace.full_clean(exclude=["slug"])
    workspace.save()
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    message = f"Created workspace {workspace.name} for {owner.get_username()}"
    record_event(workspace, actor, "workspace.created", workspace, f"{message} {how}".strip(), owner=owner.pk)
    return workspace


@transaction.atomic
def create_owner(
    *,
    username: str,
    email: str,
    password: str,
    workspace_name: str,
    time_zone: str = "UTC",
    administrator: bool = False,
    how: str = "",
):
    """A user who owns a new workspace. The password must have passed the validators."""
    user = get_user_model().objects.create_user(
        username=username, email=email, password=password, is_staff=administrator, is_superuser=administrator
    )
    UserProfile.objects.update_or_create(user=user, defaults={"time_zone": time_zone})
    workspace = create_workspace(owner=user, name=workspace_name, time_zone=time_zone, actor=user, how=how)
    return user, workspace


@transaction.atomic
def set_up_installation(*, username: str, email: str, password: str, workspace_name: str, time_zone: str):
    """The setup page's one-time action: the first user (who also administers the
    installation) and the first workspace, or SetupDone if anyone exists already.

    The check-then-create runs under a lock on the installation's one row. On
    PostgreSQL a second setup waits at ``select_for_update`` (or, when the row is new,
    at its primary key) until the first commits, then sees the user and stops; on
    SQLite the transaction itself is IMMEDIATE (settings) and so serialised the same
    way. A lock rather than a unique "done" marker, so that an installation whose users
    were all removed can be set up again.
    """
    installation, _ = Installation.objects.select_for_update().get_or_create(pk=1)
    if not setup_needed():
        raise SetupDone
    user, workspace = create_owner(
        username=username,
        email=email,
        password=password,
        workspace_name=workspace_name,
        time_zone=time_zone,
        administrator=True,
        how="at first-run setup",
    )
    installation.set_up_at = timezone.now()
    installation.save(update_fields=["set_up_at"])
    return user, workspace


class SetupRequiredMiddleware:
    """While nobody exists, every page leads to the setup page (the login page too:
    nobody could log in). Machine endpoints (health, API, webhooks, feeds, files) answer
    as usual. Costs one query per anonymous page view, none for a signed-in one."""

    MACHINE_PATHS = ("/healthz", "/favicon.ico", "/ops/", "/api/", "/hooks/", "/feeds/", "/sandbox/")

    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt = ("/setup/", settings.STATIC_URL, settings.MEDIA_URL, *self.MACHINE_PATHS)

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(self.exempt) and setup_needed():
            return redirect("first_run_setup")
        return self.get_response(request)


@never_cache
@sensitive_post_parameters("password1", "password2")
def setup(request):
    if not setup_needed():
        raise Http404("This installation is set up already.")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, workspace = set_up_installation(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                workspace_name=data["workspace_name"],
                time_zone=data["time_zone"],
            )
        except SetupDone:
            raise Http404("This installation is set up already.") from None
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}. {workspace.name} is ready: add its first brand.")
        return redirect(workspace.get_absolute_url())
    return render(request, "smm/setup.html", {"form": form})
