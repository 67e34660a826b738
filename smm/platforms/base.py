"""The one interface every network adapter implements, and the plain data it speaks.

Adapters import nothing of the app: the caller hands them an ``AccountContext``
(decrypted credentials and a callback to save refreshed ones) and plain content,
and gets plain results or one of the four error classes back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

# --- the error vocabulary -------------------------------------------------------------


class PlatformError(Exception):
    """Base of the four classes the task layer understands.

    ``message`` is the network's own words (kept for the post's page and the logs);
    ``user_message`` says it in words a marketer understands.
    """

    def __init__(self, message: str, *, user_message: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.user_message = user_message or message
        self.status = status


class RateLimited(PlatformError):
    """The network said "slow down"; ``retry_after`` is seconds, read from its headers."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Transient(PlatformError):
    """5xx, timeouts, connection resets: worth retrying with backoff."""


class StillProcessing(PlatformError):
    """Not an error: the network is still working on an upload (a video being transcoded,
    a container not yet FINISHED), and nothing was published yet. The engine puts the
    target back to wait and runs ``publish`` again after ``check_after`` seconds, without
    holding a worker meanwhile and without counting it as a failed attempt. The adapter
    keeps what it needs to carry on (media id, container id, job id) in
    ``PublishAttempt.state`` *before* raising, and gives up on its own (``Permanent`` or
    ``Transient``) when the network has worked on it for longer than it should."""

    def __init__(self, message: str, *, check_after: float = 10.0, progress: int | None = None, **kwargs):
        kwargs.setdefault("user_message", message)
        super().__init__(message, **kwargs)
        self.check_after = max(1.0, float(check_after))
        self.progress = progress  # percent, where the network says


class OutcomeUnknown(Transient):
    """The request may have reached the network but no answer came back (timeout
    after sending, connection dropped mid-response). Never blindly retried: the
    caller resolves it through ``lookup_published``."""


class UnreadableAnswer(OutcomeUnknown):
    """The network accepted the request (a 2xx) but its answer lacks what we need (the
    new post's or reply's id) or is not what it documents. What we sent most likely
    exists: found by a lookup or confirmed by a person, never sent again on its own."""

    def __init__(self, message: str, *, label: str = "The network", **kwargs):
        kwargs.setdefault(
            "user_message", f"{label} accepted it but did not say what it created; we could not confirm it."
        )
        super().__init__(message, **kwargs)


class AuthExpired(PlatformError):
    """Token revoked or expired and not refreshable: the account needs reconnecting."""


class Permanent(PlatformError):
    """Validation, duplicate content, missing permission: retrying will not help."""


# --- plain data -----------------------------------------------------------------------

# Codes of the content problems every network shares (``Problem.code``): the composer and
# the tests match on these, never on the wording.
TOO_LONG = "too_long"
EMPTY = "empty"


@dataclass
class Problem:
    """One content-rule problem, in a marketer's words. ``field`` is "text", "media", "link"
    or "options" (the network's own post options: visibility, poll, who may reply...)."""

    field: str
    message: str
    code: str = ""


@dataclass
class MediaItem:
    """An image or a video to attach. ``url`` is a public URL for networks that fetch
    media themselves (Instagram, Threads, Facebook).

    An image carries its bytes in ``data``. A video never does: ``path`` is the file on
    local disk (send it with ``smm.platforms.video.FileRange``, never read it whole), and
    the probe's findings come along (``duration``, ``frame_rate``, codecs) so ``validate``
    can judge it without opening the file. ``width``/``height`` are as displayed.
    ``thumbnail_url``/``thumbnail_path`` are its poster frame (a JPEG), where there is one;
    ``captions`` its subtitle files."""

    mime_type: str
    data: bytes | None = None
    url: str | None = None
    alt_text: str = ""
    size: int | None = None
    width: int | None = None
    height: int | None = None
    filename: str = "image"
    path: str | None = None
    duration: float | None = None  # seconds
    frame_rate: float | None = None
    container: str = ""
    video_codec: str = ""
    audio_codec: str = ""  # blank: no sound
    pixel_format: str = ""
    bitrate: int | None = None
    thumbnail_path: str | None = None
    thumbnail_url: str | None = None
    # A video's subtitles: (BCP-47 language, path of a WebVTT file on local disk), checked
    # on upload (UTF-8, "WEBVTT", <= 20,000 bytes). Sent by Bluesky; others ignore them.
    captions: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith("video/")

    @property
    def byte_size(self) -> int:
        if self.size is not None:
            return self.size
        if self.data is None and self.path:
            import os

            return os.path.getsize(self.path)
        return len(self.data or b"")

    @property
    def aspect_ratio(self) -> tuple[int, int] | None:
        """(width, height) as displayed, for networks that want it sent (Bluesky)."""
        return (self.width, self.height) if self.width and self.height else None


@dataclass
class PostContent:
    """What one target publishes: the variant's text, its media and an optional link."""

    text: str
    media: list[MediaItem] = field(default_factory=list)
    link: str | None = None
    in_reply_to: str | None = None  # remote id of the item we answer (replies)
    # The network's own post options (Mastodon visibility, content warning, poll; Bluesky
    # languages and who may reply; X reply settings and poll), as ``Adapter.clean_options``
    # shapes them. Empty: the network's defaults.
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class AccountContext:
    """Everything an adapter needs about one connected account, with no app import.

    ``credentials`` is the decrypted dict stored on the account (tokens, app
    passwords, instance URL...). When an adapter refreshes tokens it calls
    ``save_credentials(new_dict)`` so the caller stores them encrypted; it must never
    replace a stored refresh token with an empty one.
    """

    network: str
    remote_id: str = ""
    handle: str = ""
    base_url: str = ""
    credentials: dict[str, Any] = field(default_factory=dict)
    save_credentials: Callable[[dict[str, Any]], None] | None = None

    def update_credentials(self, changes: dict[str, Any]) -> None:
        merged = dict(self.credentials)
        for key, value in changes.items():
            if key == "refresh_token" and not value:
                continue  # keep the one we have
            merged[key] = value
        self.credentials = merged
        if self.save_credentials is not None:
            self.save_credentials(merged)


@dataclass
class AppCredentials:
    """The app's own OAuth client registration on a network (from settings)."""

    client_id: str = ""
    client_secret: str = ""


@dataclass
class ConnectedAccount:
    """The result of a successful connection flow."""

    remote_id: str
    handle: str
    display_name: str = ""
    avatar_url: str = ""
    base_url: str = ""
    credentials: dict[str, Any] = field(default_factory=dict)
    token_expires_at: dt.datetime | None = None
    # content limits the account's own server announced (``Adapter.LIMIT_FIELDS``), if any
    limits: dict[str, Any] = field(default_factory=dict)


@dataclass
class PublishAttempt:
    """One target's publishing identity across retries.

    ``idempotency_key`` is fixed when the target is created. ``state`` carries what a
    multi-step flow must remember between attempts (Bluesky's chosen record key,
    Instagram/Threads' container id); ``remember`` saves it (through ``save_state``,
    in its own transaction) *before* the step that could publish, so a retry or a
    lookup after a lost answer can tell whether the post went out.
    """

    idempotency_key: str
    state: dict[str, Any] = field(default_factory=dict)
    save_state: Callable[[dict[str, Any]], None] | None = None

    def remember(self, **values: Any) -> None:
        self.state.update(values)
        if self.save_state is not None:
            self.save_state(dict(self.state))


@dataclass
class PublishResult:
    remote_id: str
    url: str
    published_at: dt.datetime


@dataclass
class PostMetrics:
    """Normalised figures for one post. None means "the network does not report it",
    never zero."""

    remote_id: str
    impressions: int | None = None
    reach: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    clicks: int | None = None
    video_views: int | None = None


@dataclass
class AccountMetrics:
    followers: int | None = None
    following: int | None = None
    posts_count: int | None = None
    impressions: int | None = None
    reach: int | None = None
    # The account's name and picture, where the same answer carries them (None: not said).
    # The daily pull keeps the account's card current with them: connecting may have gone
    # without (Bluesky's profile lookup is allowed to fail), and people rename themselves.
    display_name: str | None = None
    avatar_url: str | None = None


@dataclass
class InboxItem:
    """A comment, reply, mention or direct message as the network delivered it."""

    remote_id: str
    kind: str  # "comment" | "reply" | "mention" | "dm"
    text: str
    created_at: dt.datetime
    author_handle: str
    author_name: str = ""
    author_avatar: str = ""
    author_followers: int | None = None
    url: str = ""
    post_remote_id: str = ""  # our post it belongs to, when known
    parent_remote_id: str = ""  # the item it answers, when known
    conversation_id: str = ""


@dataclass
class WebhookItem:
    """One inbox item a network pushed to us, and the remote id of the account it is for."""

    account_remote_id: str
    item: InboxItem


@dataclass
class InboxPage:
    items: list[InboxItem]
    cursor: str  # give back on the next call to fetch only newer items


# --- the adapter ----------------------------------------------------------------------


class Adapter:
    """Base class of every network adapter. Subclasses set ``name`` and the flags and
    override what their network allows; what it does not allow raises ``NotSupported``."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""

    # capability flags
    supports_images: ClassVar[bool] = True
    supports_links: ClassVar[bool] = True
    supports_post_metrics: ClassVar[bool] = True
    supports_account_metrics: ClassVar[bool] = True
    supports_inbox: ClassVar[bool] = True
    supports_reply: ClassVar[bool] = True
    supports_refresh: ClassVar[bool] = False
    # a post of several parts, each a reply to the one before (``PostContent.in_reply_to``)
    supports_threads: ClassVar[bool] = False
    # a comment of our own under the post, once it is out (``comment_on_post``)
    supports_first_comment: ClassVar[bool] = False
    # pushes inbox items to us (``parse_webhook``); ``webhook_object`` is what its deliveries
    # say they are about (Meta's "object": "page", "instagram")
    supports_webhooks: ClassVar[bool] = False
    webhook_object: ClassVar[str] = ""
    # how a connection is made: "oauth2" (redirect), "app_password" (form), "oauth2_instance"
    connect_kind: ClassVar[str] = "oauth2"
    # how an unknown publish outcome can be resolved: "idempotency_key", "record_key",
    # "container", "recent_posts" or "" (ask a person)
    idempotency: ClassVar[str] = ""

    # content limits (validate() uses them; the composer shows them)
    max_text_length: ClassVar[int] = 0
    max_images: ClassVar[int] = 4
    max_image_bytes: ClassVar[int] = 5 * 1024 * 1024
    image_types: ClassVar[tuple[str, ...]] = ("image/jpeg", "image/png", "image/gif", "image/webp")
    media_required: ClassVar[bool] = False
    # What the network takes as video (smm.platforms.video.VideoRules); None: no video.
    # ``video_rules_for`` may narrow it per post (Instagram Reels vs Stories).
    video_rules: ClassVar[Any] = None
    # the per-post options this network takes (``PostContent.options`` keys); see clean_options
    post_options: ClassVar[tuple[str, ...]] = ()
    # the limits above that one server may set for its own accounts (Mastodon instances do)
    LIMIT_FIELDS: ClassVar[tuple[str, ...]] = (
        "max_text_length",
        "max_images",
        "max_image_bytes",
        "characters_reserved_per_url",
        "image_types",
    )

    def __init__(self, app: AppCredentials | None = None, *, http=None):
        from smm.platforms.http import HttpClient

        self.app = app or AppCredentials()
        self.http = http or HttpClient()

    def apply_limits(self, limits: dict | None) -> Adapter:
        """Use an account's own server limits (``SocialAccount.limits``) instead of the
        network's defaults; unknown keys and values of the wrong type are ignored."""
        for name, value in (limits or {}).items():
            if name not in self.LIMIT_FIELDS or not hasattr(self, name):
                continue
            if name == "image_types":
                if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
                    self.image_types = tuple(value)
            elif isinstance(value, int) and not isinstance(value, bool) and value > 0:
                setattr(self, name, value)
        return self

    def account_limits(self, account: AccountContext) -> dict:
        """The content limits the account's server announces now (``LIMIT_FIELDS`` keys);
        empty where a network has one set of limits for everybody."""
        return {}

    # content rules
    def text_length(self, text: str) -> int:
        """Length as the network counts it."""
        return len(text)

    def validate(self, content: PostContent) -> list[Problem]:
        raise NotImplementedError

    @classmethod
    def clean_options(cls, options: dict | None) -> dict[str, Any]:
        """The options this network takes, in the shape its ``publish`` sends: unknown
        keys and empty values are dropped, values are trimmed. Nothing is refused here:
        ``option_problems`` says what is wrong, in words."""
        return {}

    def option_problems(self, content: PostContent) -> list[Problem]:
        """What is wrong with ``content.options`` for this network (field "options")."""
        return []

    # connection
    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str, base_url: str = "") -> str:
        raise NotSupported(f"{self.label} does not connect through a browser redirect")

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str, base_url: str = ""
    ) -> ConnectedAccount:
        raise NotSupported(f"{self.label} does not connect through a browser redirect")

    def connect_with_password(self, *, identifier: str, password: str, base_url: str = "") -> ConnectedAccount:
        raise NotSupported(f"{self.label} does not connect with a password")

    def refresh(self, account: AccountContext) -> None:
        """Refresh the account's tokens and save them through ``account.update_credentials``."""
        raise NotSupported(f"{self.label} tokens cannot be refreshed")

    # publishing
    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        raise NotImplementedError

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        """After an unknown outcome: the post if it exists on the network, None if it
        certainly does not. Raise ``OutcomeUnknown`` when the network cannot tell."""
        raise OutcomeUnknown(f"{self.label} cannot tell whether the post went out")

    @classmethod
    def remote_id_from_url(cls, url: str, account: AccountContext) -> str | None:
        """The id ``publish`` would have returned for the account's post at ``url`` (a link
        a person pasted after an unknown outcome), or None when the link cannot say."""
        return None

    # metrics and inbox
    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        raise NotSupported(f"{self.label} does not report post metrics")

    def fetch_account_metrics(self, account: AccountContext) -> AccountMetrics:
        raise NotSupported(f"{self.label} does not report account metrics")

    def fetch_inbox(self, account: AccountContext, cursor: str = "") -> InboxPage:
        raise NotSupported(f"{self.label} has no inbox we can read")

    def reply(self, account: AccountContext, item: InboxItem, text: str) -> PublishResult:
        """Answer ``item`` with ``text``. A 2xx answer without the reply's id raises
        ``UnreadableAnswer`` (the reply most likely exists: see ``find_reply``)."""
        raise NotSupported(f"{self.label} does not allow replies from here")

    def find_reply(
        self, account: AccountContext, item: InboxItem, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        """After an unknown reply outcome: our answer to ``item`` with ``text``, sent at
        or after ``since``, if the network shows it; None if it lists the answers to
        ``item`` and ours is not among them. Raise ``OutcomeUnknown`` when it cannot tell."""
        raise OutcomeUnknown(f"{self.label} offers no way to look for our reply")

    def comment_on_post(self, account: AccountContext, post_id: str, text: str) -> PublishResult:
        """Our own comment ``text`` under our post ``post_id`` (the first comment). A 2xx
        answer without the comment's id raises ``UnreadableAnswer`` (see ``find_comment``)."""
        raise NotSupported(f"{self.label} does not take a first comment from here")

    def find_comment(
        self, account: AccountContext, post_id: str, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        """After an unknown comment outcome: our comment with ``text`` under ``post_id``,
        written at or after ``since``; None if the network lists the post's comments and
        ours is not among them. Raise ``OutcomeUnknown`` when it cannot tell."""
        raise OutcomeUnknown(f"{self.label} offers no way to look for our comment")

    @classmethod
    def parse_webhook(cls, payload: dict, received_at: dt.datetime | None = None) -> list[WebhookItem]:
        """The inbox items in a verified delivery of the network's webhook, each with the
        account it is for; what the network sends that is not an inbox item is skipped. A
        change without a time of its own is dated ``received_at`` (when it arrived)."""
        raise NotSupported(f"{cls.label} does not push inbox items to us")

    # helpers for subclasses: the problems every network words alike, with codes callers match on
    def possessive(self, name: str | None = None) -> str:
        name = name or self.label
        return f"{name}'" if name.endswith("s") else f"{name}'s"

    def empty_post_problem(self) -> Problem:
        """The one wording of "nothing to publish"; each network decides what counts as empty."""
        return Problem("text", f"{self.label} will not publish an empty post: write something.", EMPTY)

    def too_long_problem(self, text: str, *, note: str = "") -> Problem | None:
        """ "This is 5 characters over Mastodon's 500-character limit." when ``text``, counted
        as the network counts it, is over ``max_text_length``; else None. ``note`` says how
        the network counts where that surprises ("links count as 23")."""
        over = self.text_length(text) - self.max_text_length
        if over <= 0:
            return None
        how = f" ({note})" if note else ""
        return Problem(
            "text",
            f"This is {over:,} character{'s' if over != 1 else ''} over {self.possessive()} "
            f"{self.max_text_length:,}-character limit{how}.",
            TOO_LONG,
        )

    def too_many_images_problem(self, count: int) -> Problem:
        return Problem(
            "media", f"{self.label} takes at most {self.max_images} images; this post has {count}.", "too_many_images"
        )

    def image_type_problem(self, number: int, mime_type: str) -> Problem:
        return Problem("media", f"Image {number} is a {mime_type} file, which {self.label} does not take.", "type")

    def image_rule_problems(
        self,
        content: PostContent,
        *,
        name: str,
        types_allowed: str,
        size_limit: str,
        most: str | None = None,
        also: Callable[[int, MediaItem], Problem | None] | None = None,
    ) -> list[Problem]:
        """The count, type and size checks the Graph-style networks word alike:
        "This post has 12 images; Instagram allows 10.", "Image 2 must be a JPEG for
        Instagram.", "Image 2 is larger than Instagram's 8 MB limit.". ``also`` adds a
        network's own per-image check (a public URL, a file to upload)."""
        problems = []
        images = self.images_of(content)  # videos are judged by ``video_problems``
        count = len(images)
        if count > self.max_images:
            allowed = most or f"{name} allows {self.max_images}"
            problems.append(Problem("media", f"This post has {count} images; {allowed}.", "media_count"))
        possessive = self.possessive(name)
        for index, item in enumerate(images, start=1):
            if item.mime_type not in self.image_types:
                problems.append(Problem("media", f"Image {index} {types_allowed}.", "media_type"))
            if item.byte_size > self.max_image_bytes:
                problems.append(
                    Problem("media", f"Image {index} is larger than {possessive} {size_limit} limit.", "media_size")
                )
            extra = also(index, item) if also else None
            if extra is not None:
                problems.append(extra)
        return problems

    def video_rules_for(self, content: PostContent):
        """The video rules that apply to this post (a network with several kinds of video
        post chooses by ``content.options``); the class's ``video_rules`` by default."""
        return self.video_rules

    def video_problems(self, content: PostContent) -> list[Problem]:
        """What the post's videos break of this network's rules, in a marketer's words
        ("The video is 3 min 20 s long; a Bluesky video can be at most 3 minutes.").
        Each adapter's ``validate`` adds these; images are judged by its own checks."""
        from smm.platforms.video import video_problems

        return video_problems(self.video_rules_for(content), content.media, label=self.label)

    @staticmethod
    def images_of(content: PostContent) -> list[MediaItem]:
        return [item for item in content.media if not item.is_video]

    @staticmethod
    def videos_of(content: PostContent) -> list[MediaItem]:
        return [item for item in content.media if item.is_video]

    def raise_problems(self, problems: list[Problem]) -> None:
        """Refuse to publish content that breaks the network's rules (``validate``)."""
        if problems:
            raise Permanent("; ".join(p.message for p in problems), user_message=" ".join(p.message for p in problems))

    def download(self, url: str) -> bytes:
        """The bytes of a media item that only has a URL, for networks that take uploads."""
        response = self.http.get(url)
        if response.status_code >= 400:
            raise Transient(f"Could not download the image at {url} ({response.status_code})")
        return response.content


# ``find_reply`` compares the network's clock with ours: allow them to disagree this much.
REPLY_CLOCK_SKEW = dt.timedelta(minutes=2)


class NotSupported(Permanent):
    """The network does not offer this."""


def parse_iso(value: str) -> dt.datetime:
    """An ISO-8601 timestamp ("...Z" included) as an aware datetime; naive means UTC."""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
