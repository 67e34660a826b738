"""Each network's own content rules applied to a post, per target: the live check while
typing and the check that blocks scheduling use this one module."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from smm.platforms import get_adapter, registry
from smm.platforms import text as post_text
from smm.platforms.base import MediaItem, PostContent, Problem


@dataclass
class TargetCheck:
    """What the composer shows for one account: counted length, what is left, problems."""

    account: object
    text: str
    length: int
    limit: int
    hashtags: int
    problems: list[Problem] = field(default_factory=list)
    follows_main_text: bool = True
    notes: list[str] = field(default_factory=list)  # what happens to the post there, not a problem
    # a thread's further parts, each counted as the network counts (part 2 first)
    part_lengths: list[int] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.limit - self.length if self.limit else 0

    @property
    def over_by(self) -> int:
        return max(self.length - self.limit, 0) if self.limit else 0

    @property
    def over(self) -> bool:
        return bool(self.limit) and self.length > self.limit

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def label(self) -> str:
        return f"{registry.label(self.account.network)} {self.account.handle}"


def media_items(assets) -> list[MediaItem]:
    """Media as the adapters see them for validation: sizes and a public URL, no bytes."""
    site = settings.SITE_URL.rstrip("/")
    items = []
    for asset in assets:
        url = asset.file.url if asset.file else ""
        items.append(
            MediaItem(
                mime_type=asset.mime_type,
                url=f"{site}{url}" if url.startswith("/") else url,
                alt_text=asset.alt_text,
                size=asset.size,
                width=asset.width or None,
                height=asset.height or None,
                filename=asset.original_name or "image",
                # a video is judged on what the probe read (no file is opened here)
                path=_local_path(asset),
                duration=asset.duration,
                frame_rate=asset.frame_rate,
                container=asset.container,
                video_codec=asset.video_codec,
                audio_codec=asset.audio_codec,
                pixel_format=asset.pixel_format,
                bitrate=asset.bitrate,
            )
        )
    return items


def _local_path(asset) -> str | None:
    try:
        return asset.file.path if asset.file else None
    except NotImplementedError:  # a storage without local files
        return None


def check_target(
    account,
    text: str,
    media: list[MediaItem],
    link: str = "",
    *,
    main_text: str = "",
    options: dict | None = None,
    adapter=None,
    parts: list[str] | None = None,
    first_comment: str = "",
) -> TargetCheck:
    """Run the account's network adapter over one variant and its post options (poll,
    visibility, who may reply...), with the limits of the account's own server where it
    announced them (a Mastodon instance may allow 5,000). ``adapter``: one made by
    ``limited_adapter(account)`` already, for callers that check many rows (bulk import)."""
    adapter = adapter or limited_adapter(account)
    content = PostContent(text=text, media=list(media), link=link or None, options=dict(options or {}))
    try:
        problems = list(adapter.validate(content))
    except NotImplementedError:
        problems = []
    try:
        length = adapter.text_length(text)
    except NotImplementedError:
        length = len(text)
    part_lengths = []
    if parts and getattr(adapter, "supports_threads", False):
        part_options = {k: v for k, v in (options or {}).items() if k not in ("poll", "reply", "reply_settings")}
        for number, part in enumerate(parts, start=2):
            part_lengths.append(_length(adapter, part))
            try:
                found = adapter.validate(PostContent(text=part, in_reply_to="(thread)", options=part_options))
            except NotImplementedError:
                found = []
            problems.extend(Problem("parts", f"Part {number}: {p.message}", p.code) for p in found)
    limit = COMMENT_LIMITS.get(account.network)
    if first_comment and limit and getattr(adapter, "supports_first_comment", False) and len(first_comment) > limit:
        over = len(first_comment) - limit
        problems.append(
            Problem(
                "first_comment",
                f"The first comment is {over:,} character{'s' if over != 1 else ''} over "
                f"{adapter.possessive()} {limit:,}-character limit for comments.",
                "too_long",
            )
        )
    return TargetCheck(
        account=account,
        text=text,
        length=length,
        limit=adapter.max_text_length,
        hashtags=post_text.count_hashtags(text),
        problems=problems,
        follows_main_text=text == main_text,
        notes=_conversion_notes(adapter, media) + _network_notes(adapter, content),
        part_lengths=part_lengths,
    )


# Comment lengths (characters): Instagram 2,200, Facebook 8,000, LinkedIn 1,250.
COMMENT_LIMITS = {"instagram": 2200, "facebook": 8000, "linkedin": 1250}


def _length(adapter, text: str) -> int:
    try:
        return adapter.text_length(text)
    except NotImplementedError:
        return len(text)


def limited_adapter(account):
    """The account's network adapter with its server's announced limits."""
    return get_adapter(account.network).apply_limits(getattr(account, "limits", None))


def _conversion_notes(adapter, media: list[MediaItem]) -> list[str]:
    """A network that takes only JPEG gets a JPEG made of each PNG or WebP (posts.content)."""
    converted = [item for item in media if item.mime_type in getattr(adapter, "converts_to_jpeg", ())]
    if not converted:
        return []
    kinds = " and ".join(sorted({item.mime_type.split("/")[1].upper().replace("WEBP", "WebP") for item in converted}))
    return [f"{kinds} images are sent to {adapter.label} as JPEG (transparent parts become white)."]


def _network_notes(adapter, content: PostContent) -> list[str]:
    """What the network will make of the post, where it decides by itself (a vertical
    YouTube video of 3 minutes or less is a Short): the adapter's ``notes``, if it has any."""
    notes = getattr(adapter, "notes", None)
    return list(notes(content)) if callable(notes) else []


def check_post(post) -> list[TargetCheck]:
    """Every live target of a saved post, checked with its network's rules."""
    from posts.models import TargetState

    media = media_items(post.media.order_by("postmedia__order"))
    return [
        check_target(
            target.account,
            target.text,
            media,
            post.link,
            main_text=post.text,
            options=target.options,
            parts=list(target.parts or []),
            first_comment=target.first_comment,
        )
        for target in post.targets.select_related("account").exclude(state=TargetState.CANCELLED)
    ]


def problem_messages(checks: list[TargetCheck]) -> dict[str, list[str]]:
    """Problems keyed by the composer field they belong to: ``text`` (a variant that
    follows the main text), ``variant_<account id>`` (an adapted variant), ``media``, ``link``,
    ``options_<account id>`` (the account's post options: poll, visibility...).
    Each message names the account, so it reads on its own."""
    messages: dict[str, list[str]] = {}
    for check in checks:
        for problem in check.problems:
            if problem.field == "text":
                key = "text" if check.follows_main_text else f"variant_{check.account.pk}"
            elif problem.field in ("media", "link"):
                key = problem.field
            elif problem.field == "options":
                key = f"options_{check.account.pk}"
            elif problem.field in ("parts", "first_comment"):
                key = problem.field
            else:
                key = "text"
            messages.setdefault(key, []).append(f"{check.label}: {problem.message}")
    return messages
