"""Instagram professional accounts through the Instagram API with Instagram Login."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

import regex

from smm.platforms.base import (
    AccountContext,
    AccountMetrics,
    ConnectedAccount,
    InboxItem,
    InboxPage,
    OutcomeUnknown,
    PostContent,
    PostMetrics,
    Problem,
    PublishAttempt,
    PublishResult,
)
from smm.platforms.meta_graph import (
    GRAPH_VERSION,
    MetaGraphAdapter,
    insight_values,
    matches_text,
    now,
    parse_time,
)
from smm.platforms.text import count_hashtags, grapheme_length

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
INBOX_POSTS = 10  # comments are read on this many recent posts


class InstagramAdapter(MetaGraphAdapter):
    name = "instagram"
    label = "Instagram"
    supports_links = False  # links in captions are not clickable; nothing to attach
    supports_refresh = True
    idempotency = "container"
    graph_base = f"{GRAPH}/{GRAPH_VERSION}"
    container_status_field = "status_code"
    _container_detail_field = "status"

    max_text_length = 2200
    max_images = 10
    max_image_bytes = 8 * 1024 * 1024
    image_types: ClassVar[tuple[str, ...]] = ("image/jpeg",)
    media_required = True

    def text_length(self, text: str) -> int:
        return grapheme_length(text)

    def validate(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        length = self.text_length(content.text)
        if length > self.max_text_length:
            problems.append(
                Problem(
                    "text",
                    f"This caption has {length} characters; Instagram allows {self.max_text_length}.",
                    "too_long",
                )
            )
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
        if len(content.media) > self.max_images:
            problems.append(
                Problem(
                    "media",
                    f"This post has {len(content.media)} images; Instagram allows {self.max_images}.",
                    "media_count",
                )
            )
        for index, item in enumerate(content.media, start=1):
            if item.mime_type not in self.image_types:
                problems.append(Problem("media", f"Image {index} must be a JPEG for Instagram.", "media_type"))
            if item.byte_size > self.max_image_bytes:
                problems.append(Problem("media", f"Image {index} is larger than Instagram's 8 MB limit.", "media_size"))
            if not item.url:
                # Instagram downloads the image itself; bytes alone cannot be sent.
                problems.append(Problem("media", f"Image {index} needs a public URL for Instagram.", "media_url"))
        if content.link:
            problems.append(
                Problem("link", "Instagram does not show links on posts; put the link in the caption or bio.", "link")
            )
        return problems

    # --- connection --------------------------------------------------------------------

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str, base_url: str = "") -> str:
        # Instagram Login has no PKCE; the code is bound to our client secret instead.
        query = urlencode(
            {
                "client_id": self.app.client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": ",".join(SCOPES),
                "state": state,
            }
        )
        return f"https://www.instagram.com/oauth/authorize?{query}"

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str, base_url: str = ""
    ) -> ConnectedAccount:
        short = self.graph(
            "POST",
            "https://api.instagram.com/oauth/access_token",
            None,
            data={
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code": code,
            },
        )
        # Older answers are flat, newer ones wrap the token in "data": [...].
        if isinstance(short.get("data"), list) and short["data"]:
            short = short["data"][0]
        token, expiry = self.exchange_long_lived(f"{GRAPH}/access_token", "ig_exchange_token", short["access_token"])
        me = self.graph("GET", "me", token, params={"fields": "user_id,username,name,profile_picture_url"})
        user_id = str(me.get("user_id") or me.get("id"))
        return ConnectedAccount(
            remote_id=user_id,
            handle=me.get("username", ""),
            display_name=me.get("name", ""),
            avatar_url=me.get("profile_picture_url", ""),
            credentials={"access_token": token, "user_id": user_id},
            token_expires_at=expiry,
        )

    def refresh(self, account: AccountContext) -> None:
        self.refresh_long_lived(account, f"{GRAPH}/refresh_access_token", "ig_refresh_token")

    # --- publishing ----------------------------------------------------------------------

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        self.raise_problems(self.validate(content))
        token = self.token(account)
        user_id = self._user_id(account)

        def create() -> str:
            if len(content.media) == 1:
                item = content.media[0]
                body = {"image_url": item.url, "caption": content.text}
                if item.alt_text:
                    body["alt_text"] = item.alt_text
                return str(self.graph("POST", f"{user_id}/media", token, data=body)["id"])
            children = []
            for item in content.media:
                body = {"image_url": item.url, "is_carousel_item": "true"}
                if item.alt_text:
                    body["alt_text"] = item.alt_text
                children.append(str(self.graph("POST", f"{user_id}/media", token, data=body)["id"]))
            # Children must be FINISHED before the carousel container is created.
            for child in children:
                self.wait_for_container(token, child)
            body = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": content.text}
            return str(self.graph("POST", f"{user_id}/media", token, data=body)["id"])

        return self.publish_container(
            account,
            attempt,
            create=create,
            publish_path=f"{user_id}/media_publish",
            find_published=lambda: self._find_recent(token, user_id, content.text),
        )

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        token = self.token(account)
        if attempt.state.get("media_id"):
            return self.media_result(token, attempt.state["media_id"])
        container_id = attempt.state.get("container_id")
        if not container_id:
            return None  # no container, so nothing could have been published
        status, _detail = self.container_status(token, container_id)
        if status != "PUBLISHED":
            return None  # FINISHED / IN_PROGRESS / EXPIRED / ERROR: not out, safe to retry
        found = self._find_recent(token, self._user_id(account), content.text)
        if found is None:
            raise OutcomeUnknown("The container is published but the post is not among the recent ones")
        return found

    def _find_recent(self, token: str, user_id: str, caption: str) -> PublishResult | None:
        data = self.graph(
            "GET", f"{user_id}/media", token, params={"fields": "id,caption,permalink,timestamp", "limit": 25}
        )
        for media in data.get("data") or []:
            if matches_text(media.get("caption"), caption):
                return PublishResult(
                    remote_id=str(media["id"]),
                    url=media.get("permalink", ""),
                    published_at=parse_time(media.get("timestamp")) or now(),
                )
        return None

    def _user_id(self, account: AccountContext) -> str:
        return str(account.credentials.get("user_id") or account.remote_id)

    # --- metrics ---------------------------------------------------------------------------

    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        token = self.token(account)
        result: dict[str, PostMetrics] = {}
        for media_id in remote_ids:
            values = insight_values(self.graph("GET", f"{media_id}/insights", token, params={"metric": POST_METRICS}))
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
            self._user_id(account),
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
        token = self.token(account)
        since = parse_time(cursor) if cursor else None
        posts = self.graph(
            "GET",
            f"{self._user_id(account)}/media",
            token,
            params={"fields": "id,permalink", "limit": INBOX_POSTS},
        )
        items: list[InboxItem] = []
        for post in posts.get("data") or []:
            comments = self.graph(
                "GET",
                f"{post['id']}/comments",
                token,
                params={"fields": "id,text,timestamp,username,parent_id"},
            )
            for comment in comments.get("data") or []:
                created = parse_time(comment.get("timestamp"))
                if created is None or (since is not None and created <= since):
                    continue
                items.append(_comment_item(comment, created, post))
        items.sort(key=lambda item: item.created_at)
        newest = items[-1].created_at.isoformat() if items else cursor
        return InboxPage(items=items, cursor=newest)

    def reply(self, account: AccountContext, item: InboxItem, text: str) -> PublishResult:
        data = self.graph("POST", f"{item.remote_id}/replies", self.token(account), data={"message": text})
        return PublishResult(remote_id=str(data["id"]), url=item.url, published_at=now())


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
