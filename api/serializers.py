"""What the API reads and writes. Writes are checked here for shape only; the rules
(rights, approval, networks' content rules, legal moves) are posts.actions' and friends'."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inbox.models import INTERNAL_FIELDS
from posts.models import Campaign, MediaAsset
from posts.validation import media_items
from smm.models import Brand, Membership, SocialAccount, Workspace
from smm.platforms import get_adapter
from smm.platforms.base import PostContent
from smm.request_input import MAX_ID, as_id


def absolute(url: str) -> str:
    if url and url.startswith("/"):
        return settings.SITE_URL.rstrip("/") + url
    return url


class WorkspaceSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role here (a token's role for token calls)")

    class Meta:
        model = Workspace
        fields = ["slug", "name", "time_zone", "approval_policy", "role"]

    def get_role(self, workspace) -> str:
        return self.context.get("roles", {}).get(workspace.pk, "")


class BrandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Brand
        fields = ["id", "name", "time_zone", "colour", "paused", "created_at"]


class SocialAccountSerializer(serializers.ModelSerializer):
    """An account as the team sees it; its credentials never leave the server."""

    class Meta:
        model = SocialAccount
        fields = [
            "id",
            "brand",
            "network",
            "handle",
            "display_name",
            "avatar_url",
            "base_url",
            "status",
            "status_reason",
            "token_expires_at",
            "connected_at",
        ]


class MemberSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="user.id")
    username = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ["id", "username", "role"]


# --- posts -----------------------------------------------------------------------------------


class MediaAssetSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    original_name = serializers.CharField(read_only=True)
    mime_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    alt_text = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text='"image" or "video"')
    # video only (null or blank for an image): what the probe read
    duration = serializers.FloatField(read_only=True, allow_null=True, help_text="Seconds")
    frame_rate = serializers.FloatField(read_only=True, allow_null=True, help_text="Frames per second")
    container = serializers.CharField(read_only=True, help_text='e.g. "mp4", "mov", "webm"')
    video_codec = serializers.CharField(read_only=True, help_text='e.g. "h264", "hevc", "vp9"')
    audio_codec = serializers.CharField(read_only=True, help_text='e.g. "aac"; blank: no sound')
    bitrate = serializers.IntegerField(read_only=True, allow_null=True, help_text="Bits per second")
    faststart = serializers.BooleanField(read_only=True, allow_null=True, help_text="MP4/MOV index before the data")
    processing = serializers.CharField(read_only=True, help_text="ready, queued, running or failed (a conversion)")
    processing_progress = serializers.IntegerField(read_only=True, help_text="Percent, while converting")
    processing_error = serializers.CharField(read_only=True)
    source = serializers.IntegerField(
        source="source_id", read_only=True, allow_null=True, help_text="A conversion's original"
    )
    captions = serializers.SerializerMethodField(help_text='Languages of the video\'s subtitles, e.g. ["en", "pt-BR"]')
    created_at = serializers.DateTimeField(read_only=True)

    def get_url(self, asset) -> str:
        return absolute(asset.file.url) if asset.file else ""

    def get_captions(self, asset) -> list[str]:
        if not asset.is_video:
            return []
        return [caption.language for caption in asset.captions.all()]

    def get_thumbnail_url(self, asset) -> str:
        return absolute(asset.thumbnail.url) if asset.thumbnail else ""


class MediaUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A JPEG, PNG, GIF or WebP image (checked and re-encoded)")
    alt_text = serializers.CharField(required=False, allow_blank=True, max_length=1500, default="")


class CaptionSerializer(serializers.Serializer):
    language = serializers.CharField(read_only=True, help_text='BCP-47, as stored: "en", "pt-BR"')
    url = serializers.SerializerMethodField(help_text="The WebVTT file")
    created_at = serializers.DateTimeField(read_only=True)

    def get_url(self, caption) -> str:
        return absolute(caption.file.url) if caption.file else ""


class CaptionUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        required=False, help_text="A WebVTT file (.vtt) in UTF-8, up to 20,000 bytes (Bluesky's limit)"
    )


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=120)
    colour = serializers.CharField(max_length=7, required=False, default="#0ea5e9")
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    created_at = serializers.DateTimeField(read_only=True)


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "09:00"})
class WallClockField(serializers.TimeField):
    """A time of day on the brand's clocks (no offset: it follows the zone's DST)."""


class PostingSlotSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    brand = serializers.IntegerField(source="brand_id", read_only=True)
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday")
    time = WallClockField(help_text="Local time in the brand's time zone")


class NextSlotSerializer(serializers.Serializer):
    brand = serializers.IntegerField()
    next_free_slot = serializers.DateTimeField(allow_null=True, help_text="UTC; null when the brand has no free slot")
    local = serializers.DateTimeField(allow_null=True, help_text="The same instant in the brand's time zone")


class PostTargetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField(source="account_id")
    network = serializers.CharField(source="account.network")
    handle = serializers.CharField(source="account.handle")
    text = serializers.CharField()
    state = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    remote_id = serializers.CharField()
    remote_url = serializers.CharField()
    attempts = serializers.IntegerField()
    error_kind = serializers.CharField()
    error_message = serializers.CharField(help_text="The network's own words")
    error_user_message = serializers.CharField(help_text="The same, in plain words")
    options = serializers.JSONField(
        help_text="The network's own post options, as sent: Mastodon visibility, spoiler_text, sensitive, "
        "language, poll; Bluesky langs, reply; X reply_settings, poll"
    )
    parts = serializers.ListField(
        child=serializers.CharField(), help_text="A thread's parts after the first (X, Bluesky, Mastodon, Threads)"
    )
    thread = serializers.SerializerMethodField(
        help_text="The thread's parts on the network so far, in order: [{number, state, remote_id, url}]"
    )
    first_comment = serializers.CharField(
        help_text="Posted under the post once it is out (Instagram, Facebook, LinkedIn)"
    )
    first_comment_status = serializers.CharField(help_text="'', pending, sending, published, failed or unknown")
    first_comment_remote_id = serializers.CharField()
    first_comment_error = serializers.CharField(help_text="Why the first comment failed (the post stays published)")

    def get_thread(self, target) -> list[dict]:
        from posts.threads import part_rows

        return [
            {"number": row.number, "state": row.state, "remote_id": row.remote_id, "url": row.url}
            for row in part_rows(target)
        ]


class PostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    brand = serializers.IntegerField(source="brand_id")
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    author = serializers.IntegerField(source="author_id", allow_null=True)
    text = serializers.CharField()
    link = serializers.CharField()
    media = serializers.SerializerMethodField()
    scheduled_at = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField()
    approved_by = serializers.IntegerField(source="approved_by_id", allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    targets = PostTargetSerializer(many=True, source="targets.all")
    warnings = serializers.SerializerMethodField(help_text="Worth a second look (after scheduling); never a refusal")
    held = serializers.BooleanField(
        source="is_held",
        help_text="Due to go out, but its brand is paused: nothing of it is published until the brand is resumed",
    )

    def get_media(self, post) -> list[int]:
        return [pm.asset_id for pm in post.postmedia_set.all()]

    def get_warnings(self, post) -> list[str]:
        return list(getattr(post, "warnings", []) or [])


class _WorkspaceRefs:
    """Primary keys in a body resolve only inside the request's workspace."""

    def _scoped(self, model, **extra):
        workspace = self.context["request"].workspace
        return model.objects.for_workspace(workspace).filter(**extra)


class PostWriteSerializer(_WorkspaceRefs, serializers.Serializer):
    brand = serializers.PrimaryKeyRelatedField(queryset=Brand.objects.none())
    accounts = serializers.PrimaryKeyRelatedField(
        queryset=SocialAccount.objects.none(), many=True, help_text="The accounts to post to (of the brand)"
    )
    text = serializers.CharField(allow_blank=True, required=False, default="", max_length=100_000)
    variants = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=100_000),
        required=False,
        help_text="Per-account text: {account id: text}; an account without one gets the main text",
    )
    options = serializers.DictField(
        child=serializers.DictField(),
        required=False,
        help_text="Per-account network options: {account id: {...}}. Mastodon: visibility (public, unlisted, "
        "private), spoiler_text, sensitive, language, poll {options: [2-4], duration_minutes, multiple}; "
        "Bluesky: langs (up to 3), reply (everybody, nobody, mentioned, followers, following); X: "
        "reply_settings (everyone, mentionedUsers, following), poll {options: [2-4], duration_minutes}. "
        "An account without options gets its defaults",
    )
    link = serializers.URLField(required=False, allow_blank=True, default="", max_length=1000)
    media = serializers.PrimaryKeyRelatedField(queryset=MediaAsset.objects.none(), many=True, required=False)
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.none(), required=False, allow_null=True)
    parts = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=100_000),
        required=False,
        max_length=25,
        help_text="A thread: the parts after the first (the text), each published as a reply to the one before "
        "on X, Bluesky, Mastodon and Threads; each is checked with the network's own counting. Empty parts are "
        "left out",
    )
    parts_by_account = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(allow_blank=True, max_length=100_000), max_length=25),
        required=False,
        help_text="A thread's parts per account where one differs: {account id: [part 2, part 3, ...]}; "
        "an account without an entry gets ``parts``",
    )
    first_comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=8000,
        help_text="Posted under the post right after it is published on Instagram, Facebook and LinkedIn; "
        "its failure never fails the post",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "request" in self.context and hasattr(self.context["request"], "workspace"):
            self.fields["brand"].queryset = self._scoped(Brand)
            self.fields["accounts"].child_relation.queryset = self._scoped(SocialAccount)
            self.fields["media"].child_relation.queryset = self._scoped(MediaAsset)
            self.fields["campaign"].queryset = self._scoped(Campaign)

    def validate_options(self, value):
        for key in value:
            if as_id(key) is None:
                raise serializers.ValidationError(f"{str(key)[:40]!r} is not an account id.")
        return {as_id(k): v for k, v in value.items()}

    def validate(self, data):
        """Each account's options checked by its network's rules, as field errors
        (``{"options": {"<account id>": ["..."]}}``); a poll with images is refused here."""
        data = super().validate(data)
        options = data.get("options") or {}
        accounts = {a.pk: a for a in data.get("accounts") or []}
        if not accounts and getattr(self, "instance_post", None) is not None:
            accounts = {t.account_id: t.account for t in self.instance_post.targets.select_related("account")}
        media = data.get("media")
        if media is None and getattr(self, "instance_post", None) is not None:
            media = list(self.instance_post.media.all())
        errors = {}
        for account_id, given in options.items():
            account = accounts.get(account_id)
            if account is None:
                errors[str(account_id)] = ["Options for an account this post does not go to."]
                continue
            adapter = get_adapter(account.network)
            content = PostContent(text="", media=media_items(media or []), options=adapter.clean_options(given))
            messages = [p.message for p in adapter.option_problems(content)]
            unknown = sorted(set(given) - set(adapter.post_options))
            if unknown:
                takes = ", ".join(adapter.post_options) or "none"
                messages.append(f"{adapter.label} does not take {', '.join(unknown)} (its options: {takes}).")
            if messages:
                errors[str(account_id)] = messages
        if errors:
            raise serializers.ValidationError({"options": errors})
        self._check_thread(data, accounts)
        return data

    def _check_thread(self, data, accounts) -> None:
        """Parts or a first comment for accounts none of which takes them: refused in words."""
        from posts import threads

        problems = {}
        networks = {a.network for a in accounts.values()}
        if threads.clean_parts(data.get("parts")) and not networks & set(threads.thread_networks()):
            problems["parts"] = ["None of the post's accounts publishes threads (X, Bluesky, Mastodon, Threads)."]
        for account_id in data.get("parts_by_account") or {}:
            account = accounts.get(account_id)
            if account is None:
                problems.setdefault("parts_by_account", {})[str(account_id)] = [
                    "Parts for an account this post does not go to."
                ]
            elif not threads.takes_threads(account.network):
                problems.setdefault("parts_by_account", {})[str(account_id)] = [
                    f"{account.network_label} does not publish threads."
                ]
        if (data.get("first_comment") or "").strip() and not networks & set(threads.comment_networks()):
            problems["first_comment"] = [
                "None of the post's accounts takes a first comment (Instagram, Facebook, LinkedIn)."
            ]
        if problems:
            raise serializers.ValidationError(problems)

    def validate_parts_by_account(self, value):
        for key in value:
            if as_id(key) is None:
                raise serializers.ValidationError(f"{str(key)[:40]!r} is not an account id.")
        return {as_id(k): v for k, v in value.items()}

    def validate_variants(self, value):
        for key in value:
            if as_id(key) is None:
                raise serializers.ValidationError(f"{str(key)[:40]!r} is not an account id.")
        return {as_id(k): v for k, v in value.items()}


class PostUpdateSerializer(PostWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["brand"]
        for field in self.fields.values():
            field.required = False
        self.fields["text"].default = serializers.empty
        self.fields["link"].default = serializers.empty


class ScheduleSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="When to publish (ISO 8601 with offset)")
    next_free_slot = serializers.BooleanField(
        required=False, default=False, help_text="Put it into the brand's next free posting slot"
    )
    now = serializers.BooleanField(required=False, default=False, help_text="Publish as soon as possible")

    def validate(self, data):
        chosen = [name for name in ("at", "next_free_slot", "now") if data.get(name)]
        if len(chosen) != 1:
            raise serializers.ValidationError("Give exactly one of “at”, “next_free_slot”: true or “now”: true.")
        return data


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class RequiredCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, help_text="What should change")


class PostLinkSerializer(serializers.Serializer):
    url = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="The post's address on the network, if you have it: SMM reads the post's id from it",
    )


# Said when "send it again" comes without a confirmation: what happens if the post is there.
APPEARS_TWICE = (
    "If the post is on the network after all, sending it again makes it appear twice. "
    "Look at the account first, then send “confirm”: true."
)


class SendAgainSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        error_messages={"required": APPEARS_TWICE},
        help_text="true: you looked and the post is not on the network. If it is there after all, it appears twice.",
    )

    def validate_confirm(self, value):
        if value is not True:
            raise serializers.ValidationError(APPEARS_TWICE)
        return value


class PostMetricsSerializer(serializers.Serializer):
    target = serializers.IntegerField(source="target_id")
    account = serializers.IntegerField(source="account_id")
    network = serializers.CharField()
    published_at = serializers.DateTimeField()
    captured_at = serializers.DateTimeField()
    impressions = serializers.IntegerField(allow_null=True)
    reach = serializers.IntegerField(allow_null=True)
    likes = serializers.IntegerField(allow_null=True)
    comments = serializers.IntegerField(allow_null=True)
    shares = serializers.IntegerField(allow_null=True)
    saves = serializers.IntegerField(allow_null=True)
    clicks = serializers.IntegerField(allow_null=True)
    video_views = serializers.IntegerField(allow_null=True)
    engagements = serializers.IntegerField(allow_null=True)


# --- calendar and analytics ----------------------------------------------------------------


class CalendarSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    time_zone = serializers.CharField()
    events = serializers.ListField(
        child=serializers.DictField(), help_text="The calendar's events (posts, slots, campaigns, notes)"
    )


class KpiSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["count", "rate", "duration"])
    value = serializers.FloatField(allow_null=True)
    previous = serializers.FloatField(allow_null=True)
    display = serializers.CharField()
    note = serializers.CharField(help_text="How it is computed")


class PeriodSerializer(serializers.Serializer):
    kind = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    label = serializers.CharField()
    time_zone = serializers.CharField()


class KpiReportSerializer(serializers.Serializer):
    brands = serializers.ListField(child=serializers.IntegerField())
    period = PeriodSerializer()
    previous_period = PeriodSerializer()
    kpis = KpiSerializer(many=True)
    left_out_of_rates = serializers.IntegerField(help_text="Posts without impressions, left out of the rates")


# --- inbox ------------------------------------------------------------------------------------


class InboxItemSerializer(serializers.Serializer):
    """One item. The team's internal fields (``inbox.models.INTERNAL_FIELDS``) are left
    out unless the caller's role may see them (the "see_internal" right): a client, or
    a serializer used without a request, never gets them."""

    id = serializers.IntegerField()
    account = serializers.IntegerField(source="account_id")
    network = serializers.CharField(source="account.network")
    kind = serializers.CharField()
    author_handle = serializers.CharField()
    author_name = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    url = serializers.CharField()
    status = serializers.CharField()
    assignee = serializers.IntegerField(
        source="assignee_id", allow_null=True, help_text="The member who has it (absent for clients)"
    )
    priority = serializers.IntegerField(help_text="0-100, the team's triage score (absent for clients)")
    sentiment = serializers.FloatField()
    thread_key = serializers.CharField()
    post_target = serializers.IntegerField(source="post_target_id", allow_null=True)
    first_response_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        membership = getattr(request, "membership", None)
        if membership is None or not membership.can("see_internal"):
            for name in INTERNAL_FIELDS & set(data):
                del data[name]
        return data


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=MAX_ID, help_text="A member's user id, or null to unassign"
    )


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)
    done = serializers.BooleanField(required=False, default=False, help_text="Also mark the item done")


class InboxReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.IntegerField(source="item_id")
    text = serializers.CharField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class BulkImportWriteSerializer(_WorkspaceRefs, serializers.Serializer):
    brand = serializers.PrimaryKeyRelatedField(queryset=Brand.objects.none())
    dry_run = serializers.BooleanField(default=True, help_text="Check every row and create nothing (the default)")
    rows = serializers.ListField(
        child=serializers.DictField(), min_length=1, help_text="Each row an object with the CSV template's columns"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "request" in self.context:
            self.fields["brand"].queryset = self._scoped(Brand)


class BulkImportSerializer(serializers.Serializer):
    """An import's progress and counts; ``rows`` once it is finished."""

    id = serializers.IntegerField()
    brand = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed"])
    phase = serializers.CharField()
    error = serializers.CharField()
    notes = serializers.ListField(child=serializers.CharField())
    total_rows = serializers.IntegerField()
    done_rows = serializers.IntegerField()
    ok_rows = serializers.IntegerField()
    error_rows = serializers.IntegerField()
    imported_rows = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    rows = serializers.ListField(child=serializers.DictField(), required=False)
