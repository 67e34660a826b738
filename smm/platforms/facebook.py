"""Facebook Pages through the Graph API: Facebook Login, page tokens, feed and photos."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

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
    Permanent,
    PostContent,
    PostMetrics,
    Problem,
    PublishAttempt,
    PublishResult,
    RateLimited,
    Transient,
)
from smm.platforms.meta_graph import (
    GRAPH_VERSION,
    MetaGraphAdapter,
    graph_error,
    insight_values,
    matches_text,
    now,
    parse_time,
    webhook_time,
)
from smm.platforms.oauth import authorize_url
from smm.platforms.text import grapheme_length
from smm.platforms.video import FileRange, Heartbeat, VideoRules

GRAPH = f"https://graph.facebook.com/{GRAPH_VERSION}"
_HOSTS = {"facebook.com", "www.facebook.com", "m.facebook.com", "web.facebook.com"}
_POST_PATH = re.compile(r"/[^/]+/posts/([^/]+)")
_JOINED_ID = re.compile(r"/(\d+)_(\d+)")
_VIDEO_PATH = re.compile(r"/(?:reel|[^/]+/videos)/(\d+)")
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
# A video (feed video or Reel) is a Video node: no "shares" field, but its own view count
# (check: "views" is the public count Graph documents on Video).
VIDEO_FIELDS = "views,comments.limit(0).summary(total_count),reactions.limit(0).summary(total_count)"

# Video uploads go to their own hosts: feed videos to graph-video (Meta fetches file_url),
# Reels' bytes to rupload (the Reels Publishing API).
GRAPH_VIDEO = f"https://graph-video.facebook.com/{GRAPH_VERSION}"
RUPLOAD = f"https://rupload.facebook.com/video-upload/{GRAPH_VERSION}"

# What a video post becomes (the "kind" option).
KINDS = {"feed": "Feed post", "reel": "Reel (vertical video, 3 to 90 s)"}

# Reels (Reels Publishing API, primary): 3-90 s, 24-60 fps, .mp4 recommended, 9:16 and
# 1080x1920 recommended (not required, so not refused here). No size is documented.
REEL_RULES = VideoRules(
    min_seconds=3,
    max_seconds=90,
    min_fps=24,
    max_fps=60,
    mime_types=("video/mp4", "video/quicktime"),
    noun="Reel",
)
# A Page's feed video: looser. 2 GB is the ceiling Meta's video errors name (1363023), and
# 240 minutes the length often quoted (check both; 10 GB is quoted too).
FEED_VIDEO_RULES = VideoRules(
    max_bytes=2_000_000_000,
    max_seconds=240 * 60,
    mime_types=("video/mp4", "video/quicktime", "video/webm"),
)
# Video API subcodes: wrong start offset (resume where Meta says), upload timed out.
RESUMABLE_SUBCODES = ("1363037", "1363030")


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
    video_rules = FEED_VIDEO_RULES
    post_options = ("kind",)
    # Processing a feed video or a Reel: give it this long before we stop waiting.
    video_processing_limit = 20 * 60
    # A Reel's bytes go up in one request; its progress is remembered (renewing the
    # publishing lease) this often while it streams, and a re-run resumes where Meta says.
    upload_heartbeat_bytes = 8 * 1024 * 1024
    upload_heartbeat_seconds = 20.0
    upload_timeout = (10, 300)  # connect, read (s): Meta answers once it has every byte

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
        videos = self.videos_of(content)
        reel = self.clean_options(content.options).get("kind") == "reel"
        if reel and not videos:
            problems.append(
                Problem("media", "A Facebook Reel needs a video: attach one, or post it to the feed.", "reel_video")
            )
        problems += self.video_problems(content)
        if videos and not reel and not videos[0].url:
            # Meta fetches a feed video from its public URL (file_url); a Reel's bytes are sent.
            problems.append(Problem("media", "The video needs a public URL for Facebook.", "media_url"))
        problems.extend(self.option_problems(content))
        return problems

    def video_rules_for(self, content: PostContent):
        return REEL_RULES if self.clean_options(content.options).get("kind") == "reel" else FEED_VIDEO_RULES

    @classmethod
    def clean_options(cls, options: dict | None) -> dict[str, Any]:
        kind = post_options.text_value((options or {}).get("kind")).lower()
        return {"kind": kind} if kind and kind != "feed" else {}  # the feed is the default

    def option_problems(self, content: PostContent) -> list[Problem]:
        kind = self.clean_options(content.options).get("kind", "")
        problem = post_options.choice_problem(kind, KINDS, what="a kind of post", label=self.label)
        return [problem] if problem else []

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
        videos = self.videos_of(content)
        if videos and self.clean_options(content.options).get("kind") == "reel":
            return self._publish_reel(token, page_id, videos[0], message, attempt)
        if videos:
            return self._publish_feed_video(token, page_id, videos[0], message, attempt)
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

    # --- video ----------------------------------------------------------------------------

    def _publish_feed_video(
        self, token: str, page_id: str, item: MediaItem, message: str, attempt: PublishAttempt
    ) -> PublishResult:
        """``POST graph-video/{page}/videos`` with ``file_url`` (Meta fetches the file from
        our public URL) and the description; the video's id is remembered at once, then
        its processing is waited for (``StillProcessing``) until it is ready."""
        video_id = attempt.state.get("video_id")
        if not video_id:
            answer = self.created(
                f"{GRAPH_VIDEO}/{page_id}/videos", token, data={"file_url": item.url, "description": message}
            )
            video_id = str(answer["id"])
            attempt.remember(video_id=video_id)
        return self._when_ready(token, attempt, video_id, reel=False)

    def _publish_reel(
        self, token: str, page_id: str, item: MediaItem, message: str, attempt: PublishAttempt
    ) -> PublishResult:
        """The Reels Publishing API: ``start`` (the video id is remembered at once), the
        bytes streamed from disk to rupload (not the file_url header: Meta's hosted-file
        path is reported to fail without offset headers, and a local file resumes at the
        byte Meta says it has), ``finish`` with video_state=PUBLISHED, then wait until
        Meta has published it. A re-run asks the video's status before doing anything
        again, so nothing is uploaded twice and the Reel is finished once."""
        path = item.path
        if not path or not os.path.exists(path):
            raise Permanent(
                "The Reel's video file is not on disk",
                user_message="The video file is missing from the media library; attach it again.",
            )
        total = os.path.getsize(path)
        video_id = attempt.state.get("reel_id")
        uploaded = finished = False
        offset = 0
        if video_id:
            status = self._video_status(token, video_id, forget_if_gone=attempt)
            if status is None:
                video_id = None  # Meta no longer has it (never finished): start again
            else:
                self._raise_if_failed(attempt, video_id, status)
                uploading = status.get("uploading_phase") or {}
                uploaded = uploading.get("status") == "complete"
                offset = _int(uploading.get("bytes_transferred"))
                publishing = (status.get("publishing_phase") or {}).get("status")
                finished = attempt.state.get("reel_finished") or publishing in ("in_progress", "complete")
        if not video_id:
            answer = self.graph("POST", f"{page_id}/video_reels", token, data={"upload_phase": "start"})
            if not answer.get("video_id"):
                raise Transient("Facebook started no Reel upload (no video_id in its answer)")
            video_id = str(answer["video_id"])
            attempt.remember(reel_id=video_id, reel_upload_url=answer.get("upload_url") or "", processing_since=None)
        if not uploaded and not finished:
            upload_url = attempt.state.get("reel_upload_url") or f"{RUPLOAD}/{video_id}"
            self._upload_bytes(token, attempt, upload_url, path, total, min(offset, total))
        if not finished:
            # Finishing the same video twice cannot make two Reels: the video is the Reel.
            answer = self.graph(
                "POST",
                f"{page_id}/video_reels",
                token,
                data={
                    "upload_phase": "finish",
                    "video_id": video_id,
                    "video_state": "PUBLISHED",
                    "description": message,
                },
            )
            if answer.get("success") is False:
                raise Transient("Facebook did not accept finishing the Reel", status=200)
            attempt.remember(reel_finished=True)
        return self._when_ready(token, attempt, video_id, reel=True)

    def _upload_bytes(self, token: str, attempt: PublishAttempt, url: str, path: str, total: int, offset: int) -> None:
        """The file from ``offset`` to its end, in one streamed request (read from disk as
        it goes); progress is remembered as it streams, which renews the publishing lease."""
        body = FileRange(path, offset, on_progress=self._heartbeat(attempt, offset))
        try:
            response = self.http.request(
                "POST",
                url,
                data=body,
                headers={
                    "Authorization": f"OAuth {token}",
                    "offset": str(offset),
                    "file_size": str(total),
                    "Content-Type": "application/octet-stream",
                },
                timeout=self.upload_timeout,
            )
        except OutcomeUnknown as exc:
            # Only bytes went out, nothing was published: the next run asks Meta how many
            # arrived and sends the rest.
            raise Transient(
                f"The Reel upload was cut off: {exc.message}",
                user_message="The upload to Facebook was cut off; we will resume it where it stopped.",
            ) from exc
        finally:
            body.close()
        error = _upload_error(response, label=self.label)
        if error is not None:
            raise error
        attempt.remember(reel_sent=total)

    def _heartbeat(self, attempt: PublishAttempt, offset: int) -> Heartbeat:
        return Heartbeat(
            lambda sent: attempt.remember(reel_sent=offset + sent),
            every_bytes=self.upload_heartbeat_bytes,
            every_seconds=self.upload_heartbeat_seconds,
            clock=self.clock,
        )

    def _video_status(self, token: str, video_id: str, *, forget_if_gone: PublishAttempt | None = None):
        """The video's ``status`` (video_status and its uploading/processing/publishing
        phases), or None when Meta no longer knows the video (an unfinished Reel upload)."""
        try:
            data = self.graph("GET", video_id, token, params={"fields": "status,permalink_url"})
        except Permanent as exc:
            if forget_if_gone is not None and "code 100" in exc.message:
                forget_if_gone.remember(reel_id=None, reel_upload_url=None, reel_finished=None)
                return None
            raise
        status = data.get("status") if isinstance(data.get("status"), dict) else {}
        status["permalink_url"] = data.get("permalink_url") or ""
        return status

    def _raise_if_failed(self, attempt: PublishAttempt, video_id: str, status: dict) -> None:
        phases = [status.get(name) or {} for name in ("uploading_phase", "processing_phase", "publishing_phase")]
        if status.get("video_status") != "error" and not any(phase.get("status") == "error" for phase in phases):
            return
        reason = ""
        for phase in phases:
            for error in phase.get("errors") or ([phase["error"]] if isinstance(phase.get("error"), dict) else []):
                reason = reason or str(error.get("message") or "")
        attempt.remember(reel_id=None, video_id=None, reel_finished=None, processing_since=None)
        said = f" ({reason})" if reason else ""
        raise Permanent(
            f"Facebook video {video_id} failed{said}",
            user_message=f"Facebook could not process the video{said}. Convert it to MP4 (H.264 with AAC sound) "
            "and try again.",
        )

    def _when_ready(self, token: str, attempt: PublishAttempt, video_id: str, *, reel: bool) -> PublishResult:
        noun = "Reel" if reel else "video"
        status = self._video_status(token, video_id) or {}
        self._raise_if_failed(attempt, video_id, status)
        if _video_published(status, reel=reel):
            return PublishResult(remote_id=video_id, url=video_url(video_id, status, reel=reel), published_at=now())
        raise self.still_processing(attempt, noun=noun)

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        """Facebook has no idempotency key: look for the message among the Page's latest
        posts. Absent there means it did not go out (the list is read after the lease
        expired, long after Facebook would have shown it). A video is found by the id we
        remembered, else among the Page's videos by its description."""
        if self.videos_of(content):
            return self._lookup_video(account, content, attempt)
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

    def _lookup_video(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        token = self.token(account)
        reel = self.clean_options(content.options).get("kind") == "reel"
        video_id = attempt.state.get("reel_id" if reel else "video_id")
        if video_id:
            status = self._video_status(token, video_id)
            if status and _video_published(status, reel=reel):
                return PublishResult(remote_id=video_id, url=video_url(video_id, status, reel=reel), published_at=now())
            # Not out yet: publishing again carries on with the same video (its id is kept).
            return None
        if reel:
            return None  # no Reel was started, so none can be out
        data = self.graph(
            "GET",
            f"{self._page_id(account)}/videos",
            token,
            params={"fields": "id,description,created_time,permalink_url", "limit": 25},
        )
        wanted = self.message_for(content)
        for video in data.get("data") or []:
            if matches_text(video.get("description"), wanted):
                video_id = str(video["id"])
                attempt.remember(video_id=video_id)
                return PublishResult(
                    remote_id=video_id,
                    url=video_url(video_id, {"permalink_url": video.get("permalink_url")}, reel=False),
                    published_at=parse_time(video.get("created_time")) or now(),
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
        if found := _VIDEO_PATH.fullmatch(path):
            return found.group(1)  # a Reel or a Page video: its id is the video's
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
            if "_" not in post_id:
                # A bare id is a video (feed video or Reel: publish returns the video's id);
                # a post's id is "<page>_<post>".
                result[post_id] = self._video_metrics(token, post_id)
                continue
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

    def _video_metrics(self, token: str, video_id: str) -> PostMetrics:
        """A video's counts and its video insights. Without ``metric``, video_insights
        answers every metric the video has (check); a Reel's plays are
        ``blue_reels_play_count``, a feed video's views ``total_video_views``."""
        fields = self.graph("GET", video_id, token, params={"fields": VIDEO_FIELDS})
        try:
            insights = insight_values(self.graph("GET", f"{video_id}/video_insights", token))
        except (AuthExpired, RateLimited):
            raise
        except Permanent:
            insights = {}  # as for posts: the counts are still worth keeping
        views = insights.get("blue_reels_play_count", insights.get("total_video_views"))
        if views is None and isinstance(fields.get("views"), int):
            views = fields["views"]
        return PostMetrics(
            remote_id=video_id,
            impressions=insights.get("total_video_impressions"),
            reach=insights.get("post_impressions_unique", insights.get("total_video_impressions_unique")),
            likes=_summary_count(fields.get("reactions")),
            comments=_summary_count(fields.get("comments")),
            video_views=views,
        )

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


def video_url(video_id: str, status: dict, *, reel: bool) -> str:
    """The video's permalink as Graph gives it (often a path), else the Reel's or video's link."""
    link = str(status.get("permalink_url") or "")
    if link.startswith("/"):
        return f"https://www.facebook.com{link}"
    if link.startswith("https://"):
        return link
    return f"https://www.facebook.com/reel/{video_id}" if reel else f"https://www.facebook.com/{video_id}"


def _video_published(status: dict, *, reel: bool) -> bool:
    """A Reel is out when its publishing phase is complete; a feed video (published when
    posted) once Meta has processed it and says it is ready (check the phase names)."""
    publishing = status.get("publishing_phase") or {}
    if publishing.get("status") == "complete" or publishing.get("publish_status") == "published":
        return True
    return not reel and status.get("video_status") == "ready"


def _upload_error(response, *, label: str):
    """rupload answers ``{"success": true}``; refusals come as Graph errors or as
    ``{"debug_info": {"retriable", "type", "message"}}``."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("debug_info"), dict):
        info = body["debug_info"]
        message = f"{info.get('type') or 'Upload error'}: {info.get('message') or ''}".strip()
        if info.get("retriable") or response.status_code >= 500:
            return Transient(message, user_message=f"{label} had a problem receiving the video; we will resume.")
        return Permanent(message, user_message=f"{label} refused the video upload: {info.get('message') or message}")
    error = graph_error(response, label=label)
    if error is not None:
        if isinstance(error, Permanent) and any(f"subcode {code}" in error.message for code in RESUMABLE_SUBCODES):
            return Transient(error.message, user_message=f"The upload to {label} was interrupted; we will resume it.")
        return error
    if not isinstance(body, dict) or body.get("success") is not True:
        # Only bytes were sent (nothing is published by an upload): the next run asks how
        # many arrived.
        return Transient(
            f"{label} did not confirm the upload", user_message=f"{label} did not confirm the upload; we will resume."
        )
    return None


def _int(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0
