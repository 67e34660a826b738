"""Bluesky (AT Protocol) on the account's PDS: app-password sessions, records, facets, inbox.

Publishing is made safe to repeat by choosing the record key (a TID) ourselves and
saving it before ``createRecord``: a second create with the same key cannot make a
second post, and ``getRecord`` with that key tells whether the first one landed.

Video goes through Bluesky's video service before the post exists (the official
tutorial's "recommended method"): upload limits checked, the file streamed from disk to
``app.bsky.video.uploadVideo`` with a service token for the account's PDS, the job
polled until it hands back the blob, then the post with an ``app.bsky.embed.video``.
The job id and then the blob are kept in the attempt's state: a later call never
uploads again, and the record key is chosen only once the blob is there.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import secrets
import time
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

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
    RateLimited,
    StillProcessing,
    Transient,
    parse_iso,
)
from smm.platforms.errors import epoch_reset, on_their_side, rate_limited, retry_after
from smm.platforms.video import FileRange, Heartbeat, VideoRules

logger = logging.getLogger(__name__)

# app.bsky.embed.video: up to 20 captions, each a text/vtt blob of up to 20,000 bytes.
MAX_CAPTIONS = 20
MAX_CAPTION_BYTES = 20_000

DEFAULT_PDS = "https://bsky.social"
POST_COLLECTION = "app.bsky.feed.post"
THREADGATE_COLLECTION = "app.bsky.feed.threadgate"
MAX_LANGS = 3  # app.bsky.feed.post#langs: maxLength 3
# Who may reply (a threadgate's ``allow`` rules; "everybody" is no threadgate at all).
REPLY_RULES = {
    "everybody": "Everybody",
    "nobody": "Nobody",
    "mentioned": "People mentioned",
    "followers": "Your followers",
    "following": "People you follow",
}
_ALLOW = {
    "nobody": [],
    "mentioned": [{"$type": f"{THREADGATE_COLLECTION}#mentionRule"}],
    "followers": [{"$type": f"{THREADGATE_COLLECTION}#followerRule"}],
    "following": [{"$type": f"{THREADGATE_COLLECTION}#followingRule"}],
}
MAX_TEXT_BYTES = 3000
GET_POSTS_BATCH = 25  # app.bsky.feed.getPosts takes at most 25 URIs
INBOX_REASONS = ("mention", "reply", "quote")
INBOX_MAX_PAGES = 5

# Errors with which the PDS says "this token is no good", as opposed to "expired".
_EXPIRED = {"ExpiredToken"}
_INVALID = {"InvalidToken", "AuthenticationRequired", "AccountTakedown", "AuthMissing"}

# --- video (PLATFORMS-VIDEO.md "Bluesky (video)") ---
VIDEO_SERVICE = "https://video.bsky.app"
VIDEO_SERVICE_DID = "did:web:video.bsky.app"
VIDEO_EMBED = "app.bsky.embed.video"
VIDEO_RULES = VideoRules(
    # app.bsky.embed.video: maxSize 300,000,000 ("backend uses ISO megabytes", the official app)
    max_bytes=300_000_000,
    # (check) the official app's 3-minute limit; some accounts get 10 minutes
    max_seconds=180,
    # The video service transcodes these (the official app's input types); GIFs are images here.
    mime_types=("video/mp4", "video/mpeg", "video/webm", "video/quicktime"),
    max_videos=1,
    mix_with_images=False,
)
_VIDEO_EXTENSIONS = {"video/mp4": "mp4", "video/mpeg": "mpeg", "video/webm": "webm", "video/quicktime": "mov"}
_CONVERT = "Convert it to MP4 (H.264) and try again."
# app.bsky.video.defs#jobStatus failureCode -> what a marketer reads
_JOB_FAILURES = {
    "validation_failure": "Bluesky could not read the video: the file may be damaged or in a format it does not "
    f"take. {_CONVERT}",
    "encoding_failure": f"Bluesky could not process the video: it uses a format Bluesky cannot convert. {_CONVERT}",
    "pds_upload_failure": "Bluesky processed the video but could not save it to this account's server. "
    "Publish it again in a while.",
    "pds_upload_unsupported_blob_size": "The video is larger than this account's Bluesky server accepts. "
    "Make it shorter or smaller and try again.",
    "generic_failure": "Bluesky could not process the video. Publish it again, or convert it to MP4 (H.264) first.",
}
_EMAIL_NOT_CONFIRMED = (
    "Bluesky only takes video from accounts with a confirmed email address. Confirm the email in "
    "Bluesky's settings (Settings > Account), then publish again."
)

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# The Bluesky app's addresses of a post (what people copy from it).
_APP_HOSTS = {"bsky.app", "www.bsky.app"}
_POST_PATH = re.compile(r"/profile/([^/]+)/post/([A-Za-z0-9._:~-]+)/?")


class BlueskyAdapter(Adapter):
    name = "bluesky"
    label = "Bluesky"
    connect_kind = "app_password"
    idempotency = "record_key"
    supports_refresh = True
    supports_threads = True

    max_text_length = 300  # graphemes; also at most 3,000 UTF-8 bytes
    max_images = 4
    max_image_bytes = 2_000_000
    image_types = ("image/jpeg", "image/png", "image/webp", "image/gif")
    post_options = ("langs", "reply")
    video_rules = VIDEO_RULES

    # The video service (a class attribute so a test or another deployment can point it).
    video_service = VIDEO_SERVICE
    video_service_did = VIDEO_SERVICE_DID
    video_first_poll_after = 2.0  # s: the upload call looks at the job once after this
    video_check_after = 5.0  # s: then the engine comes back this often while it processes
    video_processing_limit = 30 * 60  # s: the upload's service token lasts 30 min, so does our patience
    video_heartbeat_bytes = 8 * 1024 * 1024  # remember progress (and renew the lease) this often...
    video_heartbeat_seconds = 20.0  # ...or this often, whichever comes first
    video_upload_timeout = (10, 300)  # connect, read (s): a large upload is answered once it is all in
    video_daily_limit_retry = 2 * 3600  # s: Bluesky's daily caps do not say when they reset

    def __init__(self, app=None, *, http=None):
        super().__init__(app, http=http)
        self.now = lambda: dt.datetime.now(dt.UTC)
        self.sleep = time.sleep

    # --- content rules -----------------------------------------------------------------

    def text_length(self, text: str) -> int:
        return post_text.grapheme_length(text)

    def validate(self, content: PostContent) -> list[Problem]:
        problems = []
        text = _post_text(content)
        if not text.strip() and not content.media and not content.link:
            problems.append(self.empty_post_problem())
        too_long = self.too_long_problem(text)
        if too_long:
            problems.append(too_long)
        elif post_text.utf8_length(text) > MAX_TEXT_BYTES:
            # Rare (it takes many multi-byte characters), but Bluesky refuses it.
            problems.append(
                Problem("text", "This text is too long for Bluesky once encoded; please shorten it.", "too_many_bytes")
            )
        images = self.images_of(content)  # videos: video_problems below
        if len(images) > self.max_images:
            problems.append(self.too_many_images_problem(len(images)))
        if any(not item.alt_text.strip() for item in images):
            problems.append(Problem("media", "Bluesky needs alt text on every image.", "alt_missing"))
        for number, item in enumerate(images, start=1):
            if item.mime_type not in self.image_types:
                problems.append(self.image_type_problem(number, item.mime_type))
            if item.byte_size > self.max_image_bytes:
                problems.append(
                    Problem(
                        "media",
                        f"Image {number} is {item.byte_size / 1_000_000:.1f} MB; Bluesky takes images up to 2 MB.",
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
        langs = post_options.language_tags(options.get("langs"), most=MAX_LANGS)
        if langs:
            cleaned["langs"] = langs
        reply = post_options.text_value(options.get("reply")).lower()
        if reply and reply != "everybody":
            cleaned["reply"] = reply
        return cleaned

    def option_problems(self, content: PostContent) -> list[Problem]:
        options = self.clean_options(content.options)
        problems = post_options.language_tag_problems(options.get("langs", []), label=self.label, most=MAX_LANGS)
        rule = post_options.choice_problem(
            options.get("reply", ""), REPLY_RULES, what="who may reply", label=self.label
        )
        if rule:
            problems.append(rule)
        return problems

    # --- connection ------------------------------------------------------------------

    def connect_with_password(self, *, identifier: str, password: str, base_url: str = "") -> ConnectedAccount:
        pds = _base(base_url)
        session = self._create_session(pds, identifier, password)
        account = AccountContext(
            network=self.name,
            remote_id=session["did"],
            handle=session["handle"],
            base_url=pds,
            credentials=_session_credentials(session, password),
        )
        # The profile (name, picture) is cosmetic and comes from the app view, which may not
        # know a new account yet (400/404) or be busy: the session's DID and handle are what
        # the account is; the daily account pull fills the rest in.
        profile = {}
        try:
            profile = self._call(account, "GET", "app.bsky.actor.getProfile", params={"actor": session["did"]})
        except PlatformError as exc:
            logger.info("Connected %s without its Bluesky profile for now: %s", session["did"], exc.message)
        return ConnectedAccount(
            remote_id=session["did"],
            handle=post_text.at_handle(session["handle"]),
            display_name=profile.get("displayName") or session["handle"],
            avatar_url=profile.get("avatar", ""),
            base_url=pds,
            credentials=account.credentials,
            token_expires_at=_jwt_expiry(session.get("refreshJwt", "")),
        )

    def refresh(self, account: AccountContext) -> None:
        """New access token from the refresh token; when that one has run out too (about
        90 days), sign in again with the stored app password so nobody has to reconnect."""
        refresh_token = account.credentials.get("refresh_token", "")
        pds = _base(account.base_url)
        if refresh_token:
            response = self.http.post(
                _xrpc(pds, "com.atproto.server.refreshSession"),
                headers={"Authorization": f"Bearer {refresh_token}"},
            )
            if response.status_code < 400:
                session = response.json()
                account.update_credentials(_session_credentials(session))
                return
            error, _ = _error_parts(response)
            if not (error in _EXPIRED | _INVALID or response.status_code == 401):
                self._raise_for_status(response)
        app_password = account.credentials.get("app_password", "")
        if not app_password:
            raise AuthExpired(
                "Bluesky session expired and no app password is stored",
                user_message="Bluesky signed SMM out of this account. Please reconnect it with an app password.",
            )
        identifier = account.credentials.get("did") or account.remote_id or account.handle.lstrip("@")
        try:
            session = self._create_session(pds, identifier, app_password)
        except Permanent as exc:
            raise AuthExpired(
                exc.message,
                user_message="Bluesky no longer accepts the app password for this account. Please reconnect it.",
                status=exc.status,
            )
        account.update_credentials(_session_credentials(session))

    # --- publishing ----------------------------------------------------------------------

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        rkey = attempt.state.get("rkey")
        if rkey:
            # An earlier attempt chose this key and may have created the record: never
            # create twice (the PDS would answer an opaque 500 anyway).
            existing = self._get_post_record(account, rkey)
            if existing is not None:
                self._gate_replies(account, content, rkey)
                return existing
        videos = self.videos_of(content)
        # A video is processed before the post exists (may raise StillProcessing): the record
        # key is chosen after, so a lookup meanwhile rightly says "not sent".
        video = self._video_embed(account, videos[0], attempt) if videos else None
        if not rkey:
            rkey = new_tid(self.now())
        record = self._build_record(account, content, video=video)
        attempt.remember(rkey=rkey)  # saved before the call that can publish
        result = self._create_post(account, rkey, record)
        self._gate_replies(account, content, rkey)
        return result

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        rkey = attempt.state.get("rkey")
        if not rkey:
            return None  # createRecord was never sent
        found = self._get_post_record(account, rkey)
        if found is not None:
            self._gate_replies(account, content, rkey)
        return found

    def _gate_replies(self, account: AccountContext, content: PostContent, rkey: str) -> None:
        """Who may reply: an ``app.bsky.feed.threadgate`` record with the post's own record
        key, written after the post. ``putRecord`` replaces, so writing it again on a retry
        (the post was found, the gate may not have been written) makes no second record.
        A refused gate (a permanent error) does not undo a published post: it is logged;
        a transient one is raised, and the retry finds the post and writes the gate."""
        rule = self.clean_options(content.options).get("reply")
        if rule not in _ALLOW:
            return
        record = {
            "$type": THREADGATE_COLLECTION,
            "post": _at_uri(_did(account), rkey),
            "allow": list(_ALLOW[rule]),
            "createdAt": _iso(self.now()),
        }
        try:
            self._call(
                account,
                "POST",
                "com.atproto.repo.putRecord",
                json={"repo": _did(account), "collection": THREADGATE_COLLECTION, "rkey": rkey, "record": record},
            )
        except Permanent as exc:
            logger.warning("Bluesky refused the reply settings of %s: %s", _at_uri(_did(account), rkey), exc.message)

    @classmethod
    def remote_id_from_url(cls, url: str, account: AccountContext) -> str | None:
        """``https://bsky.app/profile/<handle or DID>/post/<rkey>`` of this account: the
        record's at:// URI, built on the account's DID (a handle can change, the DID not)."""
        link = urlsplit(url.strip())
        found = _POST_PATH.fullmatch(link.path)
        did = _did(account)
        if link.netloc.lower() not in _APP_HOSTS or found is None or not did:
            return None
        who = unquote(found.group(1)).lower()
        if who not in {did.lower(), account.handle.lstrip("@").lower()}:
            return None  # someone else's post
        return _at_uri(did, found.group(2))

    # --- metrics -----------------------------------------------------------------------

    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        metrics = {}
        for start in range(0, len(remote_ids), GET_POSTS_BATCH):
            batch = remote_ids[start : start + GET_POSTS_BATCH]
            body = self._call(account, "GET", "app.bsky.feed.getPosts", params=[("uris", uri) for uri in batch])
            for post in body.get("posts", []):
                reposts = post.get("repostCount")
                metrics[post["uri"]] = PostMetrics(
                    remote_id=post["uri"],
                    likes=post.get("likeCount"),
                    comments=post.get("replyCount"),
                    # Quotes are re-shares with a comment, so they count as shares.
                    shares=None if reposts is None else reposts + (post.get("quoteCount") or 0),
                    # Bluesky reports no impressions, reach, saves or clicks: None, not 0.
                )
        return metrics

    def fetch_account_metrics(self, account: AccountContext) -> AccountMetrics:
        profile = self._call(account, "GET", "app.bsky.actor.getProfile", params={"actor": _did(account)})
        return AccountMetrics(
            followers=profile.get("followersCount"),
            following=profile.get("followsCount"),
            posts_count=profile.get("postsCount"),
            display_name=profile.get("displayName") or None,
            avatar_url=profile.get("avatar") or None,
        )

    # --- inbox ---------------------------------------------------------------------------

    def fetch_inbox(self, account: AccountContext, cursor: str = "") -> InboxPage:
        """Notifications newer than ``cursor`` (the newest ``indexedAt`` seen last time).

        listNotifications pages backwards in time, so we read from the newest until we
        reach what we had already seen (or a page limit, for a very first read)."""
        seen_until = parse_iso(cursor) if cursor else None
        items: list[InboxItem] = []
        newest = cursor
        page_cursor = ""
        for _ in range(INBOX_MAX_PAGES):
            params: list[tuple[str, str]] = [("limit", "50")] + [("reasons", reason) for reason in INBOX_REASONS]
            if page_cursor:
                params.append(("cursor", page_cursor))
            body = self._call(account, "GET", "app.bsky.notification.listNotifications", params=params)
            reached_seen = False
            for notification in body.get("notifications", []):
                indexed_at = parse_iso(notification["indexedAt"])
                if seen_until is not None and indexed_at <= seen_until:
                    reached_seen = True
                    continue
                if not newest or indexed_at > parse_iso(newest):
                    newest = notification["indexedAt"]
                if notification.get("reason") in INBOX_REASONS:
                    items.append(self._inbox_item(account, notification))
            page_cursor = body.get("cursor", "")
            if reached_seen or not page_cursor or seen_until is None:
                break
        items.sort(key=lambda item: item.created_at)
        return InboxPage(items=items, cursor=newest)

    def reply(self, account: AccountContext, item: InboxItem, text: str) -> PublishResult:
        # The record key is ours, so the answer needs no parsing: a 2xx means it exists.
        content = PostContent(text=text, in_reply_to=item.remote_id)
        rkey = new_tid(self.now())
        record = self._build_record(account, content)
        return self._create_post(account, rkey, record)

    def find_reply(
        self, account: AccountContext, item: InboxItem, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        """Among the item's direct replies (its thread one level deep): ours, with our text."""
        body = self._call(
            account, "GET", "app.bsky.feed.getPostThread", params={"uri": item.remote_id, "depth": 1, "parentHeight": 0}
        )
        for reply in (body.get("thread") or {}).get("replies") or []:
            post = reply.get("post") or {}
            record = post.get("record") or {}
            ours = (post.get("author") or {}).get("did") == _did(account)
            if not ours or (record.get("text") or "").strip() != text.strip():
                continue
            try:
                written = parse_iso(record["createdAt"])
            except (KeyError, TypeError, ValueError):
                written = None
            if written is not None and written < since - REPLY_CLOCK_SKEW:
                continue
            uri = str(post.get("uri") or "")
            if uri:
                return PublishResult(
                    remote_id=uri, url=post_url(account, uri.rsplit("/", 1)[-1]), published_at=written or self.now()
                )
        return None

    # --- records ---------------------------------------------------------------------------

    def _create_post(self, account: AccountContext, rkey: str, record: dict[str, Any]) -> PublishResult:
        self._call(
            account,
            "POST",
            "com.atproto.repo.createRecord",
            json={"repo": _did(account), "collection": POST_COLLECTION, "rkey": rkey, "record": record},
        )
        return PublishResult(
            remote_id=_at_uri(_did(account), rkey),
            url=post_url(account, rkey),
            published_at=parse_iso(record["createdAt"]),
        )

    def _build_record(
        self, account: AccountContext, content: PostContent, *, video: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        text = _post_text(content)
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": _iso(self.now()),
        }
        langs = self.clean_options(content.options).get("langs")
        if langs:
            record["langs"] = list(langs[:MAX_LANGS])
        facets = self._facets(account, text)
        if facets:
            record["facets"] = facets
        if video is not None:
            record["embed"] = video
        elif self.images_of(content):
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [self._image(account, item) for item in self.images_of(content)],
            }
        elif content.link:
            # A card without fetching the page: the URL stands in for the title.
            record["embed"] = {
                "$type": "app.bsky.embed.external",
                "external": {"uri": content.link, "title": content.link, "description": ""},
            }
        if content.in_reply_to:
            record["reply"] = self._reply_ref(account, content.in_reply_to)
        return record

    def _facets(self, account: AccountContext, text: str) -> list[dict[str, Any]]:
        facets = []
        for span in post_text.bluesky_spans(text):
            if span.kind == "link":
                feature = {"$type": "app.bsky.richtext.facet#link", "uri": span.value}
            elif span.kind == "tag":
                feature = {"$type": "app.bsky.richtext.facet#tag", "tag": span.value}
            else:
                did = self._resolve_handle(account, span.value)
                if not did:
                    continue  # an unknown handle stays plain text, as in Bluesky's own app
                feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
            facets.append(
                {
                    "index": {"byteStart": span.byte_start, "byteEnd": span.byte_end},
                    "features": [feature],
                }
            )
        return facets

    def _resolve_handle(self, account: AccountContext, handle: str) -> str:
        try:
            body = self._call(account, "GET", "com.atproto.identity.resolveHandle", params={"handle": handle})
        except Permanent:
            return ""
        return body.get("did", "")

    def _image(self, account: AccountContext, item: MediaItem) -> dict[str, Any]:
        data = item.data if item.data is not None else self.download(item.url or "")
        body = self._call(
            account,
            "POST",
            "com.atproto.repo.uploadBlob",
            data=data,
            headers={"Content-Type": item.mime_type},
        )
        image: dict[str, Any] = {"alt": item.alt_text, "image": body["blob"]}
        if item.width and item.height:
            image["aspectRatio"] = {"width": item.width, "height": item.height}
        return image

    # --- video -----------------------------------------------------------------------------

    def _video_embed(self, account: AccountContext, item: MediaItem, attempt: PublishAttempt) -> dict[str, Any]:
        embed: dict[str, Any] = {"$type": VIDEO_EMBED, "video": self._video_blob(account, item, attempt)}
        if item.aspect_ratio:
            # The lexicon asks for it, and the app sizes the player by it before it loads.
            width, height = item.aspect_ratio
            embed["aspectRatio"] = {"width": width, "height": height}
        if item.alt_text.strip():
            embed["alt"] = item.alt_text.strip()
        captions = self._caption_blobs(account, item, attempt)
        if captions:
            embed["captions"] = captions
        return embed

    def _caption_blobs(self, account: AccountContext, item: MediaItem, attempt: PublishAttempt) -> list[dict[str, Any]]:
        """The video's subtitles as the embed takes them, ``[{lang, file: blob}]``: each
        WebVTT file sent with ``com.atproto.repo.uploadBlob`` (``Content-Type: text/vtt``),
        at most 20 (the lexicon's ``maxLength``). Sent once the video is processed (blobs
        no record uses are cleaned up by the PDS after a while), and each blob remembered
        in ``caption_blobs`` as it comes back, so a re-run (a worker died before the post)
        does not upload a file again. Files are small (<= 20,000 bytes, checked on upload)."""
        done: dict[str, Any] = dict(attempt.state.get("caption_blobs") or {})
        captions = []
        for language, path in item.captions[:MAX_CAPTIONS]:
            try:
                with open(path, "rb") as handle:
                    data = handle.read(MAX_CAPTION_BYTES + 1)
            except OSError:
                logger.warning("Bluesky: subtitle file %s (%s) is missing; the video goes without it", path, language)
                continue
            if len(data) > MAX_CAPTION_BYTES:
                logger.warning("Bluesky: subtitle file %s (%s) is over 20,000 bytes; left out", path, language)
                continue
            key = f"{language}|{path}|{len(data)}"
            blob = done.get(key)
            if not blob:
                body = self._call(
                    account, "POST", "com.atproto.repo.uploadBlob", data=data, headers={"Content-Type": "text/vtt"}
                )
                blob = body["blob"]
                done[key] = blob
                attempt.remember(caption_blobs=done)
            captions.append({"lang": language, "file": blob})
        return captions

    def _video_blob(self, account: AccountContext, item: MediaItem, attempt: PublishAttempt) -> dict[str, Any]:
        """The video's blob on the account's PDS, as the video service hands it back.

        State kept in the attempt: ``video_job`` once the upload is in (a later call only
        polls it), ``video_blob`` once processed (a later call goes straight to the post),
        ``video_since`` to give up on a job that never ends. Raises ``StillProcessing``
        while the service works on it. What is kept belongs to one file (``video_of``): a
        post whose video was replaced between two tries starts over with the new one."""
        state = attempt.state
        which = f"{item.path}|{item.byte_size}"
        if state.get("video_of") not in (None, which):
            self._forget_video_job(attempt)
        if state.get("video_blob"):
            return state["video_blob"]
        job_id = state.get("video_job")
        if not job_id:
            # What breaks Bluesky's rules is refused here, before a long upload is wasted on it.
            self.raise_problems(self.video_problems(PostContent(text="", media=[item])))
            status = self._upload_video(account, item, attempt)
            if status.get("blob"):  # already processed once ("already_exists")
                attempt.remember(video_blob=status["blob"], video_job=status.get("jobId") or "", video_of=which)
                return status["blob"]
            job_id = str(status["jobId"])
            attempt.remember(video_job=job_id, video_since=_iso(self.now()), video_sent=None, video_of=which)
            if self.video_first_poll_after:
                self.sleep(self.video_first_poll_after)  # short videos are often done by now
        status = self._job_status(attempt, job_id)
        blob = status.get("blob")
        if blob:
            attempt.remember(video_blob=blob)
            return blob
        job_state = str(status.get("state") or "")
        if job_state == "JOB_STATE_FAILED":
            self._forget_video_job(attempt)
            raise self._job_failure(status)
        if job_state == "JOB_STATE_COMPLETED":
            # Done without a blob: the service lost it. A new upload is the only way on.
            self._forget_video_job(attempt)
            raise Transient(
                f"Bluesky video job {job_id} completed without a blob",
                user_message="Bluesky finished the video but did not hand it back; we will upload it again.",
            )
        since = _parse_moment(state.get("video_since")) or self.now()
        if (self.now() - since).total_seconds() > self.video_processing_limit:
            self._forget_video_job(attempt)
            raise Permanent(
                f"Bluesky video job {job_id} still {job_state or 'working'} after "
                f"{self.video_processing_limit // 60} minutes",
                user_message=f"Bluesky has been processing the video for over {self.video_processing_limit // 60} "
                "minutes without finishing. Publish it again later, or try a shorter video.",
            )
        progress = status.get("progress")
        progress = progress if isinstance(progress, int) and 0 <= progress <= 100 else None
        words = "Bluesky is processing the video" + (f" ({progress}%)." if progress is not None else ".")
        raise StillProcessing(
            f"{words} Job {job_id}, {job_state or 'state not said'}.",
            user_message=words,
            check_after=self.video_check_after,
            progress=progress,
        )

    def _forget_video_job(self, attempt: PublishAttempt) -> None:
        """A failed or lost job: the next try (a person's "publish again") uploads anew."""
        attempt.remember(video_job=None, video_since=None, video_blob=None, video_of=None)

    def _upload_video(self, account: AccountContext, item: MediaItem, attempt: PublishAttempt) -> dict[str, Any]:
        """Checks, then the file streamed to ``app.bsky.video.uploadVideo``: the job status
        it answers (with ``jobId``, or with ``blob`` for a video processed before)."""
        if not item.path:
            raise Permanent(
                "Bluesky video without a local file",
                user_message="The video file is missing from the media library; attach it again.",
            )
        session = self._call(account, "GET", "com.atproto.server.getSession")
        pds = _pds_endpoint(session) or _base(account.base_url)
        if session.get("emailConfirmed") is False and _bluesky_hosted(pds):
            raise Permanent("Bluesky account email not confirmed", user_message=_EMAIL_NOT_CONFIRMED)
        size = item.byte_size
        self._check_upload_limits(account, size)
        # The video service writes the processed video to the PDS with this token: its
        # audience is the PDS itself (not the bsky.social entryway), 30 minutes as advised.
        audience = _did_web(pds)
        expires = int(self.now().timestamp()) + 30 * 60
        url = f"{self.video_service.rstrip('/')}/xrpc/app.bsky.video.uploadVideo"
        params = {  # a made-up name, as the official app sends: the customer's file name stays ours
            "did": _did(account),
            "name": f"{secrets.token_hex(6)}.{_VIDEO_EXTENSIONS.get(item.mime_type, 'mp4')}",
        }
        response = None
        for fresh_token in (False, True):
            token = self._service_token(account, audience, "com.atproto.repo.uploadBlob", expires=expires)
            body = FileRange(item.path, on_progress=self._upload_heartbeat(attempt, size))
            try:
                response = self._video_request(
                    "POST",
                    url,
                    params=params,
                    data=body,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": item.mime_type},
                    timeout=self.video_upload_timeout,
                )
            finally:
                body.close()
            if response.status_code == 401 and not fresh_token:
                continue  # the service token was refused (clock skew, expired): one new one
            break
        status = _job_status_of(response)
        error = str(status.get("error") or "")
        accepted = error == "already_exists" or (not error and response.status_code < 400)
        if status.get("blob") or (status.get("jobId") and accepted):
            return status
        raise self._video_refusal(response, error, str(status.get("message") or ""))

    def _upload_heartbeat(self, attempt: PublishAttempt, total: int) -> Heartbeat:
        """Called as the upload streams: every few MB or seconds it remembers how far it
        got, which renews the publishing lease (one POST of 300 MB can outlast it). A
        worker that dies mid-upload leaves no job: the next one uploads from the start."""
        return Heartbeat(
            lambda sent: attempt.remember(video_sent=sent),
            every_bytes=self.video_heartbeat_bytes,
            every_seconds=self.video_heartbeat_seconds,
            total=total,
        )

    def _check_upload_limits(self, account: AccountContext, size: int) -> None:
        """``app.bsky.video.getUploadLimits`` before sending anything: a refusal in words
        (email, account too new, daily caps) instead of a wasted upload."""
        token = self._service_token(account, self.video_service_did, "app.bsky.video.getUploadLimits")
        response = self._video_request(
            "GET",
            f"{self.video_service.rstrip('/')}/xrpc/app.bsky.video.getUploadLimits",
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code >= 400:
            error, message = _error_parts(response)
            raise self._video_refusal(response, error, message)
        try:
            limits = response.json()
        except ValueError:
            limits = {}
        limits = limits if isinstance(limits, dict) else {}
        if limits.get("canUpload") is False:
            raise self._video_refusal(response, str(limits.get("error") or ""), str(limits.get("message") or ""))
        videos_left, bytes_left = limits.get("remainingDailyVideos"), limits.get("remainingDailyBytes")
        if isinstance(videos_left, int) and videos_left <= 0:
            raise self._daily_limit(f"No daily videos left ({videos_left})")
        if isinstance(bytes_left, int) and bytes_left < size:
            raise self._daily_limit(f"{bytes_left} daily video bytes left, the video has {size}")

    def _service_token(self, account: AccountContext, audience: str, method: str, *, expires: int | None = None) -> str:
        params: dict[str, Any] = {"aud": audience, "lxm": method}
        if expires:
            params["exp"] = expires
        body = self._call(account, "GET", "com.atproto.server.getServiceAuth", params=params)
        token = body.get("token")
        if not token:
            raise Transient(
                "getServiceAuth answered without a token",
                user_message="Bluesky did not give us a pass for its video service; we will try again.",
            )
        return str(token)

    def _job_status(self, attempt: PublishAttempt, job_id: str) -> dict[str, Any]:
        """``app.bsky.video.getJobStatus`` (public: no token). A job the service no longer
        knows is forgotten, so the retry uploads again."""
        response = self._video_request(
            "GET", f"{self.video_service.rstrip('/')}/xrpc/app.bsky.video.getJobStatus", params={"jobId": job_id}
        )
        status = _job_status_of(response)
        if status.get("blob"):
            return status  # "already_exists" and the like still carry the blob
        code = response.status_code
        if code < 400:
            return status
        error, message = _error_parts(response)
        if code in (400, 404, 410) and (code != 400 or "not found" in f"{error} {message}".lower()):
            self._forget_video_job(attempt)
            raise Transient(
                f"Bluesky video job {job_id} not found: {message or error}",
                user_message="Bluesky's video service lost track of the upload; we will upload the video again.",
                status=code,
            )
        refusal = self._video_refusal(response, error, message)
        if isinstance(refusal, Permanent):
            self._forget_video_job(attempt)  # a person's "publish again" starts anew
        raise refusal

    def _job_failure(self, status: dict[str, Any]) -> Permanent:
        code = str(status.get("failureCode") or "")
        said = str(status.get("message") or status.get("error") or code or "failed")
        user_message = _JOB_FAILURES.get(code) or _JOB_FAILURES["generic_failure"]
        failure = Permanent(f"Bluesky video job {status.get('jobId', '')} failed: {said}", user_message=user_message)
        failure.error = code
        return failure

    def _video_request(self, method: str, url: str, **kwargs) -> requests.Response:
        """A call to the video service. Nothing it does can publish a post, so a lost
        answer is only worth a retry (``Transient``), never a lookup."""
        try:
            return self.http.request(method, url, **kwargs)
        except OutcomeUnknown as exc:
            raise Transient(
                exc.message,
                user_message="The connection to Bluesky's video service dropped; we will try again.",
            ) from exc

    def _daily_limit(self, message: str) -> RateLimited:
        hours = self.video_daily_limit_retry / 3600
        return RateLimited(
            message,
            retry_after=self.video_daily_limit_retry,
            user_message="This account has reached Bluesky's daily limit for video uploads; "
            f"we will try again in {hours:g} hour{'s' if hours != 1 else ''}.",
            status=429,
        )

    def _video_refusal(self, response: requests.Response, error: str, message: str) -> PlatformError:
        """The video service's (or its limits') refusal in the error vocabulary."""
        status = response.status_code
        said = message or error or f"HTTP {status}"
        words = f"{error} {message}".lower()
        if error == "unconfirmed_email" or ("email" in words and "confirm" in words):
            return Permanent(said, user_message=_EMAIL_NOT_CONFIRMED, status=status)
        if error == "DailyLimitExceeded" or "daily" in words:
            return self._daily_limit(said)
        if status == 429 or error == "RateLimitExceeded":
            return rate_limited(said, label=self.label, retry_after=self._retry_after(response), status=status)
        if status == 413 or error == "VideoTooLarge":
            return Permanent(said, user_message="The video is too large for Bluesky (300 MB at most).", status=status)
        if error == "VideoTooLong":
            return Permanent(said, user_message="The video is too long for Bluesky (3 minutes at most).", status=status)
        if error == "BadAspectRatio":
            return Permanent(said, user_message=f"Bluesky does not take the video's shape. {_CONVERT}", status=status)
        if "not old enough" in words:
            return Permanent(
                said,
                user_message="This Bluesky account is too new to post videos yet. Publish it again in a few days.",
                status=status,
            )
        if error == "UploadForbidden" or "not allowed" in words:
            return Permanent(said, user_message="Bluesky does not allow this account to post videos.", status=status)
        if status == 401:
            return Transient(
                said,
                user_message="Bluesky's video service did not accept our pass for this account; we will try again.",
                status=status,
            )
        if (
            status >= 500
            or status == 408
            or error in ("ServiceOverloaded", "TooManyOpenUploads")
            or "disabled" in words
            or "upload stats" in words
        ):
            return Transient(
                said, user_message="Bluesky's video service is busy or unavailable; we will try again.", status=status
            )
        if "unsupported" in words or "format" in words or "codec" in words:
            return Permanent(said, user_message=f"Bluesky cannot take this video's format. {_CONVERT}", status=status)
        return Permanent(said, user_message=f"Bluesky refused the video: {said}", status=status)

    def _reply_ref(self, account: AccountContext, parent_uri: str) -> dict[str, Any]:
        # A reply names both its parent and the thread's root; the parent's own record
        # tells us the root (or is the root).
        body = self._call(account, "GET", "app.bsky.feed.getPosts", params=[("uris", parent_uri)])
        posts = body.get("posts", [])
        if not posts:
            raise Permanent(
                f"Bluesky post {parent_uri} not found",
                user_message="The post you are answering no longer exists on Bluesky.",
            )
        parent = {"uri": posts[0]["uri"], "cid": posts[0]["cid"]}
        root = (posts[0].get("record", {}).get("reply") or {}).get("root") or parent
        return {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent}

    def _get_post_record(self, account: AccountContext, rkey: str) -> PublishResult | None:
        try:
            body = self._call(
                account,
                "GET",
                "com.atproto.repo.getRecord",
                params={"repo": _did(account), "collection": POST_COLLECTION, "rkey": rkey},
            )
        except Permanent as exc:
            if getattr(exc, "error", "") == "RecordNotFound":
                return None
            raise
        created = (body.get("value") or {}).get("createdAt")
        return PublishResult(
            remote_id=body.get("uri") or _at_uri(_did(account), rkey),
            url=post_url(account, rkey),
            published_at=parse_iso(created) if created else self.now(),
        )

    def _inbox_item(self, account: AccountContext, notification: dict[str, Any]) -> InboxItem:
        record = notification.get("record") or {}
        author = notification.get("author") or {}
        reason = notification.get("reason")
        reply = record.get("reply") or {}
        parent_uri = (reply.get("parent") or {}).get("uri", "")
        root_uri = (reply.get("root") or {}).get("uri", "")
        ours = f"at://{_did(account)}/"
        if reason == "quote":
            post_remote_id = notification.get("reasonSubject", "")
        elif root_uri.startswith(ours):
            post_remote_id = root_uri
        elif parent_uri.startswith(ours):
            post_remote_id = parent_uri
        else:
            post_remote_id = ""
        rkey = notification["uri"].rsplit("/", 1)[-1]
        return InboxItem(
            remote_id=notification["uri"],
            kind="reply" if reason == "reply" else "mention",
            text=record.get("text", ""),
            created_at=parse_iso(record.get("createdAt") or notification["indexedAt"]),
            author_handle=post_text.at_handle(author.get("handle")),
            author_name=author.get("displayName", ""),
            author_avatar=author.get("avatar", ""),
            url=f"https://bsky.app/profile/{author.get('handle') or author.get('did')}/post/{rkey}",
            post_remote_id=post_remote_id,
            parent_remote_id=parent_uri,
            conversation_id=root_uri or notification["uri"],
        )

    # --- HTTP --------------------------------------------------------------------------------

    def _create_session(self, pds: str, identifier: str, password: str) -> dict[str, Any]:
        response = self.http.post(
            _xrpc(pds, "com.atproto.server.createSession"),
            json={"identifier": identifier.lstrip("@"), "password": password},
        )
        if response.status_code in (400, 401):
            error, message = _error_parts(response)
            if error == "AuthFactorTokenRequired":
                user_message = "This account uses two-factor sign-in: create an app password in Bluesky's settings."
            else:
                user_message = "Bluesky did not accept that handle and app password."
            raise Permanent(message or error, user_message=user_message, status=response.status_code)
        self._raise_for_status(response)
        return response.json()

    def _call(self, account: AccountContext, method: str, nsid: str, **kwargs) -> dict[str, Any]:
        """One XRPC call with the access token; an expired token is refreshed once and
        the call repeated once (the request was refused, so repeating is safe)."""
        url = _xrpc(_base(account.base_url), nsid)
        extra_headers = kwargs.pop("headers", {})
        for already_refreshed in (False, True):
            headers = {"Authorization": f"Bearer {account.credentials.get('access_token', '')}", **extra_headers}
            response = self.http.request(method, url, headers=headers, **kwargs)
            error, _ = _error_parts(response) if response.status_code in (400, 401) else ("", "")
            if error in _EXPIRED and not already_refreshed:
                self.refresh(account)
                continue
            self._raise_for_status(response)
            if not response.content:
                return {}
            return response.json()
        raise AssertionError("unreachable")  # pragma: no cover

    def _raise_for_status(self, response: requests.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        error, message = _error_parts(response)
        text = message or error or f"HTTP {status}"
        if error in _EXPIRED | _INVALID or status == 401:
            raise AuthExpired(
                text,
                user_message="Bluesky signed SMM out of this account. Please reconnect it.",
                status=status,
            )
        if status == 429 or error == "RateLimitExceeded":
            raise rate_limited(text, label=self.label, retry_after=self._retry_after(response), status=status)
        if status >= 500 or status == 408:
            # Includes the PDS's 500 for "a record with this key exists", which we never
            # interpret: publish checks getRecord before creating again.
            raise on_their_side(text, label=self.label, status=status)
        if status == 413 or error in ("BlobTooLarge", "PayloadTooLarge"):
            failure = Permanent(text, user_message="An image is too large for Bluesky (2 MB at most).", status=status)
        else:
            failure = Permanent(text, user_message=f"Bluesky refused the post: {text}", status=status)
        failure.error = error  # the XRPC error name, for callers that branch on it
        raise failure

    def _retry_after(self, response: requests.Response) -> float | None:
        # RateLimit-Reset is the epoch second at which the window resets.
        wait = epoch_reset(response.headers.get("RateLimit-Reset"), self.now())
        return wait if wait is not None else retry_after(response.headers, self.now())


# --- module helpers ---------------------------------------------------------------------------


def new_tid(moment: dt.datetime, clock_id: int | None = None) -> str:
    """A record key in the TID format: 53 bits of microseconds since the epoch and 10
    bits of clock id, in sortable base32, 13 characters. Keys sort by creation time,
    as the AT Protocol expects of post record keys."""
    micros = int(moment.timestamp() * 1_000_000)
    if clock_id is None:
        clock_id = secrets.randbelow(1024)
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 0x1F])
        value >>= 5
    return "".join(reversed(chars))


def post_url(account: AccountContext, rkey: str) -> str:
    who = account.handle.lstrip("@") or _did(account)
    return f"https://bsky.app/profile/{who}/post/{rkey}"


def _post_text(content: PostContent) -> str:
    # A post carries one embed: with images there is no room for a link card, so the
    # link goes into the text (where a facet makes it clickable).
    text = content.text
    if content.link and content.media and content.link not in text:
        text = f"{text.rstrip()}\n\n{content.link}" if text.strip() else content.link
    return text


def _session_credentials(session: dict[str, Any], app_password: str = "") -> dict[str, Any]:
    credentials = {
        "access_token": session["accessJwt"],
        "refresh_token": session.get("refreshJwt", ""),
        "did": session["did"],
        "handle": session.get("handle", ""),
    }
    if app_password:
        credentials["app_password"] = app_password
    return credentials


def _did(account: AccountContext) -> str:
    return account.credentials.get("did") or account.remote_id


def _at_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{POST_COLLECTION}/{rkey}"


def _base(base_url: str) -> str:
    base = (base_url or DEFAULT_PDS).strip().rstrip("/")
    return base if "://" in base else f"https://{base}"


def _xrpc(base: str, nsid: str) -> str:
    return f"{base}/xrpc/{quote(nsid)}"


def _error_parts(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:200]
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("message") or "")


def _job_status_of(response: requests.Response) -> dict[str, Any]:
    """The job status in a video service answer: the lexicon wraps it as ``{jobStatus}``,
    the service has also answered it bare (and the tutorial reads it bare): both."""
    try:
        body = response.json()
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    inner = body.get("jobStatus")
    return inner if isinstance(inner, dict) else body


def _pds_endpoint(session: dict[str, Any]) -> str:
    """The account's own PDS from the DID document in its session (``#atproto_pds``): a
    bsky.social login is served by a ``*.host.bsky.network`` PDS, the audience of a
    service token for it."""
    doc = session.get("didDoc")
    services = doc.get("service") if isinstance(doc, dict) else None
    for service in services if isinstance(services, list) else []:
        if isinstance(service, dict) and str(service.get("id", "")).endswith("#atproto_pds"):
            endpoint = str(service.get("serviceEndpoint") or "")
            if urlsplit(endpoint).scheme in ("http", "https") and urlsplit(endpoint).hostname:
                return endpoint.rstrip("/")
    return ""


def _did_web(url: str) -> str:
    """``did:web`` of a server: its host name, and a port (a development PDS) as ``%3A``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"did:web:{host}%3A{parts.port}" if parts.port else f"did:web:{host}"


def _bluesky_hosted(pds: str) -> bool:
    """Bluesky's own PDSes, whose accounts need a confirmed email to post video."""
    host = (urlsplit(pds).hostname or "").lower()
    return host == "bsky.social" or host.endswith((".bsky.network", ".bsky.social"))


def _parse_moment(value: Any) -> dt.datetime | None:
    try:
        return parse_iso(str(value)) if value else None
    except ValueError:
        return None


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _jwt_expiry(token: str) -> dt.datetime | None:
    """Read ``exp`` from a JWT without verifying it: only to tell the owner when the
    session will need renewing, never to trust anything."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return None
