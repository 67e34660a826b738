"""Rows of the REST API (personal API tokens, idempotency records of POST creates) and of
the outgoing webhooks (endpoints, deliveries, attempts). They belong to the core app (app
label smm, tables smm_*; registered by SmmConfig.ready) so no migration moves them; the
api app and smm/webhooks.py import them from here.

Tokens are stored hashed (sha256 of the whole token); only a short prefix is kept for
display. A token is scoped to one workspace and a role no higher than its owner's; it may
expire, and it is revoked when its owner leaves the workspace.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from smm.crypto import EncryptedJSONField
from smm.models import Membership, TenantQuerySet, Workspace, record_event
from smm.roles import ROLE_RANK, Role

__all__ = ["ApiToken", "IdempotencyRecord", "WebhookEndpoint", "WebhookDelivery", "WebhookAttempt", "WEBHOOK_EVENTS"]

TOKEN_PREFIX = "smm"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(TenantQuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )

    def revoke(self, actor, reason: str = "") -> int:
        """Revoke every token of these not yet revoked, one audit event each; the count."""
        revoked = 0
        for token in self.filter(revoked_at__isnull=True).select_related("workspace"):
            revoked += token.revoke(actor, reason)
        return revoked


class ApiToken(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, help_text="What the token is for, e.g. “BI export”")
    role = models.CharField(max_length=16, choices=Role.choices)
    prefix = models.CharField(max_length=16, db_index=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Refused from then on; empty: never")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, workspace, user, name: str, role: str, expires_at=None) -> tuple[ApiToken, str]:
        """A new token and its plain value, which is shown once and never stored."""
        prefix = secrets.token_hex(4)
        raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            workspace=workspace,
            user=user,
            name=name,
            role=role,
            prefix=prefix,
            token_hash=hash_token(raw),
            expires_at=expires_at,
        )
        return token, raw

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired()

    def revoke(self, actor, reason: str = "") -> bool:
        """Revoke once (a second call, or a concurrent one, changes nothing) and audit it."""
        now = timezone.now()
        if not ApiToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=now):
            return False
        self.revoked_at = now
        message = f"Revoked API token “{self.name}”" + (f": {reason}" if reason else "")
        record_event(self.workspace, actor, "api.token_revoked", self, message)
        return True

    def effective_membership(self) -> Membership | None:
        """The owner's membership with the token's role, capped at the owner's current role;
        None when the owner has left the workspace (the token stops working)."""
        membership = Membership.objects.filter(workspace_id=self.workspace_id, user_id=self.user_id).first()
        if membership is None:
            return None
        role = min(self.role, membership.role, key=lambda r: ROLE_RANK.get(r, -1))
        return Membership(pk=membership.pk, workspace=self.workspace, user=self.user, role=role)


@receiver(post_delete, sender=Membership, dispatch_uid="smm.revoke_tokens_of_departed_member")
def revoke_tokens_of_departed_member(sender, instance, origin=None, **kwargs):
    """A member who leaves loses their tokens for that workspace for good: a later
    invitation makes a new membership, not old tokens work again. The members page revokes
    them first (naming who removed the member); this catches the admin and the shell."""
    deleted = origin.model if isinstance(origin, models.QuerySet) else type(origin)
    if deleted is not Membership:
        return  # the workspace or the user is being deleted: their tokens go with them
    ApiToken.objects.filter(workspace_id=instance.workspace_id, user_id=instance.user_id).revoke(
        None, "its owner left the workspace"
    )


class IdempotencyRecord(models.Model):
    """The first answer to a POST create sent with an ``Idempotency-Key``, per token."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="idempotency_records")
    key = models.CharField(max_length=255)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # null while the first one runs
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    tenant_path = "token__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_once_per_token")]


WEBHOOK_EVENTS = [
    ("post.published", "A post went out on an account"),
    ("post.failed", "A post failed on an account for good"),
    ("post.needs_approval", "A post waits for approval"),
    ("inbox.item_created", "A new comment, mention or message arrived"),
    ("account.needs_reconnect", "An account must be connected again"),
]


class WebhookEndpoint(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event names this URL receives")
    secret = EncryptedJSONField(help_text="{'key': ...}: signs every delivery")
    description = models.CharField(max_length=120, blank=True)
    active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True, help_text="First failure of the current run")
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["url", "id"]

    def __str__(self):
        return self.url

    def save(self, *args, **kwargs):
        if not self.secret.get("key"):
            self.secret = {"key": f"whsec_{secrets.token_urlsafe(32)}"}
        super().save(*args, **kwargs)

    @property
    def signing_secret(self) -> str:
        return self.secret.get("key", "")


class WebhookDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    event = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "endpoint__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due_idx")]

    def __str__(self):
        return f"{self.event} -> {self.endpoint}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    tenant_path = "delivery__endpoint__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["delivery", "number"]
