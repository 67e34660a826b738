"""Threads profiles through the Threads API (graph.threads.net)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import regex

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
from smm.platforms.meta_graph import ContainerGraphAdapter, insight_values, matches_text, now, parse_time
from smm.platforms.text import at_handle, find_urls
from smm.platforms.video import VideoRules

GRAPH = "https://graph.threads.net"
SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_manage_insights",
    "threads_read_replies",
    "threads_manage_replies",
)
MAX_LINKS = 5
MAX_CAROUSEL = 20
POST_METRICS = "views,likes,replies,reposts,quotes"

# Threads video (PLATFORMS-VIDEO.md; the whole spec is (check), from Meta's Threads media
# spec as vendors copy it): MOV or MP4, H.264 or HEVC, 23-60 fps, at most 1920 px wide,
# aspect 0.01:1 to 10:1, at most 5 minutes and 1 GB. A carousel takes up to 20 items,
# images and videos mixed.
VIDEO_RULES = VideoRules(
    max_bytes=1_000_000_000,
    max_seconds=5 * 60,
    min_aspect=0.01,
    max_aspect=10,
    min_fps=23,
    max_fps=60,
    max_width=1920,
    mime_types=("video/mp4", "video/quicktime"),
    video_codecs=("h264", "hevc"),
    max_videos=MAX_CAROUSEL,
    mix_with_images=True,
)

# A failed video container's error_message (Threads media containers reference), in a
# marketer's words. "INVALID_ASPEC_RATIO" is spelled so by Threads.
CONTAINER_ERRORS = {
    "FAILED_DOWNLOADING_VIDEO": (
        "Threads could not download the video from this site. Check that the site is reachable "
        "from the internet, then send it again."
    ),
    "FAILED_PROCESSING_AUDIO": "Threads could not process the video's sound. Convert it to MP4 (H.264 with AAC sound).",
    "FAILED_PROCESSING_VIDEO": "Threads could not process the video. Convert it to MP4 (H.264) and try again.",
    "INVALID_ASPEC_RATIO": "Threads does not take the video's shape; use a shape between 1:10 and 10:1.",
    "INVALID_ASPECT_RATIO": "Threads does not take the video's shape; use a shape between 1:10 and 10:1.",
    "INVALID_BIT_RATE": "The video's bitrate is too high for Threads (at most 25 Mbps); convert it to MP4 (H.264).",
    "INVALID_DURATION": "The video is too long or too short for Threads, which takes videos of up to 5 minutes.",
    "INVALID_FRAME_RATE": "Threads takes videos of 23 to 60 frames a second; convert the video to 30 frames a second.",
    "INVALID_AUDIO_CHANNELS": "Threads takes mono or stereo sound only; convert the video with stereo sound.",
    "INVALID_AUDIO_CHANNEL_LAYOUT": "Threads could not read the video's sound layout; convert it with stereo sound.",
}

_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")


def threads_length(text: str) -> int:
    """Threads' count: "Emojis are counted as the number of UTF-8 bytes" (Threads Posts
    documentation), so an emoji (with its modifiers and joiners, as one grapheme) counts
    its UTF-8 bytes and everything else counts one per character; CJK counts one."""
    total = 0
    for grapheme in _GRAPHEME.findall(text):
        if _EMOJI.search(grapheme):
            total += len(grapheme.encode("utf-8"))
        else:
            total += len(grapheme)
    return total


def count_links(text: str, link: str | None = None) -> int:
    """Links as Threads counts them: unique URLs in the text, plus the attached link
    when it is not one of them."""
    urls = set(find_urls(text, bare_domains=True))
    if link and link not in urls:
        urls.add(link)
    return len(urls)


class ThreadsAdapter(ContainerGraphAdapter):
    name = "threads"
    label = "Threads"
    supports_refresh = True
    supports_threads = True
    graph_base = f"{GRAPH}/v1.0"
    media_edge = "threads"
    publish_edge = "threads_publish"
    text_field = "text"
    authorize_endpoint = "https://threads.net/oauth/authorize"
    scopes = SCOPES
    container_status_field = "status"
    _container_detail_field = "error_message"

    max_text_length = 500
    max_images = MAX_CAROUSEL
    max_image_bytes = 8 * 1024 * 1024
    image_types = ("image/jpeg", "image/png")
    video_rules = VIDEO_RULES
    # Meta: look at a video container after about 30 s, then once a minute, for at most
    # 5 minutes (Threads troubleshooting). Past that we stop waiting, in plain words.
    video_processing_limit = 5 * 60

    def text_length(self, text: str) -> int:
        return threads_length(text)

    def validate(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        too_long = self.too_long_problem(content.text, note="emoji count extra")
        if too_long:
            problems.append(too_long)
        links = count_links(content.text, content.link)
        if links > MAX_LINKS:
            problems.append(Problem("link", f"This post has {links} links; Threads allows {MAX_LINKS}.", "links"))
        if not content.text.strip() and not content.media:
            problems.append(self.empty_post_problem())
        problems += self.image_rule_problems(
            content,
            name="Threads",
            types_allowed="must be a JPEG or PNG for Threads",
            size_limit="8 MB",
            also=lambda index, item: (
                None if item.url else Problem("media", f"Image {index} needs a public URL for Threads.", "media_url")
            ),
        )
        videos = self.videos_of(content)
        if videos and len(content.media) > MAX_CAROUSEL >= len(self.images_of(content)):
            problems.append(
                Problem(
                    "media",
                    f"This post has {len(content.media)} images and videos; Threads allows {MAX_CAROUSEL}.",
                    "media_count",
                )
            )
        problems += self.video_problems(content)
        for index, item in enumerate(videos, start=1):
            if not item.url:
                name = "The video" if len(videos) == 1 else f"Video {index}"
                problems.append(Problem("media", f"{name} needs a public URL for Threads.", "media_url"))
        return problems

    # --- connection ----------------------------------------------------------------------

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str, base_url: str = ""
    ) -> ConnectedAccount:
        short = self.code_token(f"{GRAPH}/oauth/access_token", code=code, redirect_uri=redirect_uri)
        token, expiry = self.exchange_long_lived(f"{GRAPH}/access_token", "th_exchange_token", short["access_token"])
        me = self.graph("GET", "me", token, params={"fields": "id,username,name,threads_profile_picture_url"})
        user_id = str(me.get("id") or short.get("user_id"))
        return ConnectedAccount(
            remote_id=user_id,
            handle=at_handle(me.get("username")),
            display_name=me.get("name", ""),
            avatar_url=me.get("threads_profile_picture_url", ""),
            credentials={"access_token": token, "user_id": user_id},
            token_expires_at=expiry,
        )

    def refresh(self, account: AccountContext) -> None:
        self.refresh_long_lived(account, f"{GRAPH}/refresh_access_token", "th_refresh_token")

    # --- publishing ------------------------------------------------------------------------

    def create_container(
        self, token: str, user_id: str, content: PostContent, *, attempt: PublishAttempt | None = None, **extra: str
    ) -> str:
        if content.in_reply_to and "reply_to_id" not in extra:
            extra["reply_to_id"] = content.in_reply_to  # a thread's next part answers the one before
        if len(content.media) > 1 and self.videos_of(content):
            children = self.processed_children(
                token,
                user_id,
                [self.carousel_item(item) for item in content.media],
                attempt or PublishAttempt(""),
                noun="carousel's videos",
            )
            body = {"media_type": "CAROUSEL", "children": ",".join(children), "text": content.text, **extra}
            return str(self.graph("POST", f"{user_id}/threads", token, data=body)["id"])
        if len(content.media) > 1:
            return self.create_carousel(
                token, user_id, content.media, child={"media_type": "IMAGE"}, parent={"text": content.text, **extra}
            )
        if content.media:
            item = content.media[0]
            kind, field = ("VIDEO", "video_url") if item.is_video else ("IMAGE", "image_url")
            body = {"media_type": kind, field: item.url, "text": content.text, **extra}
            if item.alt_text:
                body["alt_text"] = item.alt_text  # images and videos both take one (check for video)
        else:
            body = {"media_type": "TEXT", "text": content.text, **extra}
            if content.link and content.link not in content.text:
                # A text post can carry one link preview card.
                body["link_attachment"] = content.link
        return str(self.graph("POST", f"{user_id}/threads", token, data=body)["id"])

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        if not content.in_reply_to:
            return super().publish(account, content, attempt)
        # A thread's further part: a reply is not among the profile's own posts, so a
        # container found PUBLISHED is looked for among the answers to the part before.
        self.raise_problems(self.validate(content))
        token = self.token(account)
        return self.publish_content(account, content, attempt, find_published=lambda: self.find_part(token, content))

    def carousel_item(self, item: MediaItem) -> dict[str, str]:
        kind, field = ("VIDEO", "video_url") if item.is_video else ("IMAGE", "image_url")
        body = {"media_type": kind, field: item.url or "", "is_carousel_item": "true"}
        if item.alt_text:
            body["alt_text"] = item.alt_text
        return body

    def explain_container_error(self, detail: str) -> str:
        said = (detail or "").strip().upper()
        for code, words in CONTAINER_ERRORS.items():
            if code in said:
                return words
        reason = f" ({detail})" if detail and said != "UNKNOWN" else ""
        return (
            f"Threads could not process the media{reason}. If it is a video, convert it to MP4 (H.264) and try again."
        )

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        if not content.in_reply_to:
            return super().lookup_published(account, content, attempt)
        token = self.token(account)
        if attempt.state.get("media_id"):
            return self.media_result(token, attempt.state["media_id"])
        container_id = attempt.state.get("container_id")
        if not container_id:
            return None
        status, _detail = self.container_status(token, container_id)
        if status != "PUBLISHED":
            return None  # never published: safe to send again
        found = self.find_part(token, content)
        if found is None:
            raise OutcomeUnknown("The part's container is published but it is not among the answers to the part before")
        return found

    def find_part(self, token: str, content: PostContent) -> PublishResult | None:
        """Our answer to ``content.in_reply_to`` with ``content.text`` (a thread's part)."""
        data = self.graph(
            "GET",
            f"{content.in_reply_to}/replies",
            token,
            params={"fields": "id,text,timestamp,permalink,is_reply_owned_by_me"},
        )
        for reply in data.get("data") or []:
            if reply.get("is_reply_owned_by_me") and matches_text(reply.get("text"), content.text):
                written = parse_time(reply.get("timestamp"))
                return PublishResult(
                    remote_id=str(reply["id"]), url=reply.get("permalink") or "", published_at=written or now()
                )
        return None

    # --- metrics ---------------------------------------------------------------------------

    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        token = self.token(account)
        result: dict[str, PostMetrics] = {}
        for media_id in remote_ids:
            values = self.insights(token, media_id, POST_METRICS)
            shares = None
            if "reposts" in values or "quotes" in values:
                # A quote spreads the post like a repost does; both count as shares.
                shares = values.get("reposts", 0) + values.get("quotes", 0)
            result[media_id] = PostMetrics(
                remote_id=media_id,
                impressions=values.get("views"),
                likes=values.get("likes"),
                comments=values.get("replies"),
                shares=shares,
                # A video post's "views" are its video's views (check: Threads has no
                # separate play count in its media insights).
                video_views=values.get("views") if self._is_video(token, media_id) else None,
            )
        return result

    def _is_video(self, token: str, media_id: str) -> bool:
        try:
            data = self.graph("GET", media_id, token, params={"fields": "media_type"})
        except (AuthExpired, RateLimited):
            raise
        except PlatformError:
            return False  # the other figures are still worth keeping
        return data.get("media_type") == "VIDEO"

    def fetch_account_metrics(self, account: AccountContext) -> AccountMetrics:
        data = self.graph(
            "GET",
            f"{self.user_id(account)}/threads_insights",
            self.token(account),
            params={"metric": "followers_count"},
        )
        return AccountMetrics(followers=insight_values(data).get("followers_count"))

    # --- inbox -----------------------------------------------------------------------------

    def fetch_inbox(self, account: AccountContext, cursor: str = "") -> InboxPage:
        """Replies to the profile's recent posts newer than ``cursor`` (ISO timestamp)."""
        return self.collect_inbox(
            self.token(account),
            cursor,
            posts_path=f"{self.user_id(account)}/threads",
            post_fields="id,permalink",
            edge="replies",
            params={"fields": "id,text,username,permalink,timestamp,is_reply_owned_by_me,replied_to,root_post"},
            item=_reply_item,
        )

    def reply(self, account: AccountContext, item: InboxItem, text: str) -> PublishResult:
        """A reply is a post of its own: a container with ``reply_to_id``, then publish.
        Replies are not retried through a stored container, so the wait happens here."""
        token = self.token(account)
        user_id = self.user_id(account)
        container_id = self.create_container(token, user_id, PostContent(text=text), reply_to_id=item.remote_id)
        self.wait_for_container(token, container_id)
        media_id = self.created_id(f"{user_id}/threads_publish", token, data={"creation_id": container_id})
        try:
            return self.media_result(token, media_id)
        except PlatformError:
            # It is published: a permalink we could not read must not make it look unsent.
            return PublishResult(remote_id=media_id, url="", published_at=now())

    def find_reply(
        self, account: AccountContext, item: InboxItem, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        """Among the item's replies: ours (Threads marks them) with our text."""
        data = self.graph(
            "GET",
            f"{item.remote_id}/replies",
            self.token(account),
            params={"fields": "id,text,timestamp,permalink,is_reply_owned_by_me"},
        )
        for reply in data.get("data") or []:
            if not reply.get("is_reply_owned_by_me") or not matches_text(reply.get("text"), text):
                continue
            written = parse_time(reply.get("timestamp"))
            if written is not None and written < since - REPLY_CLOCK_SKEW:
                continue
            return PublishResult(
                remote_id=str(reply["id"]), url=reply.get("permalink") or "", published_at=written or now()
            )
        return None


def _reply_item(reply: dict[str, Any], created, post: dict[str, Any]) -> InboxItem | None:
    if reply.get("is_reply_owned_by_me"):
        return None  # our own answers are not inbox items
    parent = reply.get("replied_to") or {}
    return InboxItem(
        remote_id=str(reply["id"]),
        kind="reply",
        text=reply.get("text", ""),
        created_at=created,
        author_handle=reply.get("username", ""),
        url=reply.get("permalink", ""),
        post_remote_id=str(post["id"]),
        parent_remote_id=str(parent.get("id") or post["id"]),
        conversation_id=str(post["id"]),
    )
