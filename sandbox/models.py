"""The sandbox network's own data: accounts, statuses, media, notifications, OAuth apps.

Nothing here belongs to a customer workspace; the sandbox is a stand-in for a Mastodon
server, so it keeps its rows the way a server would.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import models
from django.utils import timezone

# Mastodon remembers an Idempotency-Key for one hour.
IDEMPOTENCY_TTL = dt.timedelta(hours=1)

AVATAR_COLOURS = ["#4f46e5", "#0891b2", "#b45309", "#15803d", "#db2777", "#7c3aed", "#dc2626", "#0f766e"]


def new_token() -> str:
    return secrets.token_urlsafe(32)


class SandboxAccount(models.Model):
    username = models.CharField(max_length=64, unique=True)
    display_name = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=300, blank=True)
    followers_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    # Simulated audience members (the simulator acts as them); brand accounts are not.
    is_audience = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return f"@{self.username}"

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        words = [w for w in self.name.replace("_", " ").split() if w]
        return "".join(w[0] for w in words[:2]).upper() or self.username[:1].upper()

    @property
    def colour(self) -> str:
        return AVATAR_COLOURS[sum(map(ord, self.username)) % len(AVATAR_COLOURS)]

    def issue_token(self, token: str | None = None, app=None) -> SandboxToken:
        return SandboxToken.objects.create(account=self, token=token or new_token(), app=app)


class SandboxApp(models.Model):
    """An OAuth client registered with ``POST /api/v1/apps``."""

    name = models.CharField(max_length=120)
    website = models.CharField(max_length=300, blank=True)
    redirect_uris = models.TextField(help_text="One per line")
    scopes = models.CharField(max_length=300, default="read")
    client_id = models.CharField(max_length=64, unique=True, default=new_token)
    client_secret = models.CharField(max_length=64, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)

    def allows_redirect(self, uri: str) -> bool:
        return uri in self.redirect_uris.split()


class SandboxToken(models.Model):
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="tokens")
    app = models.ForeignKey(SandboxApp, null=True, blank=True, on_delete=models.CASCADE)
    token = models.CharField(max_length=128, unique=True)
    scopes = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)


class SandboxAuthorization(models.Model):
    """An authorization code handed out by the consent page, with its PKCE challenge."""

    code = models.CharField(max_length=64, unique=True, default=new_token)
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE)
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE)
    redirect_uri = models.CharField(max_length=500)
    scopes = models.CharField(max_length=300, blank=True)
    code_challenge = models.CharField(max_length=128, blank=True)
    code_challenge_method = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    VALID_FOR = dt.timedelta(minutes=10)

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and timezone.now() - self.created_at < self.VALID_FOR


class SandboxMedia(models.Model):
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="media")
    status = models.ForeignKey(
        "SandboxStatus", null=True, blank=True, on_delete=models.SET_NULL, related_name="media_attachments"
    )
    file = models.FileField(upload_to="sandbox/%Y/%m/")
    mime_type = models.CharField(max_length=60)
    description = models.CharField(max_length=1500, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Video, as Mastodon keeps it: processed after the upload is answered (202), ready at
    # ``ready_at`` (None: at once, as images are); its poster frame; what the probe read.
    ready_at = models.DateTimeField(null=True, blank=True)
    preview = models.FileField(upload_to="sandbox/%Y/%m/", blank=True)
    duration = models.FloatField(null=True, blank=True)
    frame_rate = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith("video/")

    @property
    def processed(self) -> bool:
        return self.ready_at is None or self.ready_at <= timezone.now()


class SandboxStatus(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public"
        UNLISTED = "unlisted"
        PRIVATE = "private"
        DIRECT = "direct"

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="statuses")
    text = models.TextField(blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    spoiler_text = models.CharField(max_length=500, blank=True, help_text="The content warning")
    sensitive = models.BooleanField(default=False)
    language = models.CharField(max_length=8, blank=True)
    # A poll, as Mastodon keeps it: its answers with their votes, when it closes, one or several answers.
    poll_options = models.JSONField(default=list, blank=True, help_text='[{"title": ..., "votes_count": 0}]')
    poll_expires_at = models.DateTimeField(null=True, blank=True)
    poll_multiple = models.BooleanField(default=False)
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    favourites_count = models.PositiveIntegerField(default=0)
    reblogs_count = models.PositiveIntegerField(default=0)
    replies_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.account} #{self.pk}"


class SandboxIdempotency(models.Model):
    """One row per (account, Idempotency-Key): the unique constraint is what makes two
    racing requests with the same key store exactly one status."""

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE)
    key = models.CharField(max_length=191)
    status = models.ForeignKey(SandboxStatus, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="sandbox_one_status_per_key")]

    @property
    def is_fresh(self) -> bool:
        return timezone.now() - self.created_at < IDEMPOTENCY_TTL


class SandboxInteraction(models.Model):
    """A favourite or a boost: at most one of each per account and status."""

    class Kind(models.TextChoices):
        FAVOURITE = "favourite"
        REBLOG = "reblog"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE)
    status = models.ForeignKey(SandboxStatus, on_delete=models.CASCADE, related_name="interactions")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "account", "status"], name="sandbox_one_interaction_each")
        ]


class SandboxNotification(models.Model):
    class Type(models.TextChoices):
        MENTION = "mention"
        FAVOURITE = "favourite"
        REBLOG = "reblog"
        FOLLOW = "follow"

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="notifications")
    type = models.CharField(max_length=12, choices=Type.choices)
    from_account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="+")
    status = models.ForeignKey(SandboxStatus, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "type", "id"])]


class SandboxFaults(models.Model):
    """Faults switched on at runtime (``manage.py sandbox_faults`` or POST /sandbox/admin/faults),
    so another process, a benchmark say, can change what a running server does."""

    faults = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    @classmethod
    def current(cls) -> dict:
        row = cls.objects.filter(pk=1).first()
        return dict(row.faults) if row else {}

    @classmethod
    def store(cls, faults: dict) -> None:
        cls.objects.update_or_create(pk=1, defaults={"faults": faults})
