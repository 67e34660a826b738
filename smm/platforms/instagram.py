"""Instagram professional accounts through the Instagram API with Instagram Login."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any, ClassVar

import regex

from smm.platforms import options as post_options
from smm.platforms.base import (
    REPLY_CLOCK_SKEW,
    AccountContext,
    AccountMetrics,
    AuthExpired,
    ConnectedAccount,
    InboxItem,
    InboxPage,
    MediaItem,
    OutcomeUnknown,
    PlatformError,
    PostContent,
    PostMetrics,
    Problem,
    PublishAttempt,
    PublishResult,
    RateLimited,
)
from smm.platforms.meta_graph import (
    GRAPH_VERSION,
    ContainerGraphAdapter,
    matches_text,
    now,
    parse_time,
    webhook_time,
)
from smm.platforms.text import at_handle, count_hashtags, grapheme_length
from smm.platforms.video import VideoRules

GRAPH = "https://graph.instagram.com"
SCOPES = (
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_insights",
    "instagram_business_manage_comments",  # inbox and replies
)
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
# An @-tag is "@" + up to 30 letters, digits, dots or underscores, not inside a word
# (so e-mail addresses are not counted).
_MENTION = regex.compile(r"(?<![\w@])@[A-Za-z0-9._]{1,30}")
POST_METRICS = "views,reach,likes,comments,shares,saved,total_interactions"

# What a post becomes (the "kind" option): the feed (one image, a carousel, or a Reel for a
# single video: every single feed video is a Reel since 2023) or a story.
KINDS = {"feed": "Post, carousel or Reel", "story": "Story (one image or video, no caption)"}

# Reels (Meta's video spec as PLATFORMS-VIDEO.md records it): MOV or MP4, H.264 or HEVC,
# 23-60 fps, at most 1920 px wide, aspect 0.01:1 to 10:1, 3 s to 15 min. The size is the
# (check) figure: 300 MB in Meta's table, 1 GB in newer copies; the smaller one is kept.
REEL_RULES = VideoRules(
    max_bytes=300_000_000,
    min_seconds=3,
    max_seconds=15 * 60,
    min_aspect=0.01,
    max_aspect=10,
    min_fps=23,
    max_fps=60,
    max_width=1920,
    mime_types=("video/mp4", "video/quicktime"),
    video_codecs=("h264", "hevc"),
    noun="Reel",
)
# A story video: at most 60 s and 100 MB (check: both from vendors' copies of Meta's table).
# One item per story is checked by ``validate`` itself (images count too), not by these.
STORY_RULES = REEL_RULES.with_limits(
    max_seconds=60, max_bytes=100_000_000, max_videos=10, mix_with_images=True, noun="story"
)
# Videos in a carousel: the Reel spec (check: older docs said 60 s), up to ten items mixed
# with images.
CAROUSEL_RULES = REEL_RULES.with_limits(max_videos=10, mix_with_images=True, noun="carousel video")

# Subcodes a failed container's "status" carries, in a marketer's words (Instagram's error
# code reference; the video-format and fetch ones are (check): seen in vendors' lists).
CONTAINER_ERRORS = {
    "2207001": "Instagram had a server error while preparing the post; send it again.",
    "2207003": (
        "Instagram took too long to download the media from this site. Check that the site is "
        "reachable from the internet, then send it again."
    ),
    "2207009": "Instagram does not take the video's shape (aspect ratio); use a shape between 1:10 and 10:1.",
    "2207020": "Instagram dropped the prepared post because it waited too long; send it again.",
    "2207026": "Instagram does not take the video's format. Convert it to MP4 (H.264 with AAC sound) and try again.",
    "2207052": (
        "Instagram could not fetch the media from this site's public address. Check that the site "
        "is reachable from the internet, then send it again."
    ),
    "2207053": "Instagram had an unknown problem with the video upload; send it again.",
}
_SUBCODE = re.compile(r"\b(22070\d\d)\b")


class InstagramAdapter(ContainerGraphAdapter):
    name = "instagram"
    label = "Instagram"
    supports_links = False  # links in captions are not clickable; nothing to attach
    supports_refresh = True
    supports_first_comment = True
    supports_webhooks = True
    webhook_object = "instagram"
    graph_base = f"{GRAPH}/{GRAPH_VERSION}"
    media_edge = "media"
    publish_edge = "media_publish"
    text_field = "caption"
    authorize_endpoint = "https://www.instagram.com/oauth/authorize"
    scopes = SCOPES
    container_status_field = "status_code"
    _container_detail_field = "status"

    max_text_length = 2200
    max_images = 10
    max_image_bytes = 8 * 1024 * 1024
    image_types: ClassVar[tuple[str, ...]] = ("image/jpeg",)
    # Instagram takes only JPEG; these the app converts into one before Instagram fetches
    # it (posts.content, smm.media.jpeg_copy), so the composer does not refuse them.
    converts_to_jpeg: ClassVar[tuple[str, ...]] = ("image/png", "image/webp")
    media_required = True
    video_rules = REEL_RULES
    post_options = ("kind", "reels_only")
    # Instagram content publishing: give a video container this long (from the first
    # "still processing") to finish before we stop waiting.
    video_processing_limit = 15 * 60

    def text_length(self, text: str) -> int:
        return grapheme_length(text)

    @classmethod
    def webhook_item(cls, change: dict, entry: dict, account_id: str, received_at=None) -> InboxItem | None:
        """A comment (or live comment) on the account's media, or a mention of it."""
        field, value = change.get("field"), change.get("value") or {}
        if field in ("comments", "live_comments"):
            author = value.get("from") or {}
            media = value.get("media") or {}
            remote_id = str(value.get("id") or "")
            if not remote_id:
                return None
            return InboxItem(
                remote_id=remote_id,
                kind="comment",
                text=value.get("text", ""),
                created_at=webhook_time(value.get("timestamp") or entry.get("time"), received_at),
                author_handle=author.get("username", "") or str(author.get("id") or ""),
                post_remote_id=str(media.get("id") or ""),
                parent_remote_id=str(value.get("parent_id") or ""),
                conversation_id=str(media.get("id") or ""),
            )
        if field == "mentions":
            remote_id = str(value.get("comment_id") or value.get("media_id") or "")
            if not remote_id:
                return None
            # Meta sends only ids for mentions; the text is read on Instagram.
            return InboxItem(
                remote_id=remote_id,
                kind="mention",
                text=value.get("text", ""),
                created_at=webhook_time(entry.get("time"), received_at),
                author_handle=(value.get("from") or {}).get("username", ""),
            )
        return None

    def validate(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        too_long = self.too_long_problem(content.text)
        if too_long:
            problems.append(too_long)
        hashtags = count_hashtags(content.text)
        if hashtags > MAX_HASHTAGS:
            problems.append(
                Problem("text", f"This caption has {hashtags} hashtags; Instagram allows {MAX_HASHTAGS}.", "hashtags")
            )
        mentions = len(_MENTION.findall(content.text))
        if mentions > MAX_MENTIONS:
            problems.append(
                Problem("text", f"This caption tags {mentions} accounts; Instagram allows {MAX_MENTIONS}.", "mentions")
            )
        if not content.media:
            problems.append(Problem("media", "Instagram needs at least one image or video.", "media_required"))
        story = self.clean_options(content.options).get("kind") == "story"
        count = len(content.media)
        if story and count > 1:
            problems.append(
                Problem("media", f"An Instagram story takes one image or video; this post has {count}.", "story_count")
            )
        elif self.videos_of(content) and count > self.max_images >= len(self.images_of(content)):
            problems.append(
                Problem(
                    "media",
                    f"This post has {count} images and videos; Instagram allows {self.max_images}.",
                    "media_count",
                )
            )
        # A PNG or WebP is sent as the JPEG made of it, whose size is known (and checked)
        # once it is made, at publishing.
        as_sent = [
            replace(item, mime_type="image/jpeg", size=0) if item.mime_type in self.converts_to_jpeg else item
            for item in content.media
        ]
        problems += self.image_rule_problems(
            replace(content, media=as_sent),
            name="Instagram",
            types_allowed="must be a JPEG, PNG or WebP for Instagram",
            size_limit="8 MB",
            # Instagram downloads the image itself; bytes alone cannot be sent.
            also=lambda index, item: (
                None if item.url else Problem("media", f"Image {index} needs a public URL for Instagram.", "media_url")
            ),
        )
        problems += self.video_problems(content)
        for index, item in enumerate(self.videos_of(content), start=1):
            if not item.url:
                name = "The video" if len(self.videos_of(content)) == 1 else f"Video {index}"
                problems.append(Problem("media", f"{name} needs a public URL for Instagram.", "media_url"))
        if content.link:
            problems.append(
                Problem("link", "Instagram does not show links on posts; put the link in the caption or bio.", "link")
            )
        problems.extend(self.option_problems(content))
        return problems

    def video_rules_for(self, content: PostContent):
        if self.clean_options(content.options).get("kind") == "story":
            return STORY_RULES
        if len(content.media) > 1:
            return CAROUSEL_RULES
        return REEL_RULES

    @classmethod
    def clean_options(cls, options: dict | None) -> dict[str, Any]:
        options = options or {}
        cleaned: dict[str, Any] = {}
        kind = post_options.text_value(options.get("kind")).lower()
        if kind and kind != "feed":  # the feed is the default: nothing to store
            cleaned["kind"] = kind
        if post_options.flag(options.get("reels_only")):
            cleaned["reels_only"] = True
        return cleaned

    def option_problems(self, content: PostContent) -> list[Problem]:
        kind = self.clean_options(content.options).get("kind", "")
        problem = post_options.choice_problem(kind, KINDS, what="a kind of post", label=self.label)
        return [problem] if problem else []

    # --- connection --------------------------------------------------------------------

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str, base_url: str = ""
    ) -> ConnectedAccount:
        short = self.code_token("https://api.instagram.com/oauth/access_token", code=code, redirect_uri=redirect_uri)
        # Older answers are flat, newer ones wrap the token in "data": [...].
        if isinstance(short.get("data"), list) and short["data"]:
            short = short["data"][0]
        token, expiry = self.exchange_long_lived(f"{GRAPH}/access_token", "ig_exchange_token", short["access_token"])
        me = self.graph("GET", "me", token, params={"fields": "user_id,username,name,profile_picture_url"})
        user_id = str(me.get("user_id") or me.get("id"))
        return ConnectedAccount(
            remote_id=user_id,
            handle=at_handle(me.get("username")),
            display_name=me.get("name", ""),
            avatar_url=me.get("profile_picture_url", ""),
            credentials={"access_token": token, "user_id": user_id},
            token_expires_at=expiry,
        )

    def refresh(self, account: AccountContext) -> None:
        self.refresh_long_lived(account, f"{GRAPH}/refresh_access_token", "ig_refresh_token")

    # --- publishing ----------------------------------------------------------------------

    def create_container(
        self, token: str, user_id: str, content: PostContent, *, attempt: PublishAttempt | None = None
    ) -> str:
        options = self.clean_options(content.options)
        if options.get("kind") == "story":
            # A story shows no caption: only the image or video goes.
            item = content.media[0]
            body = {"media_type": "STORIES", "video_url" if item.is_video else "image_url": item.url}
            return str(self.graph("POST", f"{user_id}/media", token, data=body)["id"])
        if len(content.media) > 1:
            if not self.videos_of(content):
                return self.create_carousel(token, user_id, content.media, child={}, parent={"caption": content.text})
            children = self.processed_children(
                token,
                user_id,
                [self.carousel_item(item) for item in content.media],
                attempt or PublishAttempt(""),
                noun="carousel's videos",
            )
            body = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": content.text}
            return str(self.graph("POST", f"{user_id}/media", token, data=body)["id"])
        item = content.media[0]
        if item.is_video:
            # Every single feed video is a Reel; "share_to_feed" false keeps it to the Reels tab.
            body = {
                "media_type": "REELS",
                "video_url": item.url,
                "caption": content.text,
                "share_to_feed": "false" if options.get("reels_only") else "true",
            }
            if item.thumbnail_url:
                body["cover_url"] = item.thumbnail_url  # the poster chosen in the media library
            return str(self.graph("POST", f"{user_id}/media", token, data=body)["id"])
        body = {"image_url": item.url, "caption": content.text}
        if item.alt_text:
            body["alt_text"] = item.alt_text
        return str(self.graph("POST", f"{user_id}/media", token, data=body)["id"])

    def carousel_item(self, item: MediaItem) -> dict[str, str]:
        if item.is_video:
            return {"media_type": "VIDEO", "video_url": item.url, "is_carousel_item": "true"}
        body = {"image_url": item.url, "is_carousel_item": "true"}
        if item.alt_text:
            body["alt_text"] = item.alt_text
        return body

    def explain_container_error(self, detail: str) -> str:
        found = _SUBCODE.search(detail or "")
        if found and found.group(1) in CONTAINER_ERRORS:
            return CONTAINER_ERRORS[found.group(1)]
        reason = f" ({detail})" if detail else ""
        return (
            f"Instagram could not process the media{reason}. If it is a video, convert it to MP4 (H.264) and try again."
        )

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        if self.clean_options(content.options).get("kind") != "story":
            return super().publish(account, content, attempt)
        # A story has no caption to find it by among the account's posts: a container found
        # PUBLISHED without the media id we were given is left to a person (OutcomeUnknown).
        self.raise_problems(self.validate(content))
        return self.publish_content(account, content, attempt, find_published=lambda: None)

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        if self.clean_options(content.options).get("kind") != "story" or attempt.state.get("media_id"):
            return super().lookup_published(account, content, attempt)
        container_id = attempt.state.get("container_id")
        if not container_id:
            return None
        status, _detail = self.container_status(self.token(account), container_id)
        if status != "PUBLISHED":
            return None  # never published: safe to send again
        raise OutcomeUnknown("The story's container is published, and a story cannot be found by its caption")

    # --- metrics ---------------------------------------------------------------------------

    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        token = self.token(account)
        result: dict[str, PostMetrics] = {}
        for media_id in remote_ids:
            values = self.insights(token, media_id, POST_METRICS)
            result[media_id] = PostMetrics(
                remote_id=media_id,
                impressions=values.get("views"),  # "impressions" was retired in 2025
                reach=values.get("reach"),
                likes=values.get("likes"),
                comments=values.get("comments"),
                shares=values.get("shares"),
                saves=values.get("saved"),
                # A Reel's "views" counts its plays ("plays" was folded into "views" in 2025
                # (check)); for an image the same figure is not a video view.
                video_views=values.get("views") if self._is_video(token, media_id) else None,
            )
        return result

    def _is_video(self, token: str, media_id: str) -> bool:
        """Whether the media is a video (a Reel, or a video in a story), by its media_type."""
        try:
            data = self.graph("GET", media_id, token, params={"fields": "media_type,media_product_type"})
        except (AuthExpired, RateLimited):
            raise
        except PlatformError:
            return False  # the other figures are still worth keeping
        return data.get("media_type") == "VIDEO" or data.get("media_product_type") == "REELS"

    def fetch_account_metrics(self, account: AccountContext) -> AccountMetrics:
        # The profile fields are running totals; the "follower_count" insight is the
        # daily gain, which is not what a follower-growth chart wants.
        data = self.graph(
            "GET",
            self.user_id(account),
            self.token(account),
            params={"fields": "followers_count,follows_count,media_count"},
        )
        return AccountMetrics(
            followers=data.get("followers_count"),
            following=data.get("follows_count"),
            posts_count=data.get("media_count"),
        )

    # --- inbox -----------------------------------------------------------------------------

    def fetch_inbox(self, account: AccountContext, cursor: str = "") -> InboxPage:
        """Comments on the account's recent posts that are newer than ``cursor`` (an ISO
        timestamp of the newest comment already seen)."""
        return self.collect_inbox(
            self.token(account),
            cursor,
            posts_path=f"{self.user_id(account)}/media",
            post_fields="id,permalink",
            edge="comments",
            params={"fields": "id,text,timestamp,username,parent_id"},
            item=_comment_item,
        )

    def reply(self, account: AccountContext, item: InboxItem, text: str) -> PublishResult:
        reply_id = self.created_id(f"{item.remote_id}/replies", self.token(account), data={"message": text})
        return PublishResult(remote_id=reply_id, url=item.url, published_at=now())

    def comment_on_post(self, account: AccountContext, post_id: str, text: str) -> PublishResult:
        """The first comment: ``POST /{ig-media-id}/comments`` with ``message``."""
        comment_id = self.created_id(f"{post_id}/comments", self.token(account), data={"message": text})
        return PublishResult(remote_id=comment_id, url="", published_at=now())

    def find_comment(
        self, account: AccountContext, post_id: str, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        """Among the media's comments: the one by our username with our text."""
        ours = account.handle.lstrip("@").lower()
        if not ours:
            raise OutcomeUnknown("The account's username is unknown, so its comments cannot be told apart")
        data = self.graph(
            "GET", f"{post_id}/comments", self.token(account), params={"fields": "id,text,username,timestamp"}
        )
        for comment in data.get("data") or []:
            if (comment.get("username") or "").lower() != ours or not matches_text(comment.get("text"), text):
                continue
            written = parse_time(comment.get("timestamp"))
            if written is not None and written < since - REPLY_CLOCK_SKEW:
                continue
            return PublishResult(remote_id=str(comment["id"]), url="", published_at=written or now())
        return None

    def find_reply(
        self, account: AccountContext, item: InboxItem, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        """Among the comment's replies: the one by our username with our text."""
        ours = account.handle.lstrip("@").lower()
        if not ours:
            raise OutcomeUnknown("The account's username is unknown, so its replies cannot be told apart")
        data = self.graph(
            "GET", f"{item.remote_id}/replies", self.token(account), params={"fields": "id,text,username,timestamp"}
        )
        for reply in data.get("data") or []:
            if (reply.get("username") or "").lower() != ours or not matches_text(reply.get("text"), text):
                continue
            written = parse_time(reply.get("timestamp"))
            if written is not None and written < since - REPLY_CLOCK_SKEW:
                continue
            return PublishResult(remote_id=str(reply["id"]), url=item.url, published_at=written or now())
        return None


def _comment_item(comment: dict[str, Any], created, post: dict[str, Any]) -> InboxItem:
    return InboxItem(
        remote_id=str(comment["id"]),
        kind="comment",
        text=comment.get("text", ""),
        created_at=created,
        author_handle=comment.get("username", ""),
        url=post.get("permalink", ""),
        post_remote_id=str(post["id"]),
        parent_remote_id=str(comment.get("parent_id") or ""),
        conversation_id=str(post["id"]),
    )
