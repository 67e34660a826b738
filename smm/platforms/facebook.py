"""Facebook Pages through the Graph API: Facebook Login, page tokens, feed and photos."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

from smm.platforms.base import (
    REPLY_CLOCK_SKEW,
    AccountContext,
    AccountMetrics,
    AuthExpired,
    ConnectedAccount,
    InboxItem,
    InboxPage,
    Permanent,
    PostContent,
    PostMetrics,
    Problem,
    PublishAttempt,
    PublishResult,
    RateLimited,
)
from smm.platforms.meta_graph import (
    GRAPH_VERSION,
    MetaGraphAdapter,
    matches_text,
    now,
    parse_time,
    webhook_time,
)
from smm.platforms.oauth import authorize_url
from smm.platforms.text import grapheme_length

GRAPH = f"https://graph.facebook.com/{GRAPH_VERSION}"
_HOSTS = {"facebook.com", "www.facebook.com", "m.facebook.com", "web.facebook.com"}
_POST_PATH = re.compile(r"/[^/]+/posts/([^/]+)")
_JOINED_ID = re.compile(r"/(\d+)_(\d+)")
SCOPES = (
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_show_list",
    "pages_manage_engagement",
    "pages_read_user_engagement",
)
# "Impressions" metrics were retired in 2025; "views" replaced them. post_media_view
# (views) and post_total_media_view_unique (viewers, i.e. reach) are the names Meta's
# deprecation notice points to; post_clicks survives from before.
POST_INSIGHTS = "post_media_view,post_total_media_view_unique,post_clicks"
POST_FIELDS = "comments.limit(0).summary(total_count),reactions.limit(0).summary(total_count),shares"


class FacebookAdapter(MetaGraphAdapter):
    name = "facebook"
    label = "Facebook"
    # Page tokens obtained from a long-lived user token do not expire, so there is
    # nothing to refresh; a revoked one (code 190) means reconnecting.
    supports_refresh = False
    supports_first_comment = True
    supports_webhooks = True
    webhook_object = "page"
    idempotency = "recent_posts"
    graph_base = GRAPH

    # A page post may be 63,206 characters long; the composer shows that figure.
    max_text_length = 63206
    max_images = 10  # several photos go out as one post with attached_media
    max_image_bytes = 4 * 1024 * 1024  # Graph photo uploads: 4 MB for JPEG/PNG/GIF
    image_types = ("image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff")

    def text_length(self, text: str) -> int:
        return grapheme_length(text)

    @classmethod
    def webhook_item(cls, change: dict, entry: dict, account_id: str, received_at=None) -> InboxItem | None:
        """A comment on the Page's posts (``feed``) or a mention of the Page; the Page's own
        comments are not inbox items."""
        field, value = change.get("field"), change.get("value") or {}
        author = value.get("from") or {}
        if str(author.get("id") or "") == account_id:
            return None
        if field == "feed" and value.get("item") == "comment" and value.get("verb") == "add":
            kind = "comment"
        elif field == "mention" and value.get("verb", "add") == "add":
            kind = "mention"
        else:
            return None
        remote_id = str(value.get("comment_id") or value.get("post_id") or "")
        if not remote_id:
            return None
        post_id = str(value.get("post_id") or "")
        parent = str(value.get("parent_id") or "")
        return InboxItem(
            remote_id=remote_id,
            kind=kind,
            text=value.get("message", ""),
            created_at=webhook_time(value.get("created_time"), received_at),
            author_handle=str(author.get("id") or ""),
            author_name=author.get("name", ""),
            url=value.get("permalink_url") or (f"https://www.facebook.com/{remote_id}" if remote_id else ""),
            post_remote_id=post_id if kind == "comment" else "",
            parent_remote_id=parent if parent and parent != post_id else "",
            conversation_id=post_id if kind == "comment" else "",
        )

    def validate(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        too_long = self.too_long_problem(content.text)
        if too_long:
            problems.append(too_long)
        if not content.text.strip() and not content.media and not content.link:
            problems.append(self.empty_post_problem())
        problems += self.image_rule_problems(
            content,
            name="Facebook",
            types_allowed="is not a format Facebook accepts",
            size_limit="4 MB",
            most=f"we post at most {self.max_images}",
            also=lambda index, item: (
                None
                if item.url or item.data
                else Problem("media", f"Image {index} has neither a file nor a URL.", "media_missing")
            ),
        )
        return problems

    # --- connection ------------------------------------------------------------------------

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str, base_url: str = "") -> str:
        # The server-side Facebook Login flow uses the app secret, not PKCE.
        return authorize_url(
            f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
            client_id=self.app.client_id,
            redirect_uri=redirect_uri,
            scope=",".join(SCOPES),
            state=state,
        )

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str, base_url: str = ""
    ) -> ConnectedAccount:
        short = self.graph(
            "GET",
            "oauth/access_token",
            None,
            params={
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "redirect_uri": redirect_uri,
                "code": code,
            },
        )
        user_token, _expiry = self.exchange_long_lived(
            f"{GRAPH}/oauth/access_token", "fb_exchange_token", short["access_token"], token_param="fb_exchange_token"
        )
        pages = self.graph("GET", "me/accounts", user_token, params={"fields": "id,name,access_token,picture{url}"})
        usable = [page for page in pages.get("data") or [] if page.get("access_token")]
        if not usable:
            raise Permanent(
                "The Facebook user manages no Page we were given access to",
                user_message="No Facebook Page was shared with SMM. Reconnect and select the Page to manage.",
            )
        # One connection is one Page. The first one shared is connected; the others are
        # listed so the person can be offered a switch without another login.
        page = usable[0]
        return ConnectedAccount(
            remote_id=str(page["id"]),
            handle=page.get("name", ""),
            display_name=page.get("name", ""),
            avatar_url=((page.get("picture") or {}).get("data") or {}).get("url", ""),
            credentials={
                "access_token": page["access_token"],
                "page_id": str(page["id"]),
                "user_access_token": user_token,
                "other_pages": [{"id": str(p["id"]), "name": p.get("name", "")} for p in usable[1:]],
            },
            token_expires_at=None,  # page tokens from a long-lived user token do not expire
        )

    # --- publishing --------------------------------------------------------------------------

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        self.raise_problems(self.validate(content))
        token = self.token(account)
        page_id = self._page_id(account)
        message = self.message_for(content)
        if len(content.media) == 1:
            data = self._upload_photo(token, page_id, content.media[0], caption=message, published=True)
            post_id = str(data.get("post_id") or data["id"])
        elif content.media:
            # Several photos: upload each unpublished, then one feed post that attaches them.
            body: dict[str, Any] = {"message": message}
            for index, item in enumerate(content.media):
                photo = self._upload_photo(token, page_id, item, caption="", published=False)
                body[f"attached_media[{index}]"] = json.dumps({"media_fbid": str(photo["id"])})
            post_id = self.created_id(f"{page_id}/feed", token, data=body)
        else:
            body = {"message": message}
            if content.link:
                body["link"] = content.link
            post_id = self.created_id(f"{page_id}/feed", token, data=body)
        return PublishResult(remote_id=post_id, url=post_url(post_id), published_at=now())

    def message_for(self, content: PostContent) -> str:
        """The text we send. A photo post cannot carry a link card, so the link joins
        the caption there (unless the text already has it)."""
        if content.media and content.link and content.link not in content.text:
            return f"{content.text}\n\n{content.link}".strip()
        return content.text

    def _upload_photo(self, token: str, page_id: str, item, *, caption: str, published: bool) -> dict[str, Any]:
        # The Page Photos edge takes "caption" but documents no alt-text parameter
        # (Facebook generates its own alt text), so MediaItem.alt_text is not sent.
        body: dict[str, Any] = {}
        if caption:
            body["caption"] = caption
        if not published:
            body["published"] = "false"
        # A published photo is the post itself: its answer must not be retried blindly.
        # Unpublished ones are parts of a post still to come; a retry only orphans one.
        send = self.created if published else partial(self.graph, "POST")
        if item.url:
            body["url"] = item.url
            return send(f"{page_id}/photos", token, data=body)
        files = {"source": (item.filename, item.data, item.mime_type)}
        return send(f"{page_id}/photos", token, data=body, files=files)

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        """Facebook has no idempotency key: look for the message among the Page's latest
        posts. Absent there means it did not go out (the list is read after the lease
        expired, long after Facebook would have shown it)."""
        data = self.graph(
            "GET",
            f"{self._page_id(account)}/posts",
            self.token(account),
            params={"fields": "id,message,created_time,permalink_url", "limit": 25},
        )
        wanted = self.message_for(content)
        for post in data.get("data") or []:
            if matches_text(post.get("message"), wanted):
                post_id = str(post["id"])
                return PublishResult(
                    remote_id=post_id,
                    url=post_url(post_id),
                    published_at=parse_time(post.get("created_time")) or now(),
                )
        return None

    def _page_id(self, account: AccountContext) -> str:
        return str(account.credentials.get("page_id") or account.remote_id)

    @classmethod
    def remote_id_from_url(cls, url: str, account: AccountContext) -> str | None:
        """A Page post's id is ``<page id>_<post id>``. Its links: ``facebook.com/<page>_<post>``,
        ``facebook.com/<page name>/posts/<post id>`` and ``permalink.php?story_fbid=..&id=..``;
        the opaque ``pfbid...`` ids of newer links cannot be turned back into one."""
        link = urlsplit(url.strip())
        if link.netloc.lower() not in _HOSTS:
            return None
        page = str(account.credentials.get("page_id") or account.remote_id)
        path = link.path.rstrip("/")
        query = parse_qs(link.query)
        if path == "/permalink.php":
            post, owner = (query.get("story_fbid") or [""])[0], (query.get("id") or [""])[0]
        elif found := _POST_PATH.fullmatch(path):
            post, owner = found.group(1), page
        elif found := _JOINED_ID.fullmatch(path):
            owner, post = found.group(1), found.group(2)
        else:
            return None
        if owner != page or not post.isdigit():
            return None
        return f"{page}_{post}"

    # --- metrics -----------------------------------------------------------------------------

    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        token = self.token(account)
        result: dict[str, PostMetrics] = {}
        for post_id in remote_ids:
            fields = self.graph("GET", post_id, token, params={"fields": POST_FIELDS})
            try:
                insights = self.insights(token, post_id, POST_INSIGHTS)
            except (AuthExpired, RateLimited):
                raise
            except Permanent:
                # Insights need 100+ page likes and the ANALYZE task; without them the
                # counts above are still worth keeping.
                insights = {}
            result[post_id] = PostMetrics(
                remote_id=post_id,
                impressions=insights.get("post_media_view"),
                reach=insights.get("post_total_media_view_unique"),
                clicks=insights.get("post_clicks"),
                likes=_summary_count(fields.get("reactions")),
                comments=_summary_count(fields.get("comments")),
                # Graph leaves "shares" out when it has nothing to report; that stays None
                # rather than becoming an invented zero.
                shares=(fields.get("shares") or {}).get("count"),
            )
        return result

    def fetch_account_metrics(self, account: AccountContext) -> AccountMetrics:
        data = self.graph("GET", self._page_id(account), self.token(account), params={"fields": "followers_count"})
        return AccountMetrics(followers=data.get("followers_count"))

    # --- inbox -----------------------------------------------------------------------------

    def fetch_inbox(self, account: AccountContext, cursor: str = "") -> InboxPage:
        """Comments on the Page's recent posts newer than ``cursor`` (ISO timestamp).
        Replies to comments come along (``filter=stream``) with their parent id."""
        page_id = self._page_id(account)

        def comment_item(comment: dict[str, Any], created, post: dict[str, Any]) -> InboxItem | None:
            author = comment.get("from") or {}  # absent without pages_read_user_engagement
            if str(author.get("id") or "") == page_id:
                return None  # the Page's own answers
            return InboxItem(
                remote_id=str(comment["id"]),
                kind="comment",
                text=comment.get("message", ""),
                created_at=created,
                author_handle=str(author.get("id") or ""),
                author_name=author.get("name", ""),
                author_avatar=((author.get("picture") or {}).get("data") or {}).get("url", ""),
                url=comment.get("permalink_url") or post.get("permalink_url", ""),
                post_remote_id=str(post["id"]),
                parent_remote_id=str((comment.get("parent") or {}).get("id") or ""),
                conversation_id=str(post["id"]),
            )

        return self.collect_inbox(
            self.token(account),
            cursor,
            posts_path=f"{page_id}/posts",
            post_fields="id,permalink_url",
            edge="comments",
            params={
                "fields": "id,message,created_time,from{id,name,picture},parent{id},permalink_url",
                "filter": "stream",
                "order": "reverse_chronological",
            },
            item=comment_item,
            time_field="created_time",
        )

    def reply(self, account: AccountContext, item: InboxItem, text: str) -> PublishResult:
        comment_id = self.created_id(f"{item.remote_id}/comments", self.token(account), data={"message": text})
        return PublishResult(remote_id=comment_id, url=post_url(comment_id), published_at=now())

    def comment_on_post(self, account: AccountContext, post_id: str, text: str) -> PublishResult:
        """The first comment: ``POST /{post-id}/comments`` as the Page."""
        comment_id = self.created_id(f"{post_id}/comments", self.token(account), data={"message": text})
        return PublishResult(remote_id=comment_id, url=post_url(comment_id), published_at=now())

    def find_comment(
        self, account: AccountContext, post_id: str, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        item = InboxItem(remote_id=post_id, kind="comment", text="", created_at=since, author_handle="")
        return self.find_reply(account, item, text, since=since)

    def find_reply(
        self, account: AccountContext, item: InboxItem, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        """The Page's comment under the item with our text (the newest answers first)."""
        data = self.graph(
            "GET",
            f"{item.remote_id}/comments",
            self.token(account),
            params={"fields": "id,message,from{id},created_time", "order": "reverse_chronological", "limit": 50},
        )
        page_id = self._page_id(account)
        for comment in data.get("data") or []:
            written = parse_time(comment.get("created_time"))
            ours = str((comment.get("from") or {}).get("id") or "") == page_id
            if not ours or not matches_text(comment.get("message"), text):
                continue
            if written is not None and written < since - REPLY_CLOCK_SKEW:
                continue
            comment_id = str(comment["id"])
            return PublishResult(remote_id=comment_id, url=post_url(comment_id), published_at=written or now())
        return None


def post_url(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"


def _summary_count(edge: Any) -> int | None:
    if not isinstance(edge, dict):
        return None
    count = (edge.get("summary") or {}).get("total_count")
    return int(count) if isinstance(count, int) else None
