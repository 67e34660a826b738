"""Calendar-only data: notes shown as banners (holidays, launches) and iCal subscription tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from smm.models import Brand, TenantQuerySet, Workspace


class CalendarNote(models.Model):
    """A dated banner on the calendar: a holiday, a launch, a blackout week."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="calendar_notes")
    brand = models.ForeignKey(
        Brand,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_notes",
        help_text="Leave empty for a note that concerns every brand",
    )
    title = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Last day (inclusive)")
    colour = models.CharField(max_length=7, default="#f59e0b", help_text="Hex colour, e.g. #f59e0b")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "title"]
        indexes = [models.Index(fields=["workspace", "starts_on", "ends_on"])]

    def __str__(self):
        return self.title

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The last day cannot be before the first day."})
        if self.brand_id and self.workspace_id and self.brand.workspace_id != self.workspace_id:
            raise ValidationError({"brand": "That brand is not in this workspace."})


def hash_feed_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class CalendarFeedTokenQuerySet(TenantQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class CalendarFeedToken(models.Model):
    """The secret of one user's iCal subscription to one workspace.

    Only a SHA-256 of the secret is stored: a leaked database does not expose anyone's
    feed. The full URL is shown once, when it is generated; a lost URL is regenerated,
    which revokes the old one.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_tokens")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="calendar_feed_tokens")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=8, editable=False, help_text="First characters, to recognise it")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"iCal feed of {self.user} for {self.workspace} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    @transaction.atomic
    def issue(cls, user, workspace) -> tuple[CalendarFeedToken, str]:
        """Revoke the user's current feed of this workspace and issue a new secret; returns (row, raw secret)."""
        cls.objects.filter(user=user, workspace=workspace, revoked_at__isnull=True).update(revoked_at=timezone.now())
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, workspace=workspace, token_hash=hash_feed_token(raw), hint=raw[:6])
        return token, raw

    @classmethod
    def revoke_all(cls, user, workspace) -> int:
        return cls.objects.filter(user=user, workspace=workspace, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )

    @classmethod
    def resolve(cls, raw: str):
        """The active token for a raw secret, or None (unknown, revoked, or no longer a member)."""
        token = (
            cls.objects.active()
            .select_related("workspace", "user")
            .filter(token_hash=hash_feed_token(raw), user__is_active=True)
            .first()
        )
        if token is None or not token.workspace.memberships.filter(user_id=token.user_id).exists():
            return None
        return token
