"""X (API v2): OAuth 2 with PKCE and refresh, posts with images or a video, metrics,
mentions, reply.

X offers no idempotency key. An unknown outcome is resolved by listing the account's
own recent posts since the moment we sent and matching the text; only when that list
certainly covers the window do we say "not published".

A video goes up by X's chunked upload (v2: initialize, append each segment, finalize,
then STATUS until processed), streamed from disk one segment at a time. The media id,
its expiry and the segments done are saved after each segment, so a worker that dies
mid-upload is followed by one that sends only the rest; while X processes the video,
``StillProcessing`` hands the wait to the engine instead of holding a worker. X media
ids are free and unused ones expire, so an expired or doubtful upload starts again.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

import requests
from requests_toolbelt.multipart.encoder import MultipartEncoder

from smm.platforms import options as post_options
from smm.platforms import text as post_text
from smm.platforms.base import (
    REPLY_CLOCK_SKEW,
    AccountContext,
    AccountMetrics,
    Adapter,
    AuthExpired,
    ConnectedAccount,
    InboxItem,
    InboxPage,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    PlatformError,
    PostContent,
    PostMetrics,
    Problem,
    PublishAttempt,
    PublishResult,
    StillProcessing,
    Transient,
    UnreadableAnswer,
    parse_iso,
)
from smm.platforms.errors import epoch_reset, retry_after, standard_error
from smm.platforms.oauth import authorize_url, expires_at
from smm.platforms.oauth import pkce_challenge as pkce_challenge  # imported from here by callers
from smm.platforms.video import VIDEO_COUNT, VIDEO_MIXED, FileRange, VideoRules, chunks

API = "https://api.x.com"
AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
SCOPES = "tweet.read tweet.write users.read media.write offline.access"

# Refresh a little before the stated expiry so a request does not die mid-flight.
EXPIRY_MARGIN = dt.timedelta(seconds=60)
# A new post can take a moment to show in the author's own timeline; before this has
# passed since sending, "not in the list" proves nothing.
TIMELINE_SETTLE = dt.timedelta(seconds=30)
LOOKUP_MAX_PAGES = 3
INBOX_MAX_PAGES = 5
TWEETS_LOOKUP_BATCH = 100

# X's ids are snowflakes: milliseconds since this epoch, shifted left by 22 bits.
SNOWFLAKE_EPOCH_MS = 1288834974657
# Who may reply (``reply_settings`` of POST /2/tweets; "everyone" is the default and not sent).
REPLY_SETTINGS = {
    "everyone": "Everyone",
    "mentionedUsers": "People you mention",
    "following": "People you follow",
}
POLL_MAX_OPTIONS = 4
POLL_OPTION_LENGTH = 25
POLL_MINUTES = (5, 10080)

DUPLICATE_MARKER = "duplicate content"

# --- video (PLATFORMS-VIDEO.md "X (video)") ---
# "amplify_video", not "tweet_video": docs.x.com states the 512 MB ceiling "when using
# media_category=amplify_video" and its v2 chunked quickstart uses it; the official Python
# sample uses tweet_video, for which no ceiling is stated. Either posts as a normal video.
VIDEO_CATEGORY = "amplify_video"
# X numbers segments 0..999 (v1.1 docs; the v2 schema says the same range).
MAX_SEGMENTS = 1000
# Do not carry on with a media id this close to its expiry: it could lapse before the post.
EXPIRY_SAFETY = dt.timedelta(minutes=10)
# X usually processes a short video in seconds to a few minutes; past this we give up.
PROCESSING_LIMIT = dt.timedelta(minutes=30)
DEFAULT_CHECK_AFTER = 5
# Words in a 4xx answer to an upload step or to the post meaning the media id is unknown
# or expired (X documents only "a Bad Request (HTTP 4xx)" for an expired id (check)).
MEDIA_GONE_HINTS = ("expire", "media id", "media_id")
# Statuses of X refusing the video itself (not the account's access): said in video words.
VIDEO_REFUSALS = (400, 413, 415, 422)
# Where a tweet's address may point (what people copy from the app or an old link).
_HOSTS = {"x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com", "mobile.x.com"}
_STATUS_PATH = re.compile(r"/(i/web|[A-Za-z0-9_]+)/status(?:es)?/(\d+)/?")


class XAdapter(Adapter):
    name = "x"
    label = "X"
    connect_kind = "oauth2"
    idempotency = "recent_posts"
    supports_refresh = True
    supports_threads = True

    max_text_length = 280  # weighted
    max_images = 4
    max_image_bytes = 5 * 1024 * 1024
    image_types = ("image/jpeg", "image/png", "image/gif", "image/webp")
    post_options = ("reply_settings", "poll")
    # 512 MB (docs.x.com media introduction, for amplify_video); the rest are (check):
    # 0.5-140 s for ordinary accounts (Premium may post longer), aspect 1:3-3:1 (another X
    # page says 1:2.39-2.39:1), at most 60 fps (another page says 40), H.264 recommended.
    # X's pages disagree on the largest frame (1280x1024 vs 1920x1200), so it is not checked.
    video_rules = VideoRules(
        max_bytes=512_000_000,
        min_seconds=0.5,
        max_seconds=140,
        min_aspect=1 / 3,
        max_aspect=3.0,
        max_fps=60,
        mime_types=("video/mp4", "video/quicktime"),
        video_codecs=("h264",),
        max_videos=1,
        mix_with_images=False,
    )
    # Bytes per APPEND segment: X takes up to 5 MB per segment (v1.1 docs; (check) for v2).
    video_chunk_size = 4 * 1024 * 1024

    def __init__(self, app=None, *, http=None):
        super().__init__(app, http=http)
        self.now = lambda: dt.datetime.now(dt.UTC)

    # --- content rules -----------------------------------------------------------------

    def text_length(self, text: str) -> int:
        return post_text.x_weighted_length(text)

    def validate(self, content: PostContent) -> list[Problem]:
        problems = []
        text = _post_text(content)
        if not text.strip() and not content.media:
            problems.append(self.empty_post_problem())
        too_long = self.too_long_problem(text, note="links count as 23, emoji and CJK characters as 2")
        if too_long:
            problems.append(too_long)
        images = self.images_of(content)  # a video is judged by video_problems
        gifs = [item for item in images if item.mime_type == "image/gif"]
        if gifs and len(images) > 1:
            problems.append(Problem("media", "X takes one GIF on its own, not together with other images.", "gif_mix"))
        elif len(images) > self.max_images:
            problems.append(self.too_many_images_problem(len(images)))
        for number, item in enumerate(images, start=1):
            if item.mime_type not in self.image_types:
                problems.append(self.image_type_problem(number, item.mime_type))
            elif item.mime_type != "image/gif" and item.byte_size > self.max_image_bytes:
                problems.append(
                    Problem(
                        "media",
                        f"Image {number} is {item.byte_size / (1024 * 1024):.1f} MB; X takes images up to 5 MB.",
                        "image_too_big",
                    )
                )
        problems.extend(self.video_problems(content))
        problems.extend(self.option_problems(content))
        return problems

    @classmethod
    def clean_options(cls, options: dict | None) -> dict[str, Any]:
        options = options if isinstance(options, dict) else {}
        cleaned: dict[str, Any] = {}
        reply = post_options.text_value(options.get("reply_settings"))
        if reply and reply != "everyone":
            cleaned["reply_settings"] = reply
        poll = post_options.clean_poll(options.get("poll"))
        if poll:
            cleaned["poll"] = poll
        return cleaned

    def option_problems(self, content: PostContent) -> list[Problem]:
        options = self.clean_options(content.options)
        problems = []
        rule = post_options.choice_problem(
            options.get("reply_settings", ""), REPLY_SETTINGS, what="who may reply", label=self.label
        )
        if rule:
            problems.append(rule)
        problems.extend(
            post_options.poll_problems(
                options.get("poll"),
                label=self.label,
                max_options=POLL_MAX_OPTIONS,
                max_option_length=POLL_OPTION_LENGTH,
                min_minutes=POLL_MINUTES[0],
                max_minutes=POLL_MINUTES[1],
                has_media=bool(content.media),
            )
        )
        return problems

    # --- connection ----------------------------------------------------------------------

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str, base_url: str = "") -> str:
        return authorize_url(
            AUTHORIZE_URL,
            client_id=self.app.client_id,
            redirect_uri=redirect_uri,
            scope=SCOPES,
            state=state,
            code_verifier=code_verifier,
        )

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str, base_url: str = ""
    ) -> ConnectedAccount:
        token = self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
                "client_id": self.app.client_id,
            }
        )
        credentials = self._token_credentials(token)
        account = AccountContext(network=self.name, credentials=credentials)
        me = self._call(
            account,
            "GET",
            "/2/users/me",
            params={"user.fields": "profile_image_url,public_metrics"},
        )["data"]
        return ConnectedAccount(
            remote_id=str(me["id"]),
            handle=post_text.at_handle(me["username"]),
            display_name=me.get("name", ""),
            avatar_url=me.get("profile_image_url", ""),
            credentials=account.credentials,
            token_expires_at=_parse_optional_time(credentials.get("expires_at")),
        )

    def refresh(self, account: AccountContext) -> None:
        refresh_token = account.credentials.get("refresh_token", "")
        if not refresh_token:
            raise AuthExpired(
                "X access token expired and there is no refresh token",
                user_message="X signed SMM out of this account. Please reconnect it.",
            )
        token = self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": self.app.client_id}
        )
        # X rotates refresh tokens; update_credentials keeps the old one if none came back.
        account.update_credentials(self._token_credentials(token))

    # --- publishing ----------------------------------------------------------------------

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        videos = self.videos_of(content)
        if videos:
            # One video on its own: X takes nothing else with it.
            self.raise_problems([p for p in self.video_problems(content) if p.code in (VIDEO_COUNT, VIDEO_MIXED)])
            return self._publish_video(account, content, attempt, videos[0])
        media_ids = attempt.state.get("media_ids")
        if not media_ids or len(media_ids) != len(content.media):
            media_ids = [self._upload_media(account, item) for item in content.media]
            attempt.remember(media_ids=media_ids)
        return self._post(account, content, attempt, media_ids)

    def _post(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt, media_ids: list[str]
    ) -> PublishResult:
        # Recorded before the first send: lookup_published searches from here, so a
        # later retry must not move it past an earlier send that may have landed.
        if "sent_at" not in attempt.state:
            attempt.remember(sent_at=self.now().isoformat())
        payload: dict[str, Any] = {"text": _post_text(content)}
        if media_ids:
            payload["media"] = {"media_ids": list(media_ids)}
        if content.in_reply_to:
            payload["reply"] = {"in_reply_to_tweet_id": content.in_reply_to}
        options = self.clean_options(content.options)
        if options.get("reply_settings"):
            payload["reply_settings"] = options["reply_settings"]
        if options.get("poll"):
            poll = options["poll"]
            payload["poll"] = {"options": list(poll["options"]), "duration_minutes": int(poll["duration_minutes"])}
        data = self._call(account, "POST", "/2/tweets", json=payload)["data"]
        return self._result(account, str(data["id"]))

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        sent_at_text = attempt.state.get("sent_at")
        if not sent_at_text:
            return None  # the post request was never sent
        sent_at = dt.datetime.fromisoformat(sent_at_text)
        wanted = _comparable(_post_text(content))
        params: dict[str, Any] = {
            "max_results": 100,
            # Start a minute early: our clock and X's may disagree a little.
            "start_time": _x_time(sent_at - dt.timedelta(minutes=1)),
            "tweet.fields": "created_at,entities,text",
        }
        for _ in range(LOOKUP_MAX_PAGES):
            body = self._call(account, "GET", f"/2/users/{account.remote_id}/tweets", params=params)
            for tweet in body.get("data", []):
                if _comparable(_expanded_text(tweet)) == wanted:
                    return self._result(account, str(tweet["id"]))
            next_token = (body.get("meta") or {}).get("next_token")
            if not next_token:
                break
            params["pagination_token"] = next_token
        else:
            raise OutcomeUnknown(
                "Too many posts since the attempt to be sure the post is not among them",
                user_message="We could not confirm whether this post reached X. Please check the account.",
            )
        if self.now() - sent_at < TIMELINE_SETTLE:
            raise OutcomeUnknown(
                "Too soon after sending to rely on the timeline",
                user_message="We could not confirm yet whether this post reached X.",
            )
        return None

    @classmethod
    def remote_id_from_url(cls, url: str, account: AccountContext) -> str | None:
        """``https://x.com/<username>/status/<id>`` (or twitter.com, or ``/i/web/status/<id>``):
        the tweet id, when the username is the account's."""
        link = urlsplit(url.strip())
        found = _STATUS_PATH.fullmatch(link.path)
        if link.netloc.lower() not in _HOSTS or found is None:
            return None
        who = found.group(1).lower()
        if who != "i/web" and who != account.handle.lstrip("@").lower():
            return None  # someone else's tweet
        return found.group(2)

    # --- metrics -----------------------------------------------------------------------

    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        metrics = {}
        for start in range(0, len(remote_ids), TWEETS_LOOKUP_BATCH):
            batch = remote_ids[start : start + TWEETS_LOOKUP_BATCH]
            try:
                body = self._tweets(account, batch, "public_metrics,non_public_metrics", with_media=True)
            except Permanent:
                # Non-public metrics exist only for our own posts under 30 days old; for
                # older ones X refuses the whole request, so ask for public figures only.
                body = self._tweets(account, batch, "public_metrics", with_media=True)
            views = _video_views(body)
            for tweet in body.get("data", []):
                metrics[str(tweet["id"])] = _post_metrics(tweet, views)
        return metrics

    def fetch_account_metrics(self, account: AccountContext) -> AccountMetrics:
        me = self._call(account, "GET", "/2/users/me", params={"user.fields": "public_metrics"})["data"]
        public = me.get("public_metrics") or {}
        return AccountMetrics(
            followers=public.get("followers_count"),
            following=public.get("following_count"),
            posts_count=public.get("tweet_count"),
        )

    # --- inbox ---------------------------------------------------------------------------

    def fetch_inbox(self, account: AccountContext, cursor: str = "") -> InboxPage:
        params: dict[str, Any] = {
            "max_results": 100,
            "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets",
            "expansions": "author_id",
            "user.fields": "username,name,profile_image_url,public_metrics",
        }
        if cursor:
            params["since_id"] = cursor
        items: list[InboxItem] = []
        newest = cursor
        for _ in range(INBOX_MAX_PAGES):
            body = self._call(account, "GET", f"/2/users/{account.remote_id}/mentions", params=params)
            users = {user["id"]: user for user in (body.get("includes") or {}).get("users", [])}
            for tweet in body.get("data", []):
                items.append(_inbox_item(account, tweet, users.get(tweet.get("author_id"), {})))
            meta = body.get("meta") or {}
            if meta.get("newest_id") and (not newest or int(meta["newest_id"]) > int(newest)):
                newest = meta["newest_id"]
            # Only page on when resuming from a cursor: a first read takes the latest page.
            if not cursor or not meta.get("next_token"):
                break
            params["pagination_token"] = meta["next_token"]
        items.sort(key=lambda item: item.created_at)
        return InboxPage(items=items, cursor=newest)

    def reply(self, account: AccountContext, item: InboxItem, text: str) -> PublishResult:
        payload = {"text": text, "reply": {"in_reply_to_tweet_id": item.remote_id}}
        try:
            body = self._call(account, "POST", "/2/tweets", json=payload)
        except requests.JSONDecodeError:
            body = None
        data = body.get("data") if isinstance(body, dict) else None
        tweet_id = data.get("id") if isinstance(data, dict) else None
        if not tweet_id:
            raise UnreadableAnswer("X accepted the reply but did not say its id", label=self.label)
        return self._result(account, str(tweet_id))

    def find_reply(
        self, account: AccountContext, item: InboxItem, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        """Our posts since ``since`` (a little early for the clocks): the one answering
        the item with our text (X may put the author's @handle in front of it)."""
        wanted = _comparable(text)
        params: dict[str, Any] = {
            "max_results": 100,
            "start_time": _x_time(since - REPLY_CLOCK_SKEW),
            "tweet.fields": "created_at,entities,text,referenced_tweets",
        }
        for _ in range(LOOKUP_MAX_PAGES):
            body = self._call(account, "GET", f"/2/users/{account.remote_id}/tweets", params=params)
            for tweet in body.get("data", []):
                answered = {
                    str(ref.get("id"))
                    for ref in tweet.get("referenced_tweets") or []
                    if ref.get("type") == "replied_to"
                }
                try:
                    written = _parse_optional_time(tweet.get("created_at"))
                except ValueError:
                    written = None
                if written is not None and written < since - REPLY_CLOCK_SKEW:
                    continue
                if str(item.remote_id) in answered and _comparable(_expanded_text(tweet)).endswith(wanted):
                    return self._result(account, str(tweet["id"]))
            next_token = (body.get("meta") or {}).get("next_token")
            if not next_token:
                return None
            params["pagination_token"] = next_token
        raise OutcomeUnknown("Too many posts since the reply to be sure it is not among them")

    # --- video -------------------------------------------------------------------------------

    def _publish_video(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt, item: MediaItem
    ) -> PublishResult:
        for fresh in (False, True):
            try:
                media_id = self._ready_video(account, item, attempt)
                return self._post(account, content, attempt, [media_id])
            except Permanent as exc:
                if fresh or not _media_gone(exc):
                    raise
                # X no longer knows the media id (it expired): nothing was posted with it,
                # and ids are free, so upload the video again, once in this call.
                attempt.remember(x_video={})
        raise AssertionError("unreachable")  # pragma: no cover

    def _ready_video(self, account: AccountContext, item: MediaItem, attempt: PublishAttempt) -> str:
        """The media id of the uploaded, processed video; raises ``StillProcessing`` while X
        works on it. An upload step cannot publish anything, so an answer lost on the way
        is worth a retry (from the last segment X confirmed), not a lookup."""
        try:
            return self._upload_video(account, item, attempt)
        except OutcomeUnknown as exc:
            raise Transient(
                exc.message,
                user_message="The connection to X dropped while uploading the video; "
                "we will carry on from the last part X received.",
            ) from exc
        except Permanent as exc:
            if exc.status in VIDEO_REFUSALS:  # X refused the file (a 403 keeps its access words)
                exc.user_message = _video_refusal(exc.message)
            raise

    def _upload_video(self, account: AccountContext, item: MediaItem, attempt: PublishAttempt) -> str:
        if not item.path:
            raise Permanent(
                "The video has no file to upload", user_message="The video file is missing; attach it again."
            )
        total = item.byte_size
        upload = dict(attempt.state.get("x_video") or {})
        if upload and not self._resumable(upload, item, total):
            upload = {}  # another file, or a media id about to expire: start again
        if not upload:
            upload = self._initialize(account, item, total)
            attempt.remember(x_video=dict(upload))
        media_id = upload["id"]
        if upload.get("ready"):
            return media_id
        if not upload.get("finalized"):
            pieces = chunks(total, upload["chunk_size"])
            for index in range(upload["segments_done"], len(pieces)):
                start, length = pieces[index]
                self._append(account, media_id, item, index, start, length)
                upload["segments_done"] = index + 1
                # Saved after every segment (this also renews the publishing lease): a
                # worker that dies now is followed by one that sends only the rest.
                attempt.remember(x_video=dict(upload))
            info = _media_data(self._call(account, "POST", f"/2/media/upload/{media_id}/finalize"))
            upload.update(finalized=True, processing_since=self.now().isoformat())
        else:
            info = _media_data(
                self._call(account, "GET", "/2/media/upload", params={"command": "STATUS", "media_id": media_id})
            )
        self._note_expiry(upload, info)
        processing = info.get("processing_info") or {}
        state = processing.get("state") or "succeeded"  # no processing_info: ready
        if state == "succeeded":
            upload["ready"] = True
            attempt.remember(x_video=dict(upload))
            return media_id
        if state == "failed":
            attempt.remember(x_video={})  # a retry (say after a conversion) starts anew
            error = processing.get("error") or {}
            message = str(error.get("message") or error.get("name") or "processing failed")
            raise Permanent(
                f"X could not process the video: {message}",
                user_message=_video_refusal(message, processing=True),
            )
        since = _parse_optional_time(upload.get("processing_since")) or self.now()
        if self.now() - since > PROCESSING_LIMIT:
            attempt.remember(x_video={})
            raise Permanent(
                f"X was still processing the video after {PROCESSING_LIMIT}",
                user_message="X has been processing the video for more than 30 minutes without finishing. "
                "Try again later; a shorter or smaller video goes faster.",
            )
        attempt.remember(x_video=dict(upload))
        progress = processing.get("progress_percent")
        progress = progress if isinstance(progress, int) and not isinstance(progress, bool) else None
        done = f" ({progress}% done)" if progress is not None else ""
        raise StillProcessing(
            # The post page adds "; we check again at ..." to these words.
            f"X is processing the video{done}",
            check_after=_number(processing.get("check_after_secs")) or DEFAULT_CHECK_AFTER,
            progress=progress,
        )

    def _resumable(self, upload: dict[str, Any], item: MediaItem, total: int) -> bool:
        expires = _parse_optional_time(upload.get("expires_at"))
        return (
            bool(upload.get("id"))
            and upload.get("total_bytes") == total
            and upload.get("path") == item.path
            and isinstance(upload.get("segments_done"), int)
            and isinstance(upload.get("chunk_size"), int)
            and expires is not None
            and expires - EXPIRY_SAFETY > self.now()
        )

    def _initialize(self, account: AccountContext, item: MediaItem, total: int) -> dict[str, Any]:
        payload = {"media_type": item.mime_type, "total_bytes": total, "media_category": VIDEO_CATEGORY}
        data = _media_data(self._call(account, "POST", "/2/media/upload/initialize", json=payload))
        if not data.get("id"):
            raise Transient("X started the video upload but did not say its media id")
        upload = {
            "id": str(data["id"]),
            "media_key": str(data.get("media_key") or ""),
            "path": item.path,
            "total_bytes": total,
            # X numbers at most MAX_SEGMENTS segments: a huge file gets larger ones.
            "chunk_size": max(self.video_chunk_size, -(-total // MAX_SEGMENTS)),
            "segments_done": 0,
        }
        self._note_expiry(upload, data)
        upload.setdefault("expires_at", (self.now() + dt.timedelta(hours=1)).isoformat())  # not said: be careful
        return upload

    def _append(self, account: AccountContext, media_id: str, item: MediaItem, index: int, start: int, length: int):
        name = item.filename or "video.mp4"

        def body() -> MultipartEncoder:
            # A fresh body per send; the segment streams from disk, never read whole.
            segment = _PartBody(FileRange(item.path, start, length))
            return MultipartEncoder(
                fields=[("segment_index", str(index)), ("media", (name, segment, "application/octet-stream"))]
            )

        self._call(account, "POST", f"/2/media/upload/{media_id}/append", body=body)

    def _note_expiry(self, upload: dict[str, Any], data: dict[str, Any]) -> None:
        seconds = _number(data.get("expires_after_secs"))
        if seconds:
            upload["expires_at"] = (self.now() + dt.timedelta(seconds=seconds)).isoformat()

    # --- internals -------------------------------------------------------------------------

    def _upload_media(self, account: AccountContext, item: MediaItem) -> str:
        data = item.data if item.data is not None else self.download(item.url or "")
        category = "tweet_gif" if item.mime_type == "image/gif" else "tweet_image"
        body = self._call(
            account,
            "POST",
            "/2/media/upload",
            files={"media": (item.filename, data, item.mime_type)},
            data={"media_category": category, "media_type": item.mime_type},
        )
        media_id = str(body["data"]["id"])
        if item.alt_text:
            self._call(
                account,
                "POST",
                "/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": item.alt_text[:1000]}}},
            )
        return media_id

    def _tweets(self, account: AccountContext, ids: list[str], fields: str, *, with_media: bool = False) -> dict:
        params = {"ids": ",".join(ids), "tweet.fields": fields}
        if with_media:
            # A video's views are on its media object (public_metrics.view_count), which
            # X gives for any post on every tier, so it is asked for with the post's figures.
            params.update(
                {
                    "tweet.fields": f"{fields},attachments",
                    "expansions": "attachments.media_keys",
                    "media.fields": "type,public_metrics",
                }
            )
        return self._call(account, "GET", "/2/tweets", params=params)

    def _result(self, account: AccountContext, tweet_id: str) -> PublishResult:
        username = account.handle.lstrip("@")
        url = f"https://x.com/{username}/status/{tweet_id}" if username else f"https://x.com/i/web/status/{tweet_id}"
        return PublishResult(remote_id=tweet_id, url=url, published_at=snowflake_time(tweet_id) or self.now())

    def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        # Confidential clients authenticate with HTTP Basic; public clients send only
        # client_id in the form (already there).
        auth = (self.app.client_id, self.app.client_secret) if self.app.client_secret else None
        response = self.http.post(f"{API}/2/oauth2/token", data=form, auth=auth)
        if response.status_code in (400, 401):
            message = _error_message(response)
            raise AuthExpired(
                message,
                user_message="X did not accept SMM's sign-in for this account. Please reconnect it.",
                status=response.status_code,
            )
        self._raise_for_status(response)
        return response.json()

    def _token_credentials(self, token: dict[str, Any]) -> dict[str, Any]:
        credentials = {"access_token": token["access_token"], "refresh_token": token.get("refresh_token", "")}
        expiry = expires_at(token.get("expires_in") or None, self.now())  # 0 or absent: not stated
        if expiry is not None:
            credentials["expires_at"] = expiry.isoformat()
        return credentials

    def _call(self, account: AccountContext, method: str, path: str, *, body=None, **kwargs) -> dict[str, Any]:
        """One API call with the user's token: refreshed first when we know it has
        expired, and once more (with one repeat) when X answers 401. ``body`` makes a
        fresh streaming multipart body for each send (a sent one is used up)."""
        expiry = _parse_optional_time(account.credentials.get("expires_at"))
        if expiry and expiry - EXPIRY_MARGIN <= self.now() and account.credentials.get("refresh_token"):
            self.refresh(account)
        extra_headers = kwargs.pop("headers", {})
        for already_refreshed in (False, True):
            headers = {"Authorization": f"Bearer {account.credentials.get('access_token', '')}", **extra_headers}
            if body is not None:
                encoder = body()
                kwargs["data"] = encoder
                headers["Content-Type"] = encoder.content_type
            response = self.http.request(method, f"{API}{path}", headers=headers, **kwargs)
            if response.status_code == 401 and not already_refreshed and account.credentials.get("refresh_token"):
                # A refused token: the request was not processed, so repeating is safe.
                self.refresh(account)
                continue
            self._raise_for_status(response)
            return response.json() if response.content else {}
        raise AssertionError("unreachable")  # pragma: no cover

    def _raise_for_status(self, response: requests.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        message = _error_message(response)
        error = standard_error(status, message, label=self.label, retry_after=lambda: self._retry_after(response))
        if error is not None:
            raise error
        if status == 403 and DUPLICATE_MARKER in message.lower():
            raise Permanent(
                message,
                user_message="X refused this post because the account already posted the same text.",
                status=status,
            )
        if status == 403:
            raise Permanent(message, user_message=f"X does not allow this for this account: {message}", status=status)
        raise Permanent(message, user_message=f"X refused the post: {message}", status=status)

    def _retry_after(self, response: requests.Response) -> float | None:
        # x-rate-limit-reset is the epoch second at which the window resets.
        wait = epoch_reset(response.headers.get("x-rate-limit-reset"), self.now())
        return wait if wait is not None else retry_after(response.headers, self.now())


# --- module helpers ---------------------------------------------------------------------------


class _PartBody:
    """A ``FileRange`` as ``MultipartEncoder`` reads a part: its ``len`` is what is left to
    read (the encoder loops until it is 0), and reads go to disk as the encoder asks."""

    def __init__(self, source: FileRange):
        self._source = source
        self.len = len(source)

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(size)
        self.len = 0 if not chunk else max(0, self.len - len(chunk))
        return chunk


def _media_data(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise Transient(
            "X answered the video upload without its data",
            user_message="X gave an answer we could not read while uploading the video; we will try again.",
        )
    return data


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return float(value)


def _media_gone(exc: PlatformError) -> bool:
    """A 4xx saying X no longer knows the media id (it expired, or never finished)."""
    if exc.status == 404:
        return True
    return exc.status == 400 and any(hint in exc.message.lower() for hint in MEDIA_GONE_HINTS)


def _video_refusal(message: str, *, processing: bool = False) -> str:
    """X's refusal of a video in a marketer's words."""
    lower = message.lower()
    start = "X could not process the video" if processing else "X refused the video"
    if "duration" in lower or "too long" in lower or "length" in lower:
        return (
            f"{start}: it is longer than X allows for this account (140 seconds for most accounts). "
            "Trim it and try again."
        )
    if "codec" in lower or "format" in lower or "unsupported" in lower or "invalidmedia" in lower:
        return (
            f"{start}: it uses a format or codec X does not play. "
            "Convert it to MP4 (H.264 video, AAC sound) and try again."
        )
    if "size" in lower or "too large" in lower or "total_bytes" in lower:
        return f"{start}: the file is larger than X takes (512 MB). Make it smaller and try again."
    if processing:
        return f"{start} ({message}). Convert it to MP4 (H.264 video, AAC sound) and try again."
    return f"{start}: {message}"


def snowflake_time(tweet_id: str) -> dt.datetime | None:
    """When X created the post, read from its id (no extra request needed)."""
    if not tweet_id.isdigit():
        return None
    millis = (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC)


def _post_text(content: PostContent) -> str:
    # X has no separate link field: the link goes at the end, where X turns it into a card.
    text = content.text
    if content.link and content.link not in text:
        text = f"{text.rstrip()}\n\n{content.link}" if text.strip() else content.link
    return text


def _expanded_text(tweet: dict[str, Any]) -> str:
    """The post's text as we sent it: X returns links as t.co, appends a t.co link for
    attached media, and HTML-escapes &, < and >."""
    text = tweet.get("text", "")
    for url in (tweet.get("entities") or {}).get("urls", []):
        short = url.get("url", "")
        if not short:
            continue
        if url.get("media_key"):
            text = text.replace(short, "")
        else:
            text = text.replace(short, url.get("expanded_url") or short)
    return html.unescape(text)


def _comparable(text: str) -> str:
    # X normalises to NFC and may trim surrounding whitespace.
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").strip()


def _video_views(body: dict[str, Any]) -> dict[str, int]:
    """The views of each video in a lookup's ``includes.media``, by media key."""
    views = {}
    for media in (body.get("includes") or {}).get("media") or []:
        count = (media.get("public_metrics") or {}).get("view_count")
        if media.get("type") == "video" and media.get("media_key") and isinstance(count, int):
            views[str(media["media_key"])] = count
    return views


def _post_metrics(tweet: dict[str, Any], views: dict[str, int] | None = None) -> PostMetrics:
    public = tweet.get("public_metrics") or {}
    private = tweet.get("non_public_metrics") or {}
    reposts = public.get("retweet_count", public.get("repost_count"))
    impressions = private.get("impression_count", public.get("impression_count"))
    return PostMetrics(
        remote_id=str(tweet["id"]),
        impressions=impressions,
        likes=public.get("like_count"),
        comments=public.get("reply_count"),
        # Quotes are re-shares with a comment, so they count as shares.
        shares=None if reposts is None else reposts + (public.get("quote_count") or 0),
        saves=public.get("bookmark_count"),
        clicks=private.get("url_link_clicks"),
        video_views=_views_of(tweet, views or {}),
    )


def _views_of(tweet: dict[str, Any], views: dict[str, int]) -> int | None:
    """The post's video views: None when it has no video (or X did not count it)."""
    counted = [views[key] for key in (tweet.get("attachments") or {}).get("media_keys") or [] if key in views]
    return sum(counted) if counted else None


def _inbox_item(account: AccountContext, tweet: dict[str, Any], author: dict[str, Any]) -> InboxItem:
    replied_to = next(
        (ref["id"] for ref in tweet.get("referenced_tweets", []) if ref.get("type") == "replied_to"),
        "",
    )
    answers_us = bool(account.remote_id) and tweet.get("in_reply_to_user_id") == account.remote_id
    username = author.get("username", "")
    return InboxItem(
        remote_id=str(tweet["id"]),
        kind="reply" if answers_us else "mention",
        text=html.unescape(tweet.get("text", "")),
        created_at=parse_iso(tweet["created_at"]) if tweet.get("created_at") else snowflake_time(str(tweet["id"])),
        author_handle=post_text.at_handle(username),
        author_name=author.get("name", ""),
        author_avatar=author.get("profile_image_url", ""),
        author_followers=(author.get("public_metrics") or {}).get("followers_count"),
        url=f"https://x.com/{username or 'i/web'}/status/{tweet['id']}",
        post_remote_id=replied_to if answers_us else "",
        parent_remote_id=replied_to,
        conversation_id=str(tweet.get("conversation_id", "")),
    )


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}".strip()
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    errors = body.get("errors") or []
    return str(
        body.get("detail")
        or body.get("error_description")
        or (errors[0].get("message") if errors and isinstance(errors[0], dict) else "")
        or body.get("title")
        or body.get("error")
        or f"HTTP {response.status_code}"
    )


def _x_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_optional_time(value: str | None) -> dt.datetime | None:
    return parse_iso(value) if value else None
