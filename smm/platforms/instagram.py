"""Instagram professional accounts through the Instagram API with Instagram Login."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, ClassVar

import regex

from smm.platforms.base import (
    REPLY_CLOCK_SKEW,
    AccountContext,
    AccountMetrics,
    ConnectedAccount,
    InboxItem,
    InboxPage,
    OutcomeUnknown,
    PostContent,
    PostMetrics,
    Problem,
    PublishResult,
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
            problems.append(Problem("media", "Instagram needs at least one image.", "media_required"))
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
        if content.link:
            problems.append(
                Problem("link", "Instagram does not show links on posts; put the link in the caption or bio.", "link")
            )
        return problems

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

    def create_container(self, token: str, user_id: str, content: PostContent) -> str:
        if len(content.media) > 1:
            return self.create_carousel(token, user_id, content.media, child={}, parent={"caption": content.text})
        item = content.media[0]
        body = {"image_url": item.url, "caption": content.text}
        if item.alt_text:
            body["alt_text"] = item.alt_text
        return str(self.graph("POST", f"{user_id}/media", token, data=body)["id"])

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
            )
        return result

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
