"""Posts, their per-account targets, media, campaigns and posting slots.

A Post is written once for a brand; each selected account gets a PostTarget carrying
that network's variant of the text and its own publishing state. The target is the
unit the engine publishes; the post's status is derived from its targets.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from smm.models import Brand, SocialAccount, TenantQuerySet, Workspace


class Campaign(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=120)
    colour = models.CharField(max_length=7, default="#0ea5e9")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    # What the campaign may spend, in the workspace's currency (links.RoiSettings); blank: no budget
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="campaign_name_unique")]

    def __str__(self):
        return self.name


def media_upload_to(instance, filename):
    return f"media/{instance.workspace_id}/{uuid.uuid4().hex}/{filename}"


def thumbnail_upload_to(instance, filename):
    return f"media/{instance.workspace_id}/thumbs/{uuid.uuid4().hex}.jpg"


class MediaAsset(models.Model):
    """An image or a video in the workspace's media library.

    Images are validated and re-encoded on upload (posts.media). Videos are stored as
    uploaded (never re-encoded behind the user's back) and probed: what the probe read is
    kept here so the composer can judge the video against each network's rules without
    opening the file. ``thumbnail`` is the poster frame of a video. A transcoded copy (the
    profile every network accepts) is its own asset whose ``source`` is the original.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    class Processing(models.TextChoices):
        READY = "ready", "Ready"
        QUEUED = "queued", "Waiting to be converted"
        RUNNING = "running", "Converting"
        FAILED = "failed", "Conversion failed"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="media_assets")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.IMAGE)
    file = models.FileField(upload_to=media_upload_to, max_length=300)
    thumbnail = models.FileField(upload_to=thumbnail_upload_to, max_length=300, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    mime_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(default=0, help_text="As displayed (rotation applied)")
    height = models.PositiveIntegerField(default=0, help_text="As displayed (rotation applied)")
    alt_text = models.CharField(max_length=1500, blank=True)
    # --- video only: what the probe read (posts.video) ---
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    frame_rate = models.FloatField(null=True, blank=True, help_text="Frames per second (average)")
    container = models.CharField(max_length=40, blank=True, help_text='e.g. "mp4", "mov", "webm"')
    video_codec = models.CharField(max_length=40, blank=True, help_text='e.g. "h264", "hevc", "vp9"')
    audio_codec = models.CharField(max_length=40, blank=True, help_text='e.g. "aac"; blank: no sound')
    pixel_format = models.CharField(max_length=40, blank=True, help_text='e.g. "yuv420p"')
    bitrate = models.PositiveIntegerField(null=True, blank=True, help_text="Bits per second, all streams")
    rotation = models.SmallIntegerField(default=0, help_text="Degrees the player turns the picture")
    faststart = models.BooleanField(null=True, blank=True, help_text="MP4/MOV index (moov) before the data")
    # A transcoded copy points at its original; the original is always kept.
    source = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversions")
    processing = models.CharField(max_length=10, choices=Processing.choices, default=Processing.READY)
    processing_progress = models.PositiveSmallIntegerField(default=0, help_text="Percent, while converting")
    processing_error = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name or self.file.name

    @property
    def is_video(self) -> bool:
        return self.kind == self.Kind.VIDEO

    @property
    def duration(self) -> float | None:
        """Seconds, or None when unknown (and for images)."""
        return None if self.duration_ms is None else self.duration_ms / 1000


def caption_upload_to(instance, filename):
    return f"media/{instance.asset.workspace_id}/captions/{uuid.uuid4().hex}.vtt"


# A BCP-47 language tag as subtitles use them: language (2-3 letters), then optionally a
# script (4 letters), a region (2 letters or 3 digits) and variants ("en", "pt-BR", "zh-Hant-TW").
_LANGUAGE_TAG = re.compile(
    r"^[a-z]{2,3}(-[a-z]{4})?(-(?:[a-z]{2}|[0-9]{3}))?(-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*$", re.IGNORECASE
)


def normalize_language(value: str) -> str:
    """The tag as written by convention ("PT-br" -> "pt-BR", "zh-hant" -> "zh-Hant"), or a
    ValidationError in plain words."""
    tag = (value or "").strip().replace("_", "-")
    if not tag:
        raise ValidationError("Say which language the subtitles are in (e.g. en or pt-BR).")
    if len(tag) > 35 or not _LANGUAGE_TAG.match(tag):
        raise ValidationError(
            f"“{tag[:40]}” is not a language code. Use a code like en, fr or pt-BR (language, then country)."
        )
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def validate_language(value: str) -> None:
    normalize_language(value)


class MediaCaption(models.Model):
    """Subtitles of a video (a WebVTT file) in one language; at most one per language.
    Sent where the network takes them (Bluesky, as the video embed's ``captions``)."""

    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE, related_name="captions")
    language = models.CharField(max_length=35, validators=[validate_language], help_text='BCP-47, e.g. "en", "pt-BR"')
    file = models.FileField(upload_to=caption_upload_to, max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    tenant_path = "asset__workspace"

    class Meta:
        ordering = ["language"]
        constraints = [models.UniqueConstraint(fields=["asset", "language"], name="caption_language_unique")]

    def __str__(self):
        return f"{self.asset} ({self.language})"


UPLOAD_LIFETIME = dt.timedelta(hours=24)  # an unfinished upload is kept this long


def upload_expiry():
    return timezone.now() + UPLOAD_LIFETIME


class MediaUpload(models.Model):
    """A resumable (tus) upload on its way into the media library: the bytes received so
    far are in ``path`` (under MEDIA_ROOT/uploads/<workspace>/<uuid>.part); when ``offset``
    reaches ``length`` the file is probed and becomes ``asset``, or ``error`` says why not.
    Unfinished uploads are deleted when they expire (posts.tasks.delete_expired_uploads)."""

    class State(models.TextChoices):
        RECEIVING = "receiving", "Receiving"
        DONE = "done", "In the media library"
        FAILED = "failed", "Refused"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="media_uploads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    length = models.PositiveBigIntegerField(help_text="Bytes announced (Upload-Length)")
    offset = models.PositiveBigIntegerField(default=0, help_text="Bytes received and written")
    original_name = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True, help_text="Upload-Metadata, decoded")
    path = models.CharField(max_length=500, blank=True, help_text="The partial file, relative to MEDIA_ROOT")
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVING)
    error = models.CharField(max_length=500, blank=True)
    asset = models.ForeignKey(MediaAsset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=upload_expiry, db_index=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.original_name or self.uuid} ({self.offset}/{self.length})"


class PostStatus(models.TextChoices):
    """A post's status, derived from its targets (see ``Post.refresh_status``)."""

    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    PARTIALLY_PUBLISHED = "partially_published", "Partially published"
    FAILED = "failed", "Failed"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    CANCELLED = "cancelled", "Cancelled"


# A post in one of these is on its way out, unless its brand is paused (the crisis switch):
# then the dispatcher holds it, and pages say "held" instead.
HELD_STATUSES = frozenset({PostStatus.SCHEDULED, PostStatus.PUBLISHING})


class Post(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts")
    text = models.TextField(blank=True, help_text="The text written once; each target may adapt it")
    link = models.URLField(max_length=1000, blank=True)
    media = models.ManyToManyField(MediaAsset, through="PostMedia", blank=True, related_name="posts")
    scheduled_at = models.DateTimeField(null=True, blank=True, db_index=True, help_text="UTC")
    # Not sent after this time (UTC): a repeating post's occurrence is skipped rather than
    # sent late after downtime or a pause (recurring sets it); blank: sent however late.
    publish_by = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=PostStatus.choices, default=PostStatus.DRAFT, db_index=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_at", "-created_at"]
        indexes = [models.Index(fields=["workspace", "scheduled_at"]), models.Index(fields=["brand", "scheduled_at"])]

    def __str__(self):
        return (self.text[:60] or "(no text)").replace("\n", " ")

    def get_absolute_url(self):
        return reverse("posts:detail", kwargs={"ws": self.workspace.slug, "post_id": self.pk})

    @property
    def is_held(self) -> bool:
        """Due to go out, but its brand is paused: nothing of it is sent until resumed."""
        return self.status in HELD_STATUSES and self.brand.paused


class PostMedia(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["post", "asset"], name="post_media_once")]


class TargetState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    SCHEDULED = "scheduled", "Scheduled"
    QUEUED = "queued", "Queued"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    UNKNOWN = "unknown", "Outcome unknown"


class FirstCommentStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the post"
    SENDING = "sending", "Sending"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Outcome unknown"


class PostTargetQuerySet(TenantQuerySet):
    def due(self, now=None):
        """Targets the dispatcher may claim: scheduled, due, brand not paused, account usable."""
        now = now or timezone.now()
        return self.filter(
            state=TargetState.SCHEDULED,
            due_at__lte=now,
            post__brand__paused=False,
            account__status=SocialAccount.Status.CONNECTED,
        )

    def lease_expired(self, now=None):
        now = now or timezone.now()
        return self.filter(state__in=[TargetState.QUEUED, TargetState.PUBLISHING], locked_until__lt=now)


class PostTarget(models.Model):
    """One post on one account: the network's variant of the text and its publishing state."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="targets")
    text = models.TextField(blank=True, help_text="This network's variant of the post's text")
    state = models.CharField(max_length=20, choices=TargetState.choices, default=TargetState.DRAFT, db_index=True)
    # When the dispatcher may next claim it: the scheduled time, or the retry time.
    due_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    publish_state = models.JSONField(default=dict, blank=True, help_text="What a multi-step publish remembers")
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text="The network's own post options (visibility, content warning, poll, who may reply...), "
        "as the account's adapter cleans them",
    )
    attempts = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    remote_id = models.CharField(max_length=255, blank=True)
    remote_url = models.URLField(max_length=1000, blank=True)
    error_kind = models.CharField(max_length=20, blank=True)  # rate_limited | transient | auth | permanent | unknown
    error_message = models.TextField(blank=True, help_text="The network's own words")
    error_user_message = models.TextField(blank=True, help_text="The same, in a marketer's words")
    # A thread (X, Bluesky, Mastodon, Threads): the parts after the first (the first is
    # ``text``), each published as a reply to the one before; progress is in publish_state.
    parts = models.JSONField(default=list, blank=True, help_text="The thread's further parts, in order")
    # A first comment (Instagram, Facebook, LinkedIn): published after the post, on its own.
    first_comment = models.TextField(blank=True)
    first_comment_status = models.CharField(max_length=10, choices=FirstCommentStatus.choices, blank=True)
    first_comment_due = models.DateTimeField(null=True, blank=True, help_text="Next try, or the end of the lease")
    first_comment_attempts = models.PositiveSmallIntegerField(default=0)
    first_comment_sent_at = models.DateTimeField(null=True, blank=True, help_text="First time it was sent")
    first_comment_remote_id = models.CharField(max_length=255, blank=True)
    first_comment_url = models.URLField(max_length=1000, blank=True)
    first_comment_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "post__workspace"
    objects = PostTargetQuerySet.as_manager()

    class Meta:
        ordering = ["account__network", "account__handle"]
        constraints = [models.UniqueConstraint(fields=["post", "account"], name="one_target_per_account")]
        indexes = [
            models.Index(fields=["state", "due_at"], name="target_dispatch_idx"),
            models.Index(fields=["state", "locked_until"], name="target_lease_idx"),
            models.Index(fields=["account", "published_at"], name="target_account_published_idx"),
            models.Index(
                fields=["first_comment_due"],
                name="target_first_comment_due_idx",
                condition=models.Q(first_comment_status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self):
        return f"{self.post_id} -> {self.account}"

    @property
    def network(self) -> str:
        return self.account.network


class PostComment(models.Model):
    """An internal comment on a post (team discussion, approval feedback)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = models.TextField()
    kind = models.CharField(max_length=20, default="comment")  # comment | changes_requested | approval
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "post__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]


class PostingSlot(models.Model):
    """A weekly posting time of a brand, in the brand's time zone ("Add to queue" fills them).

    Lives here rather than in content_calendar because the composer (posts) must pick
    the next free slot and posts imports no app above it.
    """

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="posting_slots")
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (i, d) for i, d in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
        ]
    )
    time = models.TimeField(help_text="Local time in the brand's time zone")

    tenant_path = "brand__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [models.UniqueConstraint(fields=["brand", "weekday", "time"], name="slot_once")]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.time:%H:%M}"


class Notification(models.Model):
    """An in-app notice for one member (a post failed for good, an account needs
    reconnecting, an outcome needs a person, a post waits for approval or was reviewed).
    Written by posts.notifications; approval notices may also be emailed (``email``)."""

    class Kind(models.TextChoices):
        PUBLISHING = "publishing", "Publishing needs a person"
        OUTCOME_UNKNOWN = "outcome_unknown", "Please check whether a post reached its network"
        APPROVAL_REQUESTED = "approval_requested", "A post waits for approval"
        APPROVED = "approved", "A post was approved"
        CHANGES_REQUESTED = "changes_requested", "A post was sent back"

    class Email(models.TextChoices):
        NONE = "", "Not emailed"
        PENDING = "pending", "To be emailed"
        SENDING = "sending", "Being emailed"
        SENT = "sent", "Emailed"
        FAILED = "failed", "Could not be emailed"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="smm_notifications")
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.PUBLISHING)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The claim that makes the email task safe to run twice: only pending -> sending sends.
    email = models.CharField(max_length=8, choices=Email.choices, default=Email.NONE, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return self.text[:80]


class BulkImport(models.Model):
    """Posts imported from a CSV file (or the same rows sent to the API): checked row by
    row with the composer's rules, then, unless a dry run, each valid row becomes a post.
    posts/bulk.py does the work; this row holds the file, its progress and the counts."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Could not be read"

    class Source(models.TextChoices):
        CSV = "csv", "CSV file"
        API = "api", "API"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="bulk_imports")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="bulk_imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=3, choices=Source.choices, default=Source.CSV)
    file_name = models.CharField(max_length=255, blank=True)
    # The file as uploaded, decoded to text (CSV), or the API's rows as JSON: kept in the
    # database so any worker can read it, whatever disk it runs on.
    content = models.TextField(blank=True)
    dry_run = models.BooleanField(default=True)
    # The dry run this import repeats for real ("Import the valid rows"), if any.
    checked_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="imports")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True)
    phase = models.CharField(max_length=12, blank=True)  # checking | importing
    error = models.TextField(blank=True, help_text="Why the whole file could not be read")
    notes = models.JSONField(default=list, blank=True, help_text="What was noticed about the file as a whole")
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0, help_text="Progress of the current phase")
    ok_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    # Images fetched by address, stored once per import: {url: asset id} (a re-run reuses them).
    media_map = models.JSONField(default=dict, blank=True)
    # A worker's claim on the import: another delivery of the task leaves it alone meanwhile.
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Import #{self.pk} ({self.file_name or self.get_source_display()})"

    def get_absolute_url(self):
        return reverse("posts:bulk_job", kwargs={"ws": self.workspace.slug, "job_id": self.pk})

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class BulkImportRow(models.Model):
    """One row of an import: its cells as given, what the check found, and its post."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        ERROR = "error", "Error"
        IMPORTED = "imported", "Imported"

    job = models.ForeignKey(BulkImport, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(help_text="The row's number in the spreadsheet (the header is row 1)")
    cells = models.JSONField(default=dict, help_text="The row's cells by column, as given")
    status = models.CharField(max_length=8, choices=Status.choices, db_index=True)
    messages = models.JSONField(default=list, blank=True, help_text="Why the row cannot become a post")
    warnings = models.JSONField(default=list, blank=True, help_text="Worth a second look; not a refusal")
    scheduled_at = models.DateTimeField(null=True, blank=True)
    from_slot = models.BooleanField(default=False, help_text="The time is the brand's next free posting slot")
    post = models.OneToOneField(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="bulk_row")

    tenant_path = "job__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="bulk_row_once")]

    def __str__(self):
        return f"Row {self.number} of import {self.job_id}"


class Snippet(models.Model):
    """A brand's saved text the composer inserts at the caret: a hashtag group or a
    snippet (a sign-off, a disclaimer, a call to action). Names are unique per brand,
    whatever their case, so the composer's Insert menu never shows two of one name."""

    class Kind(models.TextChoices):
        HASHTAGS = "hashtags", "Hashtag group"
        TEXT = "text", "Snippet"

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="snippets")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.HASHTAGS)
    name = models.CharField(max_length=80)
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "brand__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "brand", name="snippet_name_unique_per_brand")
        ]

    def __str__(self):
        return self.name
