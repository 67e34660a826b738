"""Pinterest through the API v5 (api.pinterest.com/v5).

Facts: /work/shared/PLATFORMS-VIDEO.md "Pinterest". A post is a Pin on a board: one image
(or 2-5 images), or one video; the post's text is the Pin's description (up to 800
characters in the API's spec), its title and board are network options.

- Connection: OAuth 2 authorization code (Pinterest offers no PKCE), the token endpoint
  takes the app's id and secret as HTTP Basic. Refresh tokens are "continuous": every
  refresh answers a new one (60 days), and we always store the newest. We send
  ``continuous_refresh=true`` on every token request: apps created before 2025-09-25 need
  it to get continuous tokens, newer ones get them anyway and ignore it.
- The account's boards are read at connection and with the daily figures
  (``account_limits``) and kept in ``SocialAccount.limits["boards"]``; the composer offers
  them, and ``apply_limits`` hands them back to the adapter for its checks.
- Images reach Pinterest by URL (``image_url`` / ``multiple_image_urls``): the media's
  public URL. A video is registered (``POST /media``), sent to the S3 URL Pinterest returns
  as a multipart form POST (every ``upload_parameters`` field, ``file`` last) streamed from
  disk, and Pinterest's processing is waited for through ``StillProcessing``.
- No idempotency: before ``POST /pins`` the attempt is marked; after a lost answer the
  board's newest Pins are listed and ours is matched by title, link, description and time.
- Trial access: Pinterest answers code 29 to a Pin created in production by an app with
  Trial access. The account remembers it (credentials flag, then ``limits``), so the
  composer says it before the next post, not only the failed post.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
from typing import Any
from urllib.parse import urlsplit

import requests

from smm.platforms.base import (
    REPLY_CLOCK_SKEW,
    AccountContext,
    AccountMetrics,
    Adapter,
    AuthExpired,
    ConnectedAccount,
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
    UnreadableAnswer,
    parse_iso,
)
from smm.platforms.errors import retry_after
from smm.platforms.oauth import authorize_url, expires_at
from smm.platforms.options import text_value
from smm.platforms.video import Heartbeat, VideoRules

API = "https://api.pinterest.com/v5"
AUTHORIZE = "https://www.pinterest.com/oauth/"
SCOPES = ("boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read")

VIDEO_RULES = VideoRules(  # all (check): Pinterest's video specs page, not confirmed against the API
    max_bytes=2 * 1024**3,
    min_seconds=4,
    max_seconds=15 * 60,
    min_aspect=1 / 2,
    max_aspect=1.91,
    mime_types=("video/mp4", "video/quicktime", "video/x-m4v"),
    max_videos=1,
    mix_with_images=False,
)

MAX_TITLE = 100
MAX_LINK = 2048
MAX_ALT_TEXT = 500
BOARD_PAGE_SIZE = 250  # the most GET /boards gives per page
BOARD_PAGES = 20  # 5,000 boards are enough for any account a person picks from
LOOKUP_PAGE_SIZE = 50
# Pinterest's 429 carries no documented Retry-After (check); its per-category limits are
# per minute, so a minute is the first wait, and the engine's backoff stretches it.
DEFAULT_RATE_LIMIT_WAIT = 60.0
# Video processing: asked every 10 s at first, then every 30 s; given up after 30 minutes
# (a 15-minute video takes Pinterest minutes (check)).
VIDEO_CHECK_AFTER = 10.0
VIDEO_CHECK_AFTER_LONG = 30.0
VIDEO_PROCESSING_LIMIT = dt.timedelta(minutes=30)
# A media still "registered" this long after S3 took the file never reached Pinterest.
VIDEO_REGISTERED_LIMIT = dt.timedelta(minutes=10)
VIDEO_UPLOAD_TIMEOUT = (10, 300)
VIDEO_UPLOAD_RENEW_EVERY = 10.0  # seconds between lease renewals while the file streams
TRIAL_CODE = 29
SCOPE_CODE = 3  # "Your token does not have sufficient permissions..."
TRIAL_MESSAGE = (
    "This Pinterest connection uses an app with Trial access, and Pinterest does not let such apps "
    "publish Pins (they would be visible only to you). Ask whoever runs SMM to request Standard "
    "access for the Pinterest app, then connect this account again (Connect account on the brand page)."
)
NOT_PROCESSED = (
    "Pinterest could not process the video. Convert it to MP4 (H.264 with AAC sound), "
    "between 4 seconds and 15 minutes long, and try again."
)

_PIN_PATH = re.compile(r"/pin/(\d+)/?")


def pin_url(pin_id: str) -> str:
    return f"https://www.pinterest.com/pin/{pin_id}/"


class PinterestAdapter(Adapter):
    name = "pinterest"
    label = "Pinterest"
    supports_refresh = True
    supports_inbox = False  # the v5 API has no comment endpoints (only a TOTAL_COMMENTS count)
    supports_reply = False
    connect_kind = "oauth2"
    idempotency = "recent_posts"
    media_required = True
    max_text_length = 800
    max_images = 5
    max_image_bytes = 20 * 1024 * 1024  # (check)
    image_types = ("image/jpeg", "image/png", "image/webp")
    video_rules = VIDEO_RULES
    post_options = ("board", "title")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # From the account's ``limits`` (see ``apply_limits``): its boards and whether its
        # app was found to have Trial access. Unknown (empty / False) for a bare adapter.
        self.boards: list[dict[str, str]] = []
        self.trial_access = False

    def apply_limits(self, limits: dict | None) -> PinterestAdapter:
        super().apply_limits(limits)
        limits = limits or {}
        boards = limits.get("boards")
        if isinstance(boards, list):
            self.boards = [b for b in boards if isinstance(b, dict) and b.get("id")]
        self.trial_access = limits.get("trial_access") is True
        return self

    # --- content rules ---------------------------------------------------------------------------

    def validate(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        too_long = self.too_long_problem(content.text)
        if too_long:
            problems.append(too_long)
        if not content.media:
            problems.append(Problem("media", "A Pin needs an image or a video: attach one.", "media_required"))
        problems += self.image_rule_problems(
            content,
            name="Pinterest",
            types_allowed="must be a JPEG, PNG or WebP for Pinterest",
            size_limit="20 MB",
            also=lambda index, item: (
                None
                if item.url
                else Problem(
                    "media", f"Image {index} has no public address for Pinterest to fetch it from.", "media_url"
                )
            ),
        )
        problems += self.video_problems(content)
        for item in self.videos_of(content):
            if not item.path:
                problems.append(Problem("media", "The video has no file to upload to Pinterest.", "media_missing"))
        if content.link and len(content.link) > MAX_LINK:
            problems.append(
                Problem(
                    "link",
                    f"The link is {len(content.link):,} characters; Pinterest takes links of up to {MAX_LINK:,}.",
                    "link_long",
                )
            )
        problems.extend(self.option_problems(content))
        return problems

    @classmethod
    def clean_options(cls, options: dict | None) -> dict[str, Any]:
        options = options or {}
        cleaned: dict[str, Any] = {}
        board = text_value(options.get("board"))
        if board:
            cleaned["board"] = board
        title = text_value(options.get("title"))
        if title:
            cleaned["title"] = title
        return cleaned

    def option_problems(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        options = self.clean_options(content.options)
        if self.trial_access:
            problems.append(Problem("options", TRIAL_MESSAGE, "trial_access"))
        title = options.get("title", "")
        if len(title) > MAX_TITLE:
            problems.append(
                Problem(
                    "options",
                    f"The Pin's title is {len(title)} characters; Pinterest takes titles of up to {MAX_TITLE}.",
                    "title_long",
                )
            )
        board = options.get("board")
        if not board and not self._only_board():
            problems.append(Problem("options", "Choose the board the Pin goes on.", "board_missing"))
        elif board and self.boards and board not in {b["id"] for b in self.boards}:
            problems.append(
                Problem(
                    "options",
                    "The chosen board is no longer on this Pinterest account: choose another one.",
                    "board_unknown",
                )
            )
        return problems

    def board_choices(self) -> list[tuple[str, str]]:
        """(id, name) of the account's boards as last read, for the composer."""
        return [(b["id"], b.get("name") or b["id"]) for b in self.boards]

    def _only_board(self) -> str:
        return self.boards[0]["id"] if len(self.boards) == 1 else ""

    def _board_for(self, content: PostContent) -> str:
        return self.clean_options(content.options).get("board") or self._only_board()

    # --- HTTP ------------------------------------------------------------------------------------

    def call(
        self,
        account: AccountContext,
        method: str,
        path: str,
        *,
        json=None,
        params=None,
        refreshed: bool = False,
    ) -> requests.Response:
        """One API call with the account's token. A 401 other than a missing scope is met by
        one refresh of the tokens and the call sent again (a refused call did nothing)."""
        token = account.credentials.get("access_token")
        if not token:
            raise AuthExpired("No access token stored", user_message="This Pinterest account needs reconnecting.")
        response = self.http.request(
            method, f"{API}{path}", headers={"Authorization": f"Bearer {token}"}, json=json, params=params
        )
        error = pinterest_error(response)
        if error is None:
            return response
        if (
            isinstance(error, AuthExpired)
            and not refreshed
            and getattr(error, "code", None) != SCOPE_CODE
            and account.credentials.get("refresh_token")
        ):
            try:
                self.refresh(account)
            except AuthExpired:
                raise error from None  # the refresh token is spent too: reconnecting is needed
            return self.call(account, method, path, json=json, params=params, refreshed=True)
        if getattr(error, "code", None) == TRIAL_CODE:
            # Remembered on the account: the composer says it before the next post.
            account.update_credentials({"trial_access_seen": _now().isoformat()})
        raise error

    # --- connection ------------------------------------------------------------------------------

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str, base_url: str = "") -> str:
        # Pinterest binds the code to the app's secret; it offers no PKCE.
        return authorize_url(
            AUTHORIZE,
            client_id=self.app.client_id,
            redirect_uri=redirect_uri,
            scope=",".join(SCOPES),
            state=state,
        )

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str, base_url: str = ""
    ) -> ConnectedAccount:
        tokens = self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "continuous_refresh": "true",
            }
        )
        credentials = _token_credentials(tokens)
        account = AccountContext(network=self.name, credentials=credentials)
        me = self.call(account, "GET", "/user_account").json()
        username = str(me.get("username") or "")
        remote_id = str(me.get("id") or username)
        if not remote_id:
            raise Permanent(
                "Pinterest's user_account answer names no account",
                user_message="Pinterest did not say which account was connected; please try again.",
            )
        credentials["username"] = username
        return ConnectedAccount(
            remote_id=remote_id,
            handle=username,
            display_name=str(me.get("business_name") or username),
            avatar_url=str(me.get("profile_image") or ""),
            credentials=credentials,
            token_expires_at=expires_at(tokens.get("expires_in")),
            limits={"boards": self.list_boards(account)},
        )

    def refresh(self, account: AccountContext) -> None:
        refresh_token = account.credentials.get("refresh_token")
        if not refresh_token:
            raise AuthExpired(
                "No refresh token stored",
                user_message="The Pinterest connection has expired. Please reconnect the account.",
            )
        tokens = self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token, "continuous_refresh": "true"}
        )
        # Continuous refresh: the answer carries a new refresh token; update_credentials keeps
        # the old one only if Pinterest sent none.
        account.update_credentials(_token_credentials(tokens))

    def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        secret = f"{self.app.client_id}:{self.app.client_secret}".encode()
        response = self.http.request(
            "POST",
            f"{API}/oauth/token",
            data=form,
            headers={"Authorization": "Basic " + base64.b64encode(secret).decode("ascii")},
        )
        if response.status_code in (400, 401):
            # invalid_grant and friends: the code or the refresh token is spent, revoked or expired.
            raise AuthExpired(
                f"Pinterest refused the token request: {_message(response)}",
                user_message="Pinterest did not accept the connection. Please reconnect the account.",
                status=response.status_code,
            )
        error = pinterest_error(response)
        if error is not None:
            raise error
        try:
            tokens = response.json()
            if not tokens.get("access_token"):
                raise ValueError("no access_token")
        except (ValueError, AttributeError) as exc:
            raise Transient(
                f"Pinterest's token answer is not what it documents: {exc!r}",
                user_message="Pinterest gave an answer we could not read; please try again.",
            ) from exc
        return tokens

    def list_boards(self, account: AccountContext) -> list[dict[str, str]]:
        """Every board of the account (GET /boards, following the bookmark), as
        [{"id", "name", "privacy"}] in Pinterest's order."""
        boards: list[dict[str, str]] = []
        bookmark = ""
        for _ in range(BOARD_PAGES):
            params: dict[str, Any] = {"page_size": BOARD_PAGE_SIZE}
            if bookmark:
                params["bookmark"] = bookmark
            data = _json(self.call(account, "GET", "/boards", params=params))
            for board in data.get("items") or []:
                if isinstance(board, dict) and board.get("id"):
                    boards.append(
                        {
                            "id": str(board["id"]),
                            "name": str(board.get("name") or board["id"])[:200],
                            "privacy": str(board.get("privacy") or ""),
                        }
                    )
            bookmark = str(data.get("bookmark") or "")
            if not bookmark:
                break
        return boards

    def account_limits(self, account: AccountContext) -> dict:
        """What the account keeps for the composer (daily, with the figures): its boards,
        and whether its app was found to have Trial access (since the last successful Pin)."""
        limits: dict[str, Any] = {"boards": self.list_boards(account)}
        if account.credentials.get("trial_access_seen"):
            limits["trial_access"] = True
        return limits

    # --- publishing ------------------------------------------------------------------------------

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        if attempt.state.get("pin_id"):
            return _result(attempt.state["pin_id"], attempt.state.get("pin_created_at"))
        problems = [p for p in self.validate(content) if p.code != "trial_access"]  # Pinterest says it
        self.raise_problems(problems)
        if attempt.state.get("pin_sent_at"):
            # An earlier POST /pins may have created it (a lost answer, a 5xx): look first.
            found = self.lookup_published(account, content, attempt)  # OutcomeUnknown: ask a person
            if found is not None:
                return found
        board = self._board_for(content)
        videos = self.videos_of(content)
        if videos:
            media_id = self._ready_video(account, videos[0], attempt)
            source = self._video_source(videos[0], media_id)
        else:
            source = self._image_source(content)
        body = self.pin_body(content, board, source)
        attempt.remember(pin_sent_at=_now().isoformat(), pin_board=board)
        response = self.call(account, "POST", "/pins", json=body)
        data = _body(response)  # a 2xx: the Pin exists even if its answer cannot be read
        pin_id = str(data.get("id") or "")
        if not pin_id:
            raise UnreadableAnswer("Pinterest accepted the Pin but did not say its id", label=self.label)
        attempt.remember(pin_id=pin_id, pin_created_at=data.get("created_at"))
        if account.credentials.get("trial_access_seen"):
            account.update_credentials({"trial_access_seen": None})  # the app has Standard access now
        return _result(pin_id, data.get("created_at"))

    def pin_body(self, content: PostContent, board: str, source: dict[str, Any]) -> dict[str, Any]:
        options = self.clean_options(content.options)
        body: dict[str, Any] = {"board_id": board, "media_source": source}
        if options.get("title"):
            body["title"] = options["title"][:MAX_TITLE]
        if content.text.strip():
            body["description"] = content.text
        if content.link:
            body["link"] = content.link
        alt = next((item.alt_text for item in content.media if item.alt_text), "")
        if alt and not self.videos_of(content):
            body["alt_text"] = alt[:MAX_ALT_TEXT]
        return body

    def _image_source(self, content: PostContent) -> dict[str, Any]:
        images = self.images_of(content)
        if len(images) == 1:
            return {"source_type": "image_url", "url": images[0].url}
        options = self.clean_options(content.options)
        items = []
        for item in images:
            entry: dict[str, Any] = {"url": item.url}
            if options.get("title"):
                entry["title"] = options["title"][:MAX_TITLE]
            if content.text.strip():
                entry["description"] = content.text
            if content.link:
                entry["link"] = content.link
            items.append(entry)
        return {"source_type": "multiple_image_urls", "items": items}

    @staticmethod
    def _video_source(item: MediaItem, media_id: str) -> dict[str, Any]:
        source: dict[str, Any] = {"source_type": "video_id", "media_id": media_id}
        if item.thumbnail_url:
            source["cover_image_url"] = item.thumbnail_url
        else:
            source["cover_image_key_frame_time"] = 0  # the first frame: a cover is required (check)
        return source

    # --- video -----------------------------------------------------------------------------------
    #
    # publish_state["pi_video"]: {media_id, size, file (path), uploaded (S3 took the file),
    # uploaded_at, processing_since}. The S3 form POST is one request (no resumable upload);
    # what survives a worker's death is the media id, whose status tells whether the file
    # arrived ("registered": it did not).

    def _ready_video(self, account: AccountContext, item: MediaItem, attempt: PublishAttempt) -> str:
        if not item.path or not os.path.exists(item.path):
            raise Permanent(
                "The video has no local file to upload",
                user_message="The video's file is missing from the media library; attach it again.",
            )
        size = os.path.getsize(item.path)
        upload = attempt.state.get("pi_video")
        if not isinstance(upload, dict) or upload.get("size") != size or upload.get("file") != item.path:
            upload = None  # nothing begun, or begun for another file
        try:
            if upload is not None and not upload.get("uploaded"):
                # Registered before; did the file reach S3 before the worker stopped?
                status = self._media_status(account, upload["media_id"])[0]
                if status in ("processing", "succeeded", "failed"):
                    upload = {**upload, "uploaded": True, "uploaded_at": _now().isoformat()}
                    attempt.remember(pi_video=upload)
                else:
                    upload = None  # its upload URL is not kept: register afresh
            if upload is None:
                upload = self._upload_video(account, item, size, attempt)
            return self._video_when_processed(account, upload, attempt)
        except OutcomeUnknown as exc:
            # Nothing is published before POST /pins: a lost answer here costs an upload at most.
            raise Transient(
                exc.message,
                user_message="Pinterest did not answer while we sent the video; we will carry on where we stopped.",
            ) from exc

    def _register_media(self, account: AccountContext) -> dict[str, Any]:
        data = _json(self.call(account, "POST", "/media", json={"media_type": "video"}))
        params = data.get("upload_parameters")
        if not data.get("media_id") or not data.get("upload_url") or not isinstance(params, dict):
            raise Transient(
                "Pinterest's answer to POST /media has no media_id, upload_url or upload_parameters",
                user_message="Pinterest did not say where to upload the video; we will try again.",
            )
        return data

    def _upload_video(self, account: AccountContext, item: MediaItem, size: int, attempt: PublishAttempt) -> dict:
        """Register a media and send the file to its S3 URL: a multipart form with every
        upload parameter Pinterest gave, in its order, and ``file`` last (S3 ignores fields
        after the file), streamed from disk with an exact Content-Length."""
        renewed_url = False
        while True:
            media = self._register_media(account)
            # The upload URL and its signed fields are not kept (they are credentials for
            # S3); a retry that finds the media "registered" registers a new one.
            upload = {"media_id": str(media["media_id"]), "size": size, "file": item.path, "uploaded": False}
            attempt.remember(pi_video=upload)
            response = self._send_to_storage(media, item, attempt)
            if response.status_code < 300:
                break
            error = _s3_error(response)
            if error == "expired" and not renewed_url:
                renewed_url = True
                continue
            attempt.remember(pi_video=None)
            if response.status_code >= 500 or error == "slow_down":
                raise Transient(
                    f"Pinterest's upload storage answered {response.status_code} ({error or 'no code'})",
                    user_message="Pinterest's upload service had a problem with the video; we will send it again.",
                    status=response.status_code,
                )
            if error == "too_large":
                raise Permanent(
                    f"S3 refused the video as too large ({size} bytes)",
                    user_message="Pinterest refused the video as too large. Make it shorter or smaller and try again.",
                    status=response.status_code,
                )
            raise Permanent(
                f"Pinterest's upload storage refused the video: HTTP {response.status_code} ({error or 'no code'})",
                user_message=f"Pinterest refused the video upload (HTTP {response.status_code}). "
                "Sending the post again uploads it afresh.",
                status=response.status_code,
            )
        upload = {**upload, "uploaded": True, "uploaded_at": _now().isoformat()}
        attempt.remember(pi_video=upload)
        return upload

    def _send_to_storage(self, media: dict[str, Any], item: MediaItem, attempt: PublishAttempt) -> requests.Response:
        from requests_toolbelt import MultipartEncoder, MultipartEncoderMonitor

        fields: list[tuple[str, Any]] = [(str(k), str(v)) for k, v in media["upload_parameters"].items()]
        # remembering progress renews the publishing lease while the file streams
        beat = Heartbeat(lambda sent: attempt.remember(pi_video_sent=sent), every_seconds=VIDEO_UPLOAD_RENEW_EVERY)

        def sending(monitor: MultipartEncoderMonitor) -> None:
            beat(monitor.bytes_read)

        with open(item.path, "rb") as handle:
            fields.append(("file", (item.filename or "video.mp4", handle, item.mime_type)))
            body = MultipartEncoderMonitor(MultipartEncoder(fields=fields), sending)
            # To S3, not to Pinterest: no Authorization header (the signed fields are the access).
            return self.http.request(
                "POST",
                str(media["upload_url"]),
                data=body,
                headers={"Content-Type": body.content_type},
                timeout=VIDEO_UPLOAD_TIMEOUT,
            )

    def _media_status(self, account: AccountContext, media_id: str) -> tuple[str, dict]:
        data = _json(self.call(account, "GET", f"/media/{media_id}"))
        return str(data.get("status") or "").lower(), data

    def _video_when_processed(self, account: AccountContext, upload: dict, attempt: PublishAttempt) -> str:
        status, data = self._media_status(account, upload["media_id"])
        if status == "succeeded":
            return upload["media_id"]
        if status == "failed":
            attempt.remember(pi_video=None)  # a retry uploads the video afresh
            raise Permanent(
                f"Pinterest could not process media {upload['media_id']}: {data}", user_message=NOT_PROCESSED
            )
        since = _parse_time(upload.get("processing_since")) or _parse_time(upload.get("uploaded_at"))
        if since is None:
            since = _now()
            attempt.remember(pi_video={**upload, "processing_since": since.isoformat()})
        waited = _now() - since
        if status == "registered" and waited > VIDEO_REGISTERED_LIMIT:
            attempt.remember(pi_video=None)
            raise Transient(
                f"Media {upload['media_id']} still registered {waited} after the upload",
                user_message="Pinterest never received the video we sent; we will upload it again.",
            )
        if waited > VIDEO_PROCESSING_LIMIT:
            attempt.remember(pi_video=None)
            raise Permanent(
                f"Pinterest was still processing media {upload['media_id']} ({status or 'no status'}) after {waited}",
                user_message="Pinterest has been processing the video for over 30 minutes without finishing, "
                "so we stopped waiting. Try again later; if it happens again, convert the video to MP4 (H.264).",
            )
        if "processing_since" not in upload:
            attempt.remember(pi_video={**upload, "processing_since": since.isoformat()})
        check_after = VIDEO_CHECK_AFTER if waited < dt.timedelta(minutes=5) else VIDEO_CHECK_AFTER_LONG
        raise StillProcessing("Pinterest is processing the video", check_after=check_after)

    # --- after a lost answer ----------------------------------------------------------------------

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        """No idempotency key on Pinterest: the board's newest Pins, matched by what we sent
        (title, link, description) and created no earlier than we sent it."""
        state = attempt.state
        if state.get("pin_id"):
            return _result(state["pin_id"], state.get("pin_created_at"))
        if not state.get("pin_sent_at"):
            return None  # POST /pins is marked before it is sent: it never was
        sent_at = _parse_time(state["pin_sent_at"]) or _now()
        board = state.get("pin_board") or self._board_for(content)
        try:
            data = _json(self.call(account, "GET", f"/boards/{board}/pins", params={"page_size": LOOKUP_PAGE_SIZE}))
        except (Permanent, Transient) as exc:
            raise OutcomeUnknown(
                f"Pinterest would not list the board's Pins: {exc.message}",
                user_message="We could not check on Pinterest whether the Pin went out.",
            ) from exc
        title = self.clean_options(content.options).get("title", "")[:MAX_TITLE]
        for pin in data.get("items") or []:
            if not isinstance(pin, dict) or not pin.get("id"):
                continue
            if (pin.get("title") or "") != title or (pin.get("link") or "") != (content.link or ""):
                continue
            if (pin.get("description") or "").strip() != content.text.strip():
                continue
            created = _parse_time(pin.get("created_at"))
            if created is not None and created < sent_at - REPLY_CLOCK_SKEW:
                continue  # an older Pin with the same words
            pin_id = str(pin["id"])
            attempt.remember(pin_id=pin_id, pin_created_at=pin.get("created_at"))
            return _result(pin_id, pin.get("created_at"))
        return None

    @classmethod
    def remote_id_from_url(cls, url: str, account: AccountContext) -> str | None:
        """``https://www.pinterest.com/pin/<id>/`` (any country's Pinterest host)."""
        link = urlsplit(url.strip())
        host = (link.hostname or "").lower()
        if not (host == "pin.it" or re.fullmatch(r"([a-z0-9-]+\.)?pinterest\.[a-z.]+", host)):
            return None
        found = _PIN_PATH.fullmatch(link.path)
        return found.group(1) if found else None

    # --- metrics ---------------------------------------------------------------------------------

    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        """Pin analytics over the last 90 days (what the API allows): impressions, saves, Pin
        clicks, outbound clicks, comments, video views (VIDEO_MRC_VIEW); lifetime figures
        where Pinterest gives them. A Pin it has no figures for keeps None."""
        result = {pin_id: PostMetrics(remote_id=pin_id) for pin_id in remote_ids}
        today = _now().date()
        params = {
            "start_date": (today - dt.timedelta(days=89)).isoformat(),
            "end_date": today.isoformat(),
            "metric_types": "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,TOTAL_COMMENTS,VIDEO_MRC_VIEW",
            "app_types": "ALL",
        }
        for pin_id in remote_ids:
            try:
                data = _json(self.call(account, "GET", f"/pins/{pin_id}/analytics", params=params))
            except RateLimited:
                if all(m.impressions is None for m in result.values()):
                    raise
                return result  # keep what we have; the rest comes with the next pull
            except Permanent:
                continue  # a deleted Pin, or one Pinterest keeps no figures for
            figures = _analytics_figures(data)
            result[pin_id] = PostMetrics(
                remote_id=pin_id,
                impressions=figures.get("IMPRESSION"),
                saves=figures.get("SAVE"),
                clicks=_sum(figures.get("PIN_CLICK"), figures.get("OUTBOUND_CLICK")),
                comments=figures.get("TOTAL_COMMENTS"),
                video_views=figures.get("VIDEO_MRC_VIEW"),
            )
        return result

    def fetch_account_metrics(self, account: AccountContext) -> AccountMetrics:
        """Followers, following and Pins from ``user_account``. Its ``monthly_views`` is a
        rolling 30-day figure (or -1 when hidden), not a day's impressions: left out."""
        me = _json(self.call(account, "GET", "/user_account"))
        return AccountMetrics(
            followers=_int(me.get("follower_count")),
            following=_int(me.get("following_count")),
            posts_count=_int(me.get("pin_count")),
            display_name=str(me.get("business_name") or me.get("username") or "") or None,
            avatar_url=me.get("profile_image") if isinstance(me.get("profile_image"), str) else None,
        )


# --- errors --------------------------------------------------------------------------------------


def pinterest_error(response: requests.Response) -> PlatformError | None:
    """Pinterest's ``{"code": <int>, "message": "..."}`` onto the four classes."""
    status = response.status_code
    if status < 400:
        return None
    body = _body(response)
    code = body.get("code") if isinstance(body.get("code"), int) else None
    message = _message(response, body)
    if code == TRIAL_CODE:
        error: PlatformError = Permanent(message, user_message=TRIAL_MESSAGE, status=status)
    elif status == 401 or (status == 403 and code == SCOPE_CODE):
        words = (
            "Pinterest says SMM was not given the permission this needs. Please reconnect the account "
            "and allow everything Pinterest asks."
            if code == SCOPE_CODE
            else "Pinterest no longer accepts SMM's access to this account. Please reconnect it."
        )
        error = AuthExpired(message, user_message=words, status=status)
    elif status == 429:
        wait = retry_after(response.headers, _now())
        if wait is None:
            wait = _reset_seconds(response.headers.get("X-RateLimit-Reset"))
        error = RateLimited(
            message,
            retry_after=wait if wait is not None else DEFAULT_RATE_LIMIT_WAIT,
            user_message="Pinterest asked us to slow down; we will try again when it allows.",
            status=status,
        )
    elif status >= 500 or status == 408:
        error = Transient(message, user_message="Pinterest had a problem on its side; we will retry.", status=status)
    elif status == 404:
        error = Permanent(
            message,
            user_message=f"Pinterest could not find it: {message} The board may have been deleted; "
            "choose another board.",
            status=status,
        )
    else:
        error = Permanent(message, user_message=f"Pinterest refused the request: {message}", status=status)
    error.code = code
    return error


def _reset_seconds(value: str | None) -> float | None:
    """``X-RateLimit-Reset`` (check: the header's name and meaning are not documented for
    v5): read as epoch seconds when it looks like a moment, else as seconds to wait."""
    try:
        number = float(value or "")
    except ValueError:
        return None
    if number > 1e9:
        return max(0.0, number - _now().timestamp())
    return max(0.0, number)


def _s3_error(response: requests.Response) -> str:
    """An S3 POST refusal (XML ``<Error><Code>...``) as "expired", "too_large", "slow_down"
    or the code itself lower-cased."""
    text = response.text or ""
    found = re.search(r"<Code>([^<]+)</Code>", text)
    code = found.group(1) if found else ""
    if code == "EntityTooLarge" or response.status_code == 413:
        return "too_large"
    if code == "SlowDown":
        return "slow_down"
    if code in ("ExpiredToken", "RequestExpired") or (code == "AccessDenied" and "expired" in text.lower()):
        return "expired"
    return code.lower()


def _body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _message(response: requests.Response, body: dict | None = None) -> str:
    body = _body(response) if body is None else body
    text = body.get("message") or body.get("error_description") or body.get("error")
    return str(text) if text else f"Pinterest answered HTTP {response.status_code}"


def _json(response: requests.Response) -> dict:
    body = _body(response)
    if not body and response.status_code != 204:
        raise Transient(
            f"Pinterest answered HTTP {response.status_code} with no JSON object",
            user_message="Pinterest gave an answer we could not read; we will try again.",
        )
    return body


def _analytics_figures(data: dict) -> dict[str, int]:
    """``{"all": {"lifetime_metrics", "summary_metrics", "daily_metrics"}}`` (keyed by app
    type) as {METRIC: total}: lifetime where given, else the period's summary, else the sum
    of the days that are ready."""
    block = data.get("all") or data.get("ALL") or next((v for v in data.values() if isinstance(v, dict)), {})
    if not isinstance(block, dict):
        return {}
    for key in ("lifetime_metrics", "summary_metrics"):
        metrics = block.get(key)
        if isinstance(metrics, dict) and metrics:
            return {str(k).upper(): v for k, v in metrics.items() if _int(v) is not None}
    totals: dict[str, int] = {}
    for day in block.get("daily_metrics") or []:
        if not isinstance(day, dict) or day.get("data_status") not in (None, "READY"):
            continue
        for name, value in (day.get("metrics") or {}).items():
            if _int(value) is not None:
                totals[str(name).upper()] = totals.get(str(name).upper(), 0) + int(value)
    return totals


def _int(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def _sum(*values) -> int | None:
    known = [int(v) for v in values if _int(v) is not None]
    return sum(known) if known else None


def _token_credentials(tokens: dict[str, Any]) -> dict[str, Any]:
    credentials: dict[str, Any] = {"access_token": tokens["access_token"]}
    expiry = expires_at(tokens.get("expires_in"))
    if expiry is not None:
        credentials["expires_at"] = expiry.isoformat()
    if tokens.get("refresh_token"):
        credentials["refresh_token"] = tokens["refresh_token"]
        refresh_expiry = expires_at(tokens.get("refresh_token_expires_in"))
        if refresh_expiry is not None:
            credentials["refresh_expires_at"] = refresh_expiry.isoformat()
    if tokens.get("scope"):
        credentials["scope"] = tokens["scope"]
    return credentials


def _result(pin_id: str, created_at=None) -> PublishResult:
    return PublishResult(remote_id=pin_id, url=pin_url(pin_id), published_at=_parse_time(created_at) or _now())


def _parse_time(value) -> dt.datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
