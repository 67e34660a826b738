"""Core pages: workspaces, brands and their accounts, members and invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from smm.first_run import can_create_workspaces, create_workspace
from smm.forms import (
    ROLE_HELP,
    BrandForm,
    InvitationForm,
    MembershipRoleForm,
    NewWorkspaceForm,
    ProfileForm,
    SignupForm,
    WorkspaceSettingsForm,
)
from smm.models import (
    AuditEvent,
    Brand,
    Invitation,
    Membership,
    SocialAccount,
    profile_for,
    record_event,
)
from smm.models_api import ApiToken
from smm.roles import Role
from smm.tenancy import scoped, scoped_or_404, workspace_view


@login_required
def home(request):
    profile = profile_for(request.user)
    memberships = Membership.objects.for_user(request.user)
    if profile.last_workspace_id and memberships.filter(workspace_id=profile.last_workspace_id).exists():
        return redirect(profile.last_workspace.get_absolute_url())
    first = memberships.first()
    if first is not None and memberships.count() == 1:
        return redirect(first.workspace.get_absolute_url())
    return redirect("workspace_list")


@login_required
def workspace_list(request):
    form = None
    if can_create_workspaces(request.user):
        form = NewWorkspaceForm(initial={"time_zone": profile_for(request.user).time_zone})
    return _workspace_list_page(request, form)


def _workspace_list_page(request, form):
    memberships = (
        Membership.objects.for_user(request.user)
        .annotate(
            brand_count=Count("workspace__brands", distinct=True),
            account_count=Count("workspace__brands__accounts", distinct=True),
        )
        .order_by("workspace__name")
    )
    return render(request, "smm/workspace_list.html", {"memberships": memberships, "form": form})


@login_required
@require_POST
def workspace_create(request):
    if not can_create_workspaces(request.user):
        raise PermissionDenied("Only owners of a workspace can create new ones.")
    form = NewWorkspaceForm(request.POST)
    if not form.is_valid():
        return _workspace_list_page(request, form)
    workspace = create_workspace(
        owner=request.user, name=form.cleaned_data["name"], time_zone=form.cleaned_data["time_zone"], actor=request.user
    )
    messages.success(request, f"{workspace.name} is ready, and you are its owner: add its first brand.")
    return redirect(workspace.get_absolute_url())


def _brands_with_accounts(request):
    return scoped(request, Brand).prefetch_related(
        Prefetch("accounts", queryset=SocialAccount.objects.order_by("network", "handle"))
    )


@workspace_view()
def workspace_home(request, ws):
    brands = _brands_with_accounts(request)
    accounts = scoped(request, SocialAccount)
    summary = accounts.aggregate(
        connected=Count("id", filter=Q(status=SocialAccount.Status.CONNECTED)),
        needs_reconnect=Count("id", filter=Q(status=SocialAccount.Status.NEEDS_RECONNECT)),
        paused=Count("id", filter=Q(status=SocialAccount.Status.PAUSED)),
    )
    return render(request, "smm/workspace_home.html", {"brands": brands, "summary": summary})


@workspace_view()
def brand_detail(request, ws, brand_id):
    brand = get_object_or_404(_brands_with_accounts(request), pk=brand_id)
    return render(request, "smm/brand_detail.html", {"brand": brand, "accounts": brand.accounts.all()})


@workspace_view("manage_brands")
def brand_create(request, ws):
    form = BrandForm(
        request.POST or None, workspace=request.workspace, initial={"time_zone": request.workspace.time_zone}
    )
    if request.method == "POST" and form.is_valid():
        brand = form.save(commit=False)
        brand.workspace = request.workspace
        brand.save()
        record_event(request.workspace, request.user, "brand.created", brand, f"Created brand {brand.name}")
        messages.success(request, f"Brand “{brand.name}” created.")
        return redirect(brand.get_absolute_url())
    return render(request, "smm/brand_form.html", {"form": form, "brand": None})


@workspace_view("manage_brands")
def brand_edit(request, ws, brand_id):
    brand = scoped_or_404(request, Brand, pk=brand_id)
    form = BrandForm(request.POST or None, instance=brand, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        form.save()
        record_event(request.workspace, request.user, "brand.updated", brand, f"Updated brand {brand.name}")
        messages.success(request, "Brand saved.")
        return redirect(brand.get_absolute_url())
    return render(request, "smm/brand_form.html", {"form": form, "brand": brand})


@require_POST
@workspace_view("manage_brands")
def brand_toggle_pause(request, ws, brand_id):
    brand = scoped_or_404(request, Brand, pk=brand_id)
    brand.paused = not brand.paused
    brand.save(update_fields=["paused"])
    verb = "brand.paused" if brand.paused else "brand.resumed"
    record_event(request.workspace, request.user, verb, brand)
    if brand.paused:
        messages.warning(request, f"{brand.name} is paused: nothing of it will be published until you resume it.")
    else:
        messages.success(request, f"{brand.name} resumed: scheduled posts will go out again.")
    return redirect(brand.get_absolute_url())


@require_POST
@workspace_view("connect_accounts")
def account_set_status(request, ws, account_id):
    account = scoped_or_404(request, SocialAccount, pk=account_id)
    action = request.POST.get("action")
    transitions = {
        "pause": SocialAccount.Status.PAUSED,
        "resume": SocialAccount.Status.CONNECTED,
        "disconnect": SocialAccount.Status.DISCONNECTED,
    }
    if action not in transitions:
        messages.error(request, "Unknown action.")
        return redirect(account.brand.get_absolute_url())
    if action == "resume" and account.status not in (SocialAccount.Status.PAUSED,):
        messages.error(request, "Only a paused account can be resumed; reconnect it instead.")
        return redirect(account.brand.get_absolute_url())
    if action == "resume" and not account.credentials:
        # A paused account without sign-in (the demo's history-only accounts) would say
        # "Connected" and still refuse every post: it needs connecting, not resuming.
        why = f" ({account.status_reason})" if account.status_reason else ""
        messages.error(request, f"{account} has nothing to publish with{why}: connect it instead of resuming it.")
        return redirect(account.brand.get_absolute_url())
    account.status = transitions[action]
    update = ["status"]
    if action == "disconnect":
        account.credentials = {}  # forget the tokens, keep the history
        update.append("credentials")
    account.save(update_fields=update)
    record_event(request.workspace, request.user, f"account.{action}", account, str(account))
    messages.success(request, f"{account} is now {account.get_status_display().lower()}.")
    return redirect(account.brand.get_absolute_url())


@workspace_view("manage_members")
def members(request, ws):
    form = InvitationForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        invitation = form.save(commit=False)
        invitation.workspace = request.workspace
        invitation.invited_by = request.user
        invitation.save()
        accept_url = request.build_absolute_uri(invitation.get_accept_url())
        send_mail(
            subject=f"You are invited to {request.workspace.name} on SMM",
            message=(
                f"{request.user.get_username()} invited you to the workspace “{request.workspace.name}” "
                f"as {invitation.get_role_display().lower()}.\n\nAccept the invitation: {accept_url}\n\n"
                f"The link is valid for 14 days."
            ),
            from_email=None,
            recipient_list=[invitation.email],
        )
        record_event(request.workspace, request.user, "member.invited", invitation, f"Invited {invitation.email}")
        messages.success(request, f"Invitation sent to {invitation.email}.")
        return redirect("members", ws=ws)
    context = {
        "form": form,
        "members": scoped(request, Membership).select_related("user").order_by("user__username"),
        "invitations": [i for i in scoped(request, Invitation).filter(accepted_at__isnull=True) if i.is_open],
        "role_help": [(Role(role).label, text) for role, text in ROLE_HELP.items()],
        "role_choices": Role.choices,
    }
    return render(request, "smm/members.html", context)


@require_POST
@workspace_view("manage_members")
def member_update(request, ws, membership_id):
    membership = scoped_or_404(request, Membership, pk=membership_id)
    owners = scoped(request, Membership).filter(role=Role.OWNER)
    is_last_owner = membership.role == Role.OWNER and owners.count() == 1
    if request.POST.get("action") == "remove":
        if is_last_owner:
            messages.error(request, "A workspace needs at least one owner.")
        else:
            with transaction.atomic():
                # Revoked here rather than by the deletion's signal, so the log says who did it.
                ApiToken.objects.filter(workspace=request.workspace, user=membership.user).revoke(
                    request.user, "its owner left the workspace"
                )
                membership.delete()
                record_event(request.workspace, request.user, "member.removed", membership, str(membership.user))
            messages.success(request, f"{membership.user} removed from the workspace.")
        return redirect("members", ws=ws)
    form = MembershipRoleForm(request.POST, instance=membership)
    if form.is_valid():
        if is_last_owner and form.cleaned_data["role"] != Role.OWNER:
            messages.error(request, "A workspace needs at least one owner.")
        else:
            form.save()
            record_event(request.workspace, request.user, "member.role_changed", membership, membership.role)
            messages.success(request, f"{membership.user} is now {membership.get_role_display().lower()}.")
    return redirect("members", ws=ws)


@require_POST
@workspace_view("manage_members")
def invitation_revoke(request, ws, invitation_id):
    invitation = scoped_or_404(request, Invitation, pk=invitation_id, accepted_at__isnull=True)
    invitation.delete()
    messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("members", ws=ws)


def accept_invitation(request, token):
    invitation = Invitation.objects.select_related("workspace").filter(token=token).first()
    if invitation is None or not invitation.is_open:
        raise Http404("This invitation does not exist or has expired.")
    if request.user.is_authenticated:
        if request.method == "POST":
            _accept(invitation, request.user)
            messages.success(request, f"Welcome to {invitation.workspace.name}.")
            return redirect(invitation.workspace.get_absolute_url())
        return render(request, "smm/accept_invitation.html", {"invitation": invitation})
    form = SignupForm(request.POST or None, initial={"email": invitation.email})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save(commit=False)
            user.email = invitation.email
            user.save()
            _accept(invitation, user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to {invitation.workspace.name}.")
        return redirect(invitation.workspace.get_absolute_url())
    login_url = f"{reverse('login')}?next={invitation.get_accept_url()}"
    return render(
        request, "smm/accept_invitation.html", {"invitation": invitation, "form": form, "login_url": login_url}
    )


def _accept(invitation: Invitation, user) -> None:
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        record_event(invitation.workspace, user, "member.joined", membership, f"{user} accepted the invitation")


@workspace_view("manage_workspace")
def workspace_settings(request, ws):
    form = WorkspaceSettingsForm(request.POST or None, instance=request.workspace)
    if request.method == "POST" and form.is_valid():
        form.save()
        record_event(request.workspace, request.user, "workspace.updated", request.workspace)
        messages.success(request, "Workspace settings saved.")
        return redirect("workspace_settings", ws=ws)
    return render(request, "smm/workspace_settings.html", {"form": form})


@workspace_view("manage_workspace")
def audit_log(request, ws):
    events = scoped(request, AuditEvent).select_related("actor")[:200]
    return render(request, "smm/audit_log.html", {"events": events})


@login_required
def profile(request):
    profile = profile_for(request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Your profile is saved. Times are shown in {form.instance.time_zone}.")
        return redirect("profile")
    return render(request, "smm/profile.html", {"form": form})
