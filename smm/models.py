"""The core domain: workspaces, who belongs to them, their brands and connected accounts.

Every customer row hangs off a Workspace; queries go through ``for_workspace`` so
forgetting the tenant filter is hard.
"""

from __future__ import annotations

import secrets
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from smm import accounts
from smm.crypto import EncryptedJSONField
from smm.platforms import registry
from smm.roles import NEEDS_APPROVAL, Role, role_can

# available_timezones() walks the tz database on disk at every call (~6 ms here; forms
# with a time zone field validate it on each request): read it once per process.
KNOWN_TIME_ZONES = frozenset(zoneinfo.available_timezones())
TIME_ZONE_CHOICES = sorted((name, name.replace("_", " ")) for name in KNOWN_TIME_ZONES)


def validate_time_zone(value: str) -> None:
    if value not in KNOWN_TIME_ZONES:
        raise ValidationError(f"{value!r} is not a known time zone")


class TenantQuerySet(models.QuerySet):
    """The one tenant filter. Models that do not hold ``workspace`` directly name the
    path to it in ``tenant_path``."""

    def for_workspace(self, workspace):
        path = getattr(self.model, "tenant_path", "workspace")
        return self.filter(**{path: workspace})


class Workspace(models.Model):
    class ApprovalPolicy(models.TextChoices):
        NONE = "none", "No approval needed"
        CONTRIBUTORS = "contributors", "Contributors' posts need approval"
        CONTRIBUTORS_EDITORS = "contributors_editors", "Contributors' and editors' posts need approval"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    approval_policy = models.CharField(
        max_length=24, choices=ApprovalPolicy.choices, default=ApprovalPolicy.CONTRIBUTORS
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Workspace, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("workspace", kwargs={"ws": self.slug})

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def needs_approval(self, role: str) -> bool:
        if self.approval_policy == self.ApprovalPolicy.NONE:
            return False
        if self.approval_policy == self.ApprovalPolicy.CONTRIBUTORS:
            return role == Role.CONTRIBUTOR
        return role in NEEDS_APPROVAL


def unique_slug(model, name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


class MembershipQuerySet(TenantQuerySet):
    def for_user(self, user):
        return self.filter(user=user).select_related("workspace")


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")]
        ordering = ["workspace__name"]

    def __str__(self):
        return f"{self.user} in {self.workspace} ({self.role})"

    def can(self, right: str) -> bool:
        return role_can(self.role, right)


class Invitation(models.Model):
    """An emailed invitation; accepting it (logged in as anyone with that email, or by
    creating an account) creates the membership."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EDITOR)
    token = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    VALID_FOR = timedelta(days=14)

    class Meta:
        ordering = ["-created_at"]

    def save(self, *args, **kwargs):
        if not self.token:
            self.token = secrets.token_urlsafe(32)
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and timezone.now() - self.created_at < self.VALID_FOR

    def get_accept_url(self):
        return reverse("accept_invitation", kwargs={"token": self.token})


class Brand(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="brands")
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    colour = models.CharField(max_length=7, default="#4f46e5", help_text="Hex colour, e.g. #4f46e5")
    paused = models.BooleanField(default=False, help_text="Crisis switch: nothing of this brand is published")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="brand_name_unique_in_workspace")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("brand", kwargs={"ws": self.workspace.slug, "brand_id": self.pk})

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)


class SocialAccountQuerySet(TenantQuerySet):
    def active(self):
        return self.filter(status=SocialAccount.Status.CONNECTED)


class SocialAccount(models.Model):
    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
        PAUSED = "paused", "Paused"
        DISCONNECTED = "disconnected", "Disconnected"

    NETWORK_CHOICES = registry.choices()

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="accounts")
    network = models.CharField(max_length=20, choices=NETWORK_CHOICES)
    remote_id = models.CharField(max_length=191, help_text="The account's id on the network")
    handle = models.CharField(max_length=191)
    display_name = models.CharField(max_length=191, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    base_url = models.URLField(max_length=300, blank=True, help_text="Instance or server URL (Mastodon, Bluesky)")
    credentials = EncryptedJSONField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    status_reason = models.CharField(max_length=300, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    limits = models.JSONField(
        default=dict,
        blank=True,
        help_text="Content limits the account's own server announced (Mastodon instances set their own); "
        "empty means the network's defaults",
    )
    post_options = models.JSONField(
        default=dict,
        blank=True,
        help_text="The post options a new post starts with on this account (visibility, language, "
        "who may reply...), as its adapter cleans them",
    )
    connected_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "brand__workspace"
    objects = SocialAccountQuerySet.as_manager()

    class Meta:
        ordering = ["network", "handle"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "network", "remote_id"], name="account_unique_per_brand"),
        ]

    def __str__(self):
        return f"{self.network_label} {self.handle}"

    @property
    def workspace(self):
        return self.brand.workspace

    @property
    def network_label(self) -> str:
        return registry.label(self.network)

    def adapter(self):
        """The network's adapter for this account, with its server's own content limits."""
        return accounts.adapter_for(self)

    def context(self):
        """The account as its adapter sees it (credentials decrypted, refreshes saved back)."""
        return accounts.account_context(self)

    def mark_needs_reconnect(self, reason: str) -> None:
        self.status = self.Status.NEEDS_RECONNECT
        self.status_reason = reason[:300]
        self.save(update_fields=["status", "status_reason"])


class AuditEvent(models.Model):
    """Who did what, when: shown on the object it concerns."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    verb = models.CharField(max_length=60)
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "subject_type", "subject_id"])]

    def __str__(self):
        return f"{self.verb} {self.subject_type}#{self.subject_id}"


def record_event(workspace, actor, verb: str, subject, message: str = "", **data) -> AuditEvent:
    return AuditEvent.objects.create(
        workspace=workspace,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        message=message,
        data=data,
    )


class UserProfile(models.Model):
    """Per-user preferences the auth User does not hold."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    last_workspace = models.ForeignKey(Workspace, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Approval emails each person may turn off; the in-app notices always appear.
    email_approval_requests = models.BooleanField("Email me when a post waits for my approval", default=True)
    email_approval_outcomes = models.BooleanField("Email me when my posts are approved or sent back", default=True)

    def __str__(self):
        return f"Profile of {self.user}"


def profile_for(user) -> UserProfile:
    profile, _ = UserProfile.objects.get_or_create(user=user)
    return profile


class Installation(models.Model):
    """This installation's one row. First-run setup locks it before checking that nobody
    exists yet, so two setup forms sent at the same moment cannot both create an owner."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    set_up_at = models.DateTimeField(null=True, blank=True)
