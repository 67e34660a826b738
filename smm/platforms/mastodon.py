"""Mastodon (and any server speaking its API): connect per instance, publish, metrics, inbox.

Every instance is its own OAuth server, so the app registers itself on each one
(``register_app``) and the caller keeps those client credentials per instance. Access
tokens do not expire; there is nothing to refresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import time
from contextlib import ExitStack
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import requests

from smm.platforms import options as post_options
from smm.platforms import text as post_text
from smm.platforms.base import (
    REPLY_CLOCK_SKEW,
    TOO_LONG,
    AccountContext,
    AccountMetrics,
    Adapter,
    AppCredentials,
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
from smm.platforms.errors import retry_after, standard_error
from smm.platforms.oauth import authorize_url
from smm.platforms.oauth import pkce_challenge as pkce_challenge  # imported from here by callers
from smm.platforms.video import Heartbeat, VideoRules

logger = logging.getLogger(__name__)

SCOPES = "write:statuses write:media read:statuses read:notifications read:accounts"

# Mastodon remembers an Idempotency-Key for one hour after the first success. We stop
# trusting it a little earlier so clock skew between us and the instance cannot turn a
# "lookup" into a second post.
IDEMPOTENCY_WINDOW = dt.timedelta(minutes=55)

# Media processing (thumbnails, blurhash) takes seconds for images; a status that
# references unprocessed media is refused with 422, so we wait for it.
MEDIA_POLL_ATTEMPTS = 30
MEDIA_POLL_INTERVAL = 1.0

# Video (docs.joinmastodon.org/methods/media, PLATFORMS-VIDEO.md): the server processes it
# after answering 202; we check again this often, without holding a worker meanwhile...
VIDEO_CHECK_AFTER = 5.0
# ...and give up when it has not finished in this long (a 20-minute 1080p video takes a few
# minutes on a busy server; half an hour means it is stuck).
VIDEO_PROCESSING_LIMIT = dt.timedelta(minutes=30)
# Connect, and read once the whole file is sent: the server stores it before it answers.
VIDEO_UPLOAD_TIMEOUT = (10, 300)
# A long upload is one request: while it goes, the bytes sent are remembered this often,
# which renews the publishing lease (the sweeper leaves a target that is still sending).
VIDEO_UPLOAD_RENEW_EVERY = 10.0
# A status naming media still being processed is refused with 422 and these words (check:
# quoted by many clients, not read in Mastodon's own source): not a failure, we wait.
NOT_FINISHED = "not finished processing"

# A stock instance (app/models/media_attachment.rb): 99 MB in Rails units (MAX_VIDEO_SIZE),
# 3840x2160 pixels ("matrix"), 120 fps, no duration limit; one video per status, never with
# images (check). ``instance_limits`` reads an instance's own.
VIDEO_RULES = VideoRules(
    max_bytes=103_809_024,
    max_fps=120,
    max_pixels=8_294_400,
    mime_types=("video/mp4", "video/quicktime", "video/webm", "video/ogg"),
    max_videos=1,
    mix_with_images=False,
)

# Who sees a status. "direct" is left out on purpose: a scheduled private message is not
# what a brand account publishes.
VISIBILITIES = {"public": "Public", "unlisted": "Quiet public", "private": "Followers only"}


class MastodonAdapter(Adapter):
    name = "mastodon"
    label = "Mastodon"
    connect_kind = "oauth2_instance"
    idempotency = "idempotency_key"
    supports_refresh = False
    supports_threads = True

    # Defaults of a stock instance; ``instance_limits`` reads an instance's own (stored per account).
    max_text_length = 500
    max_images = 4
    max_image_bytes = 16 * 1024 * 1024
    characters_reserved_per_url = post_text.URL_LENGTH
    # A stock instance's polls (``configuration.polls``); an instance may announce others.
    max_poll_options = 4
    max_poll_option_length = 50
    # A stock instance's video limits (``configuration.media_attachments``); see VIDEO_RULES.
    video_rules = VIDEO_RULES
    max_video_bytes = VIDEO_RULES.max_bytes
    max_video_fps = int(VIDEO_RULES.max_fps)
    max_video_pixels = VIDEO_RULES.max_pixels
    video_types = VIDEO_RULES.mime_types
    LIMIT_FIELDS = (
        *Adapter.LIMIT_FIELDS,
        "max_poll_options",
        "max_poll_option_length",
        "max_video_bytes",
        "max_video_fps",
        "max_video_pixels",
        "video_types",
    )
    post_options = ("visibility", "spoiler_text", "sensitive", "language", "poll")

    def __init__(self, app: AppCredentials | None = None, *, http=None):
        super().__init__(app, http=http)
        # Injected so tests neither sleep nor depend on the wall clock.
        self.sleep = time.sleep
        self.now = lambda: dt.datetime.now(dt.UTC)

    # --- content rules ---------------------------------------------------------------

    def instance_limits(self, base_url: str) -> dict:
        """This instance's own limits (``GET /api/v2/instance``; many allow more than 500
        characters), as ``Adapter.LIMIT_FIELDS`` values; what it does not say is left out."""
        response = self._send("GET", _api(base_url, "/api/v2/instance"))
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise Transient("The instance description (/api/v2/instance) is not a JSON object")
        configuration = body.get("configuration") if isinstance(body.get("configuration"), dict) else {}
        statuses = configuration.get("statuses") if isinstance(configuration.get("statuses"), dict) else {}
        media = configuration.get("media_attachments")
        media = media if isinstance(media, dict) else {}
        announced = {
            "max_text_length": statuses.get("max_characters"),
            "max_images": statuses.get("max_media_attachments"),
            "characters_reserved_per_url": statuses.get("characters_reserved_per_url"),
            "max_image_bytes": media.get("image_size_limit"),
        }
        polls = configuration.get("polls") if isinstance(configuration.get("polls"), dict) else {}
        announced["max_poll_options"] = polls.get("max_options")
        announced["max_poll_option_length"] = polls.get("max_characters_per_option")
        announced["max_video_bytes"] = media.get("video_size_limit")
        announced["max_video_fps"] = media.get("video_frame_rate_limit")
        announced["max_video_pixels"] = media.get("video_matrix_limit")
        limits = {
            name: value
            for name, value in announced.items()
            if isinstance(value, int) and not isinstance(value, bool) and value > 0
        }
        for name, prefix in (("image_types", "image/"), ("video_types", "video/")):
            types = [t for t in media.get("supported_mime_types") or [] if isinstance(t, str) and t.startswith(prefix)]
            if types:
                limits[name] = types
        return limits

    def apply_limits(self, limits: dict | None) -> MastodonAdapter:
        """The base class's reading, then the video limits together as this account's
        ``video_rules`` (what the composer and ``validate`` judge a video by)."""
        super().apply_limits(limits)
        types = (limits or {}).get("video_types")
        if isinstance(types, (list, tuple)) and types and all(isinstance(t, str) for t in types):
            self.video_types = tuple(types)
        self.video_rules = VIDEO_RULES.with_limits(
            max_bytes=self.max_video_bytes,
            max_fps=self.max_video_fps,
            max_pixels=self.max_video_pixels,
            mime_types=tuple(self.video_types),
        )
        return self

    def account_limits(self, account: AccountContext) -> dict:
        return self.instance_limits(account.base_url)

    def text_length(self, text: str) -> int:
        return post_text.mastodon_length(text)

    def validate(self, content: PostContent) -> list[Problem]:
        problems = []
        status = _status_text(content)
        options = self.clean_options(content.options)
        # A poll needs a question: Mastodon refuses a status without text unless it has media.
        if not status.strip() and not content.media:
            problems.append(self.empty_post_problem())
        too_long = self.too_long_problem(status)
        warning = options.get("spoiler_text", "")
        if warning and too_long is None:
            # The content warning counts against the limit together with the text.
            over = len(warning) + self.text_length(status) - self.max_text_length
            if over > 0:
                too_long = Problem(
                    "text",
                    f"With its content warning, this is {over:,} character{'s' if over != 1 else ''} over "
                    f"Mastodon's {self.max_text_length:,}-character limit (the warning counts too).",
                    TOO_LONG,
                )
        if too_long:
            problems.append(too_long)
        images = self.images_of(content)  # videos are judged by ``video_problems``
        if len(images) > self.max_images:
            problems.append(self.too_many_images_problem(len(images)))
        for number, item in enumerate(images, start=1):
            if item.mime_type not in self.image_types:
                problems.append(self.image_type_problem(number, item.mime_type))
            if item.byte_size > self.max_image_bytes:
                problems.append(
                    Problem(
                        "media",
                        f"Image {number} is {_megabytes(item.byte_size)}; Mastodon takes images up to "
                        f"{_megabytes(self.max_image_bytes)}.",
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
        for name in ("visibility", "spoiler_text", "language"):
            value = post_options.text_value(options.get(name))
            if value:
                cleaned[name] = value.lower() if name != "spoiler_text" else value
        if post_options.flag(options.get("sensitive")):
            cleaned["sensitive"] = True
        poll = post_options.clean_poll(options.get("poll"), multiple=True)
        if poll:
            cleaned["poll"] = poll
        return cleaned

    def option_problems(self, content: PostContent) -> list[Problem]:
        options = self.clean_options(content.options)
        problems = []
        visibility = post_options.choice_problem(
            options.get("visibility", ""), VISIBILITIES, what="a visibility", label=self.label
        )
        if visibility:
            problems.append(visibility)
        language = post_options.language_problem(options.get("language", ""), label=self.label)
        if language:
            problems.append(language)
        problems.extend(
            post_options.poll_problems(
                options.get("poll"),
                label=self.label,
                max_options=self.max_poll_options,
                max_option_length=self.max_poll_option_length,
                min_minutes=5,
                max_minutes=30 * 1440,
                has_media=bool(content.media),
            )
        )
        return problems

    # --- connection ----------------------------------------------------------------------

    def register_app(self, base_url: str, redirect_uri: str) -> AppCredentials:
        """Register SMM as an OAuth client on this instance (once per instance)."""
        response = self._send(
            "POST",
            _api(base_url, "/api/v1/apps"),
            data={
                "client_name": "SMM",
                "redirect_uris": redirect_uri,
                "scopes": SCOPES,
            },
        )
        body = response.json()
        return AppCredentials(client_id=body["client_id"], client_secret=body.get("client_secret", ""))

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str, base_url: str = "") -> str:
        return authorize_url(
            f"{_base(base_url)}/oauth/authorize",
            client_id=self.app.client_id,
            redirect_uri=redirect_uri,
            scope=SCOPES,
            state=state,
            code_verifier=code_verifier,
        )

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str, base_url: str = ""
    ) -> ConnectedAccount:
        base = _base(base_url)
        response = self._send(
            "POST",
            f"{base}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
                "scope": SCOPES,
            },
        )
        token = response.json()["access_token"]
        me = self._send(
            "GET",
            f"{base}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        try:
            limits = self.instance_limits(base)
        except PlatformError as exc:
            # The account is connected all the same; the stock limits apply until the
            # daily account pull reads the instance's own.
            logger.info("Could not read the limits of %s: %s", base, exc.message)
            limits = {}
        return ConnectedAccount(
            remote_id=str(me["id"]),
            handle=f"@{me['username']}@{urlsplit(base).hostname}",
            display_name=me.get("display_name") or me["username"],
            avatar_url=me.get("avatar", ""),
            base_url=base,
            credentials={"access_token": token},
            limits=limits,
        )

    # --- publishing ----------------------------------------------------------------------

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        # Uploaded media ids are kept between attempts: a retry after the status call
        # failed reuses them instead of uploading the images again.
        # The time we first sent the status bounds how long the Idempotency-Key is
        # still honoured when ``lookup_published`` runs. Both are saved in one step,
        # before the status call (one database write per publish, not two).
        progress = {}
        if self.videos_of(content):
            # Uploaded, then processed by the server while we wait (StillProcessing).
            media_ids = self._ready_video(account, content, attempt)
        else:
            media_ids = attempt.state.get("media_ids")
            if media_ids is None or len(media_ids) != len(content.media):
                media_ids = [self._upload_media(account, item) for item in content.media]
                progress["media_ids"] = media_ids
        if not attempt.state.get("status_sent_at"):
            progress["status_sent_at"] = self.now().isoformat()
        if progress:
            attempt.remember(**progress)
        try:
            return self._post_status(account, self._status_payload(content, media_ids), attempt.idempotency_key)
        except Permanent as exc:
            if not (media_ids and exc.status == 422 and NOT_FINISHED in exc.message.lower()):
                raise
            # Refused, so nothing was created: the key is still unspent, and the wait for
            # the media is not an attempt. Check the media again before the next send,
            # up to the same limit as a video's processing.
            since = attempt.state.get("not_ready_since") or self.now().isoformat()
            if self.now() - dt.datetime.fromisoformat(since) > VIDEO_PROCESSING_LIMIT:
                minutes = int(VIDEO_PROCESSING_LIMIT.total_seconds() // 60)
                raise Permanent(
                    f"Mastodon still refuses the media as not processed since {since}: {exc.message}",
                    user_message=f"Mastodon has not finished processing the media in over {minutes} minutes, "
                    "so we stopped waiting. Send the post again later, or with smaller media.",
                    status=exc.status,
                ) from exc
            attempt.remember(status_sent_at=None, video_ready=False, not_ready_since=since)
            raise StillProcessing(
                f"Mastodon has not finished processing the media: {exc.message}",
                user_message="Mastodon is still processing the video; we will post it as soon as it is ready.",
                check_after=VIDEO_CHECK_AFTER,
            ) from exc

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        """Resolve a lost answer by sending the same status with the same Idempotency-Key.

        This is the way Mastodon documents: within the key's lifetime the server answers
        with the status it already created instead of creating another. It means the
        lookup *completes* a publish that never arrived rather than reporting None; one
        post exists afterwards either way, which is what the caller wants.

        - No status was ever sent (the attempt never got that far): None.
        - The key may have expired on the server (sent over ~an hour ago): a re-send
          could post twice, and Mastodon returns statuses as HTML, which we cannot match
          reliably against the text, so we raise ``OutcomeUnknown`` and a person decides.
        - Caveat from Mastodon's implementation: the key is recorded after success, so a
          re-send while the first request is *still being processed* is not deduplicated.
          The caller only looks up after the publishing lease expired, long after a
          request's read timeout, which makes that window practically closed.
        """
        sent_at = attempt.state.get("status_sent_at")
        if not sent_at:
            return None
        if self.now() - dt.datetime.fromisoformat(sent_at) > IDEMPOTENCY_WINDOW:
            raise OutcomeUnknown(
                "Mastodon's idempotency key has expired; cannot tell whether the post went out",
                user_message="We could not confirm whether this post reached Mastodon. "
                "Look at the account: say whether the post is there, or send it again.",
            )
        media_ids = attempt.state.get("media_ids") or []
        return self._post_status(account, self._status_payload(content, media_ids), attempt.idempotency_key)

    @classmethod
    def remote_id_from_url(cls, url: str, account: AccountContext) -> str | None:
        """A status id is its server's own: only a link on the account's server names it,
        as ``/@user/<id>`` (the page) or ``/users/user/statuses/<id>`` (the ActivityPub id)."""
        if not account.base_url:
            return None
        base, link = urlsplit(_base(account.base_url)), urlsplit(url.strip())
        if link.netloc.lower() != base.netloc.lower():
            return None
        prefix = base.path.rstrip("/")
        if not link.path.startswith(prefix + "/"):
            return None
        found = _STATUS_PATH.fullmatch(link.path[len(prefix) :])
        return (found.group(1) or found.group(2)) if found else None

    # --- metrics -------------------------------------------------------------------------

    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        metrics = {}
        for remote_id in remote_ids:
            try:
                status = self._call(account, "GET", f"/api/v1/statuses/{remote_id}").json()
            except Permanent as exc:
                if exc.status == 404:
                    continue  # deleted on the network: nothing to measure
                raise
            reblogs = status.get("reblogs_count")
            quotes = status.get("quotes_count")
            metrics[remote_id] = PostMetrics(
                remote_id=remote_id,
                likes=status.get("favourites_count"),
                comments=status.get("replies_count"),
                # Quotes are re-shares with a comment, so they count as shares; older
                # servers do not report quotes at all.
                shares=None if reblogs is None else reblogs + (quotes or 0),
                # Mastodon reports no impressions, reach, saves or clicks: None, not 0.
            )
        return metrics

    def fetch_account_metrics(self, account: AccountContext) -> AccountMetrics:
        me = self._call(account, "GET", "/api/v1/accounts/verify_credentials").json()
        return AccountMetrics(
            followers=me.get("followers_count"),
            following=me.get("following_count"),
            posts_count=me.get("statuses_count"),
        )

    # --- inbox ---------------------------------------------------------------------------

    def fetch_inbox(self, account: AccountContext, cursor: str = "") -> InboxPage:
        # min_id (not since_id) returns the notifications *immediately* after the
        # cursor, so a burst of more than one page is read in order without a gap.
        params: list[tuple[str, str]] = [("types[]", "mention"), ("limit", "40")]
        if cursor:
            params.append(("min_id", cursor))
        notifications = self._call(account, "GET", "/api/v1/notifications", params=params).json()
        items = []
        newest = cursor
        for notification in notifications:
            newest = _max_id(newest, str(notification["id"]))
            status = notification.get("status")
            if notification.get("type") != "mention" or not status:
                continue
            items.append(self._inbox_item(account, notification, status))
        items.sort(key=lambda item: item.created_at)
        return InboxPage(items=items, cursor=newest)

    def reply(self, account: AccountContext, item: InboxItem, text: str) -> PublishResult:
        # Mastodon only notifies people who are mentioned, so the reply starts with the
        # author's handle unless the writer already put it in.
        handle = item.author_handle if item.author_handle.startswith("@") else f"@{item.author_handle}"
        status = text if _mentions(text, handle, account.base_url) else f"{handle} {text}"
        payload = {
            "status": status,
            "in_reply_to_id": item.remote_id,
            "visibility": "direct" if item.kind == "dm" else "public",
        }
        # A reply has no stored attempt; a key derived from what is answered and how
        # keeps a double click (or a retried request) from answering twice.
        key = hashlib.sha256(f"reply:{item.remote_id}:{status}".encode()).hexdigest()
        return self._post_status(account, payload, key)

    def find_reply(
        self, account: AccountContext, item: InboxItem, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        """Our answer among the item's descendants (the thread as our account sees it,
        direct messages included): ours, answering the item, written since ``since``,
        with the text we sent (after the mention the reply starts with)."""
        context = self._call(account, "GET", f"/api/v1/statuses/{item.remote_id}/context").json()
        wanted = " ".join(text.split())
        for status in (context.get("descendants") if isinstance(context, dict) else None) or []:
            if str(status.get("in_reply_to_id")) != str(item.remote_id):
                continue
            if str((status.get("account") or {}).get("id")) != str(account.remote_id):
                continue
            written = _status_time(status)
            if written is None or written < since - REPLY_CLOCK_SKEW:
                continue
            if wanted in " ".join(html_to_text(status.get("content") or "").split()):
                return _status_result(status, written)
        return None

    # --- internals -----------------------------------------------------------------------

    def _status_payload(self, content: PostContent, media_ids: list[str]) -> dict[str, Any]:
        """The status as ``POST /api/v1/statuses`` takes it (JSON). The same content gives
        the same payload, so a re-send with the Idempotency-Key asks for the same status."""
        options = self.clean_options(content.options)
        payload: dict[str, Any] = {"status": _status_text(content), "visibility": options.get("visibility", "public")}
        if media_ids:
            payload["media_ids"] = list(media_ids)
        if content.in_reply_to:
            payload["in_reply_to_id"] = content.in_reply_to
        if options.get("spoiler_text"):
            payload["spoiler_text"] = options["spoiler_text"]
        if options.get("sensitive"):
            payload["sensitive"] = True
        if options.get("language"):
            payload["language"] = options["language"]
        poll = options.get("poll")
        if poll:
            payload["poll"] = {
                "options": list(poll["options"]),
                "expires_in": int(poll["duration_minutes"]) * 60,
                "multiple": bool(poll.get("multiple")),
            }
        return payload

    def _post_status(self, account: AccountContext, payload: dict[str, Any], idempotency_key: str) -> PublishResult:
        response = self._call(
            account,
            "POST",
            "/api/v1/statuses",
            json=payload,
            headers={"Idempotency-Key": idempotency_key},
        )
        try:
            status = response.json()
        except ValueError:
            status = None
        if not isinstance(status, dict) or not status.get("id"):
            # Accepted, but we cannot tell which status it made: looked up, never re-sent.
            raise UnreadableAnswer(f"Mastodon answered {response.status_code} without a status id", label=self.label)
        return _status_result(status, _status_time(status) or self.now())

    def _upload_media(self, account: AccountContext, item: MediaItem) -> str:
        data = item.data if item.data is not None else self.download(item.url or "")
        response = self._call(
            account,
            "POST",
            "/api/v2/media",
            files={"file": (item.filename, data, item.mime_type)},
            data={"description": item.alt_text} if item.alt_text else None,
        )
        media = response.json()
        media_id = str(media["id"])
        if response.status_code == 200 and media.get("url"):
            return media_id
        # 202: accepted, still processing. Poll until 200 (206 means "not yet").
        for _ in range(MEDIA_POLL_ATTEMPTS):
            self.sleep(MEDIA_POLL_INTERVAL)
            polled = self._call(account, "GET", f"/api/v1/media/{media_id}")
            if polled.status_code == 200:
                return media_id
        raise Transient(
            f"Mastodon is still processing media {media_id}",
            user_message="Mastodon is taking a long time to process an image; we will try again shortly.",
        )

    def _ready_video(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> list[str]:
        """The media id of the post's video once the server has processed it.

        The first call uploads it (streamed from disk) and, when the server answers 202
        (processing), saves the media id and raises ``StillProcessing``; each later call
        asks ``GET /api/v1/media/:id`` once: 206 still processing (again ``StillProcessing``,
        up to ``VIDEO_PROCESSING_LIMIT``), 200 ready. The id is saved before anything else
        happens, so one target never uploads its video twice, unless the server lost it
        (404: expired or deleted), which is uploaded again."""
        problems = self.video_problems(content)
        if problems:
            self.raise_problems(problems)
        item = self.videos_of(content)[0]
        state = attempt.state
        media_id = state.get("video_media_id")
        if media_id and state.get("video_ready"):
            return [media_id]
        if media_id:
            try:
                polled = self._call(account, "GET", f"/api/v1/media/{media_id}")
            except Permanent as exc:
                if exc.status == 404:
                    logger.info("Mastodon media %s is gone (expired or deleted); uploading the video again", media_id)
                    media_id = None
                elif exc.status == 422:
                    # Mastodon's answer for media whose processing failed.
                    raise Permanent(
                        exc.message,
                        user_message=f"Mastodon could not process the video: {_video_advice()}",
                        status=exc.status,
                    ) from exc
                else:
                    raise
            else:
                if polled.status_code == 200:
                    attempt.remember(video_ready=True, media_ids=[media_id])
                    return [media_id]
                self._check_processing_time(state)
                raise StillProcessing(
                    f"Mastodon is processing video {media_id}",
                    user_message="Mastodon is processing the video; we will post it as soon as it is ready.",
                    check_after=VIDEO_CHECK_AFTER,
                )
        media_id, ready = self._upload_video(account, item, attempt)
        attempt.remember(
            video_media_id=media_id,
            video_uploaded_at=self.now().isoformat(),
            video_ready=ready,
            media_ids=[media_id] if ready else None,
        )
        if ready:
            return [media_id]
        raise StillProcessing(
            f"Mastodon accepted video {media_id} and is processing it",
            user_message="Uploaded to Mastodon; it is processing the video, and we will post it when it is ready.",
            check_after=VIDEO_CHECK_AFTER,
        )

    def _check_processing_time(self, state: dict) -> None:
        uploaded_at = state.get("video_uploaded_at")
        if not uploaded_at:
            return
        waited = self.now() - dt.datetime.fromisoformat(uploaded_at)
        if waited > VIDEO_PROCESSING_LIMIT:
            minutes = int(VIDEO_PROCESSING_LIMIT.total_seconds() // 60)
            raise Permanent(
                f"Mastodon did not finish processing video {state.get('video_media_id')} in {waited}",
                user_message=f"Mastodon has been processing the video for over {minutes} minutes without "
                "finishing, so we stopped waiting. Try a shorter or smaller video (MP4, H.264), "
                "or send it again later.",
            )

    def _upload_video(self, account: AccountContext, item: MediaItem, attempt: PublishAttempt) -> tuple[str, bool]:
        """``POST /api/v2/media`` with the video streamed from disk (multipart, exact
        Content-Length, never the whole file in memory), its alt text as ``description``
        and its poster frame as ``thumbnail``. Returns (media id, processed already).
        Mastodon has no resumable upload: a worker that dies mid-way leaves no media id,
        and the next attempt sends the file again."""
        from requests_toolbelt import MultipartEncoder, MultipartEncoderMonitor

        if not item.path or not os.path.exists(item.path):
            raise Permanent(
                "The video has no local file to upload",
                user_message="The video file is missing from the media library; attach it again.",
            )
        with ExitStack() as files:
            fields: dict[str, Any] = {
                "file": (item.filename or "video.mp4", files.enter_context(open(item.path, "rb")), item.mime_type)
            }
            if item.alt_text:
                fields["description"] = item.alt_text[:1500]
            if item.thumbnail_path and os.path.exists(item.thumbnail_path):
                poster = files.enter_context(open(item.thumbnail_path, "rb"))
                fields["thumbnail"] = ("poster.jpg", poster, "image/jpeg")
            # remembering progress renews the publishing lease while the file streams
            beat = Heartbeat(
                lambda sent: attempt.remember(video_upload_sent=sent), every_seconds=VIDEO_UPLOAD_RENEW_EVERY
            )

            def sending(monitor: MultipartEncoderMonitor) -> None:
                beat(monitor.bytes_read)

            body = MultipartEncoderMonitor(MultipartEncoder(fields=fields), sending)
            token = account.credentials.get("access_token", "")
            response = self.http.request(
                "POST",
                _api(account.base_url, "/api/v2/media"),
                data=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": body.content_type},
                timeout=VIDEO_UPLOAD_TIMEOUT,
            )
        self._raise_for_video_upload(response, item)
        try:
            media = response.json()
        except ValueError:
            media = None
        if not isinstance(media, dict) or not media.get("id"):
            # Uploaded but unnamed: nothing was posted, so uploading again is safe.
            raise Transient(
                f"Mastodon answered the video upload with {response.status_code} but no media id",
                user_message="Mastodon did not confirm the video upload; we will try again.",
            )
        return str(media["id"]), response.status_code == 200 and bool(media.get("url"))

    def _raise_for_video_upload(self, response: requests.Response, item: MediaItem) -> None:
        """The upload's refusals in a marketer's words; anything else as for every call."""
        status = response.status_code
        if status < 400:
            return
        host = urlsplit(response.url or "").hostname or "your Mastodon server"
        if status == 413:
            # Said by the web server in front of Mastodon (nginx's client_max_body_size), as HTML.
            raise Permanent(
                f"HTTP 413 from {host} for a video of {item.byte_size} bytes",
                user_message=f"The video ({_megabytes(item.byte_size)}) is larger than {host} takes. "
                "Make it shorter or smaller and try again.",
                status=status,
            )
        message = _error_message(response)
        lower = message.lower()
        if status == 422:
            dimensions = re.search(r"(\d+)x(\d+) videos are not supported", message)
            fps = re.search(r"(\d+)\s*fps videos are not supported", message)
            if dimensions:
                advice = (
                    f"{host} does not take {dimensions.group(1)}x{dimensions.group(2)} videos. "
                    "Convert it to a smaller size (1920x1080 plays everywhere) and try again."
                )
            elif fps:
                advice = (
                    f"{host} does not take videos at {fps.group(1)} frames a second. "
                    "Convert it to 30 or 60 frames a second and try again."
                )
            elif "size" in lower:
                size = _megabytes(item.byte_size)
                advice = f"The video ({size}) is larger than {host} takes: {_strip_prefix(message)}."
            elif "type" in lower or "could not be verified" in lower:
                advice = f"{host} does not take this kind of file. {_video_advice()}"
            else:
                advice = f"{host} refused the video: {_strip_prefix(message)}"
            raise Permanent(message, user_message=advice, status=status)
        if status == 500 and "error processing" in lower:
            # Mastodon's answer when its converter fails on the file (Paperclip::Error).
            raise Permanent(
                message, user_message=f"Mastodon could not process the video: {_video_advice()}", status=status
            )
        self._raise_for_status(response)

    def _inbox_item(self, account: AccountContext, notification: dict, status: dict) -> InboxItem:
        author = status.get("account") or notification.get("account") or {}
        answers_us = account.remote_id and str(status.get("in_reply_to_account_id") or "") == account.remote_id
        if status.get("visibility") == "direct":
            kind = "dm"
        elif answers_us:
            kind = "reply"
        else:
            kind = "mention"
        parent = str(status.get("in_reply_to_id") or "")
        return InboxItem(
            remote_id=str(status["id"]),
            kind=kind,
            text=html_to_text(status.get("content", "")),
            created_at=parse_iso(status.get("created_at") or notification["created_at"]),
            author_handle=_full_handle(author.get("acct", ""), account.base_url),
            author_name=author.get("display_name") or author.get("username", ""),
            author_avatar=author.get("avatar", ""),
            author_followers=author.get("followers_count"),
            url=status.get("url") or status.get("uri", ""),
            post_remote_id=parent if answers_us else "",
            parent_remote_id=parent,
        )

    def _call(self, account: AccountContext, method: str, path: str, **kwargs) -> requests.Response:
        token = account.credentials.get("access_token", "")
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return self._send(method, _api(account.base_url, path), headers=headers, **kwargs)

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        response = self.http.request(method, url, **kwargs)
        self._raise_for_status(response)
        return response

    def _raise_for_status(self, response: requests.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        message = _error_message(response)
        error = standard_error(status, message, label=self.label, retry_after=lambda: self._retry_after(response))
        if error is not None:
            raise error
        if status == 422:
            raise Permanent(message, user_message=f"Mastodon refused the post: {_strip_prefix(message)}", status=status)
        if status == 403:
            raise Permanent(
                message,
                user_message=f"Mastodon does not allow this for this account: {message}",
                status=status,
            )
        if status == 404:
            raise Permanent(message, user_message="Mastodon could not find what we asked for.", status=status)
        raise Permanent(message, user_message=f"Mastodon refused the request: {message}", status=status)

    def _retry_after(self, response: requests.Response) -> float | None:
        # Mastodon sends the reset moment as an ISO-8601 timestamp, not a number of
        # seconds; Retry-After is only a fallback for proxies in front of it.
        reset = response.headers.get("X-RateLimit-Reset")
        if reset:
            try:
                moment = parse_iso(reset)
            except ValueError:
                moment = None
            if moment is not None:
                return max(0.0, (moment - self.now()).total_seconds())
        return retry_after(response.headers, self.now())


# --- module helpers ------------------------------------------------------------------------


def html_to_text(html: str) -> str:
    """Mastodon delivers statuses as HTML; the inbox shows plain text with line breaks."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).strip()


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._paragraphs = 0

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p":
            if self._paragraphs:
                self.parts.append("\n\n")
            self._paragraphs += 1

    def handle_data(self, data):
        self.parts.append(data)


def _status_time(status: dict[str, Any]) -> dt.datetime | None:
    try:
        return parse_iso(status["created_at"])
    except (KeyError, TypeError, ValueError):
        return None


def _status_result(status: dict[str, Any], written: dt.datetime) -> PublishResult:
    return PublishResult(
        remote_id=str(status["id"]), url=status.get("url") or status.get("uri") or "", published_at=written
    )


def _status_text(content: PostContent) -> str:
    # Mastodon has no separate link field: the link goes at the end of the text,
    # unless the writer already put it in.
    text = content.text
    if content.link and content.link not in text:
        text = f"{text.rstrip()}\n\n{content.link}" if text.strip() else content.link
    return text


def _mentions(text: str, handle: str, base_url: str) -> bool:
    """Whether ``text`` already mentions ``handle``: in full, or as the short "@user" when
    the user is on our own instance (elsewhere the short form names someone else)."""
    user, _, domain = handle.lstrip("@").partition("@")
    forms = [handle.lstrip("@")]
    if not domain or domain.lower() == (urlsplit(base_url).hostname or "").lower():
        forms.append(user)
    return any(re.search(rf"(?<![\w@])@{re.escape(form)}(?![\w@])", text, re.IGNORECASE) for form in forms)


def _full_handle(acct: str, base_url: str) -> str:
    """Mastodon gives local users' ``acct`` without a domain ("sam"); we always show
    the whole address ("@sam@social.example"), as our own account's handle is shown."""
    acct = acct.lstrip("@")
    if acct and "@" not in acct and urlsplit(base_url).hostname:
        acct = f"{acct}@{urlsplit(base_url).hostname}"
    return post_text.at_handle(acct)


_STATUS_PATH = re.compile(r"/@[^/]+/(\d+)/?|/users/[^/]+/statuses/(\d+)/?")


def _base(base_url: str) -> str:
    if not base_url:
        raise Permanent("A Mastodon account needs its instance URL", user_message="Enter your Mastodon server.")
    base = base_url.strip().rstrip("/")
    if "://" not in base:
        base = f"https://{base}"
    return base


def _api(base_url: str, path: str) -> str:
    return f"{_base(base_url)}{path}"


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}".strip()
    if isinstance(body, dict):
        message = body.get("error_description") or body.get("error")
        if message:
            return str(message)
    return f"HTTP {response.status_code}"


def _strip_prefix(message: str) -> str:
    # "Validation failed: Text character limit of 500 exceeded" -> the part that matters.
    prefix = "Validation failed: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _max_id(current: str, candidate: str) -> str:
    # Mastodon ids are numeric strings of varying length: compare as numbers.
    if not current:
        return candidate
    if current.isdigit() and candidate.isdigit():
        return candidate if int(candidate) > int(current) else current
    return max(current, candidate)


def _video_advice() -> str:
    return (
        "it may use a codec Mastodon does not play, or be damaged. "
        "Convert it to MP4 (H.264 video, AAC sound) and try again."
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
