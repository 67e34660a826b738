"""YouTube through the Data API v3 (www.googleapis.com/youtube/v3).

Facts: /work/shared/PLATFORMS-VIDEO.md "YouTube". A post is one video; the post's text is
its description (up to 5,000 bytes) and its title is a network option (up to 100
characters). Vertical or square videos up to 3 minutes are Shorts: YouTube decides that
from the file itself (there is no API flag), so we only say so in the composer's note.

Publishing is a resumable upload: the session URI is remembered before any byte is sent,
the file goes up in chunks (multiples of 256 KiB) with the confirmed offset remembered
after each, an interrupted upload asks the session where it stands (``bytes */TOTAL``),
and a session that is gone makes us look for the video in the channel's uploads before a
new upload starts: one target never uploads twice (uploads come out of a small daily
allowance). The post counts as published once YouTube has processed the video (its
status waited for through ``StillProcessing``), so a rejected or failed upload is a failed
post with YouTube's reason in words, not a published one that never plays.

Scheduling: by default our own scheduler uploads the video at the post's time, so the
calendar, approvals and a brand's crisis pause hold until that minute. An account (or a
post) may instead choose YouTube's own ``publishAt``: the video is uploaded private when
the post is due and YouTube makes it public at ``publish_at``.

Quota: each call's cost is reported through ``count_quota`` (the core counts it per
project and Pacific day and warns at 80%); ``quotaExceeded`` and ``uploadLimitExceeded``
wait until the allowance is back.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

from smm.platforms import options as post_options
from smm.platforms.base import (
    REPLY_CLOCK_SKEW,
    AccountContext,
    AccountMetrics,
    Adapter,
    AuthExpired,
    ConnectedAccount,
    InboxItem,
    InboxPage,
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
from smm.platforms.oauth import authorize_url, expires_at
from smm.platforms.video import FileRange, VideoRules

logger = logging.getLogger(__name__)

API = "https://www.googleapis.com/youtube/v3"
UPLOAD_URL = "https://www.googleapis.com/upload/youtube/v3/videos"
AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/youtube.force-ssl",  # comments and replies
)

VIDEO_RULES = VideoRules(
    max_bytes=256 * 1024**3,
    max_seconds=12 * 3600,  # (check): 15 minutes for channels that are not verified
    mime_types=(
        "video/mp4",
        "video/quicktime",
        "video/webm",
        "video/x-msvideo",
        "video/mp2t",
        "video/ogg",
        "video/mpeg",
    ),
    max_videos=1,
    mix_with_images=False,
)
MAX_DESCRIPTION_BYTES = 5000
MAX_TITLE = 100
MAX_TAGS_CHARS = 500  # (check): YouTube counts a tag with a space as if quoted (+2)
SHORTS_MAX_SECONDS = 180  # square or vertical and at most 3 minutes: a Short (check)

PRIVACY = {"public": "Public", "unlisted": "Unlisted", "private": "Private"}
MADE_FOR_KIDS = {"no": "No", "yes": "Yes, made for kids"}
# SMM's own scheduler by default: the calendar, approvals and a brand's crisis pause hold
# until the minute the video goes out. YouTube's publishAt only when a person chooses it.
SCHEDULE_WITH = {
    "smm": "SMM, at the post's time",
    "youtube": "YouTube, private until its time",
}
# The categories a channel can assign in most regions (videoCategories.list, US; check).
CATEGORIES = {
    "1": "Film & Animation",
    "2": "Autos & Vehicles",
    "10": "Music",
    "15": "Pets & Animals",
    "17": "Sports",
    "19": "Travel & Events",
    "20": "Gaming",
    "22": "People & Blogs",
    "23": "Comedy",
    "24": "Entertainment",
    "25": "News & Politics",
    "26": "Howto & Style",
    "27": "Education",
    "28": "Science & Technology",
    "29": "Nonprofits & Activism",
}
DEFAULT_CATEGORY = "22"

# Quota buckets (revision history 2026-06-01): videos.insert has its own 100 calls a day;
# every other method here shares 10,000 units. Both reset at midnight Pacific time.
INSERT_BUCKET = "videos.insert"
DEFAULT_BUCKET = "default"
QUOTA_LIMITS = {INSERT_BUCKET: 100, DEFAULT_BUCKET: 10_000}
PACIFIC = ZoneInfo("America/Los_Angeles")

CHUNK_QUANTUM = 256 * 1024  # every chunk but the last is a multiple of this
# How long YouTube may process a video before we stop waiting for it (a long 4K video
# takes a while; a social clip takes a minute or two).
PROCESSING_LIMIT = dt.timedelta(hours=2)
PROCESSING_CHECK_AFTER = 15.0
PROCESSING_CHECK_AFTER_LONG = 60.0
# A video found in the uploads playlist counts as ours when it was uploaded this long
# before our upload started at the earliest (clocks disagree).
UPLOAD_MATCH_SKEW = dt.timedelta(minutes=5)
# A video just uploaded that videos.list does not show yet is waited for this long.
UNLISTED_GRACE = dt.timedelta(minutes=2)
# Backoff after a 5xx or a rate limit without a better figure.
RATE_LIMIT_WAIT = 60.0
INBOX_PAGES = 5
# The inbox is polled every minute; a page of comment threads costs a unit, so a YouTube
# account reads at most every 15 minutes (96 units a day, not 1,440).
INBOX_EVERY = dt.timedelta(minutes=15)

FAILURE_REASONS = {
    "codec": "it uses a codec YouTube does not play. Convert it to MP4 (H.264 with AAC sound) and post it again",
    "conversion": "YouTube could not convert it. Convert it to MP4 (H.264 with AAC sound) and post it again",
    "emptyFile": "the file is empty. Attach the video again",
    "invalidFile": "the file is not a video YouTube can read. Convert it to MP4 (H.264) and post it again",
    "tooSmall": "the file is too small to be a video. Attach the video again",
    "uploadAborted": "the upload was broken off. Post it again",
}
REJECTION_REASONS = {
    "claim": "of a copyright claim",
    "copyright": "of a copyright complaint",
    "duplicate": "the channel already has the same video",
    "inappropriate": "it breaks YouTube's rules on content",
    "legal": "of a legal complaint",
    "length": "it is longer than the channel may upload (verify the channel to upload videos over 15 minutes)",
    "termsOfUse": "it breaks YouTube's terms of use",
    "trademark": "of a trademark complaint",
    "uploaderAccountClosed": "the channel is closed",
    "uploaderAccountSuspended": "the channel is suspended",
}

_WATCH = re.compile(r"[A-Za-z0-9_-]{11}")


def video_url(video_id: str, *, short: bool = False) -> str:
    if short:
        return f"https://www.youtube.com/shorts/{video_id}"
    return f"https://www.youtube.com/watch?v={video_id}"


def next_reset(now: dt.datetime | None = None) -> dt.datetime:
    """The next midnight Pacific time, when YouTube's daily quota starts again."""
    local = (now or _now()).astimezone(PACIFIC)
    tomorrow = local.date() + dt.timedelta(days=1)
    return dt.datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=PACIFIC).astimezone(dt.UTC)


def quota_day(now: dt.datetime | None = None) -> dt.date:
    """The quota day (a Pacific date) ``now`` falls in."""
    return (now or _now()).astimezone(PACIFIC).date()


def chunk_plan(total: int, offset: int, size: int) -> list[tuple[int, int]]:
    """(start, length) of the chunks still to send of a ``total``-byte file from ``offset``;
    ``size`` is rounded down to a multiple of 256 KiB (at least one)."""
    size = max(CHUNK_QUANTUM, size - size % CHUNK_QUANTUM) if size >= CHUNK_QUANTUM else size
    return [(start, min(size, total - start)) for start in range(offset, total, size)]


def confirmed_end(response: requests.Response) -> int:
    """The next byte to send after a 308: ``Range: bytes=0-N`` means N+1; no Range, 0."""
    found = re.fullmatch(r"\s*bytes=0-(\d+)\s*", response.headers.get("Range") or "")
    return int(found.group(1)) + 1 if found else 0


def is_short(item) -> bool:
    """Square or vertical and at most 3 minutes: YouTube shows it as a Short."""
    if not (item.width and item.height and item.duration is not None):
        return False
    return item.width <= item.height and item.duration <= SHORTS_MAX_SECONDS + 0.05


class YouTubeAdapter(Adapter):
    name = "youtube"
    label = "YouTube"
    supports_refresh = True
    supports_images = False
    supports_inbox = True
    supports_reply = True
    idempotency = "recent_posts"
    media_required = True
    max_text_length = MAX_DESCRIPTION_BYTES
    max_images = 0
    video_rules = VIDEO_RULES
    post_options = (
        "title",
        "tags",
        "category",
        "privacy",
        "made_for_kids",
        "notify_subscribers",
        "schedule_with",
        "publish_at",
    )
    quota_limits: ClassVar[dict[str, int]] = QUOTA_LIMITS
    quota_timezone: ClassVar[str] = "America/Los_Angeles"
    # Bytes per PUT: a multiple of 256 KiB (tests set a small one). 8 MiB keeps a chunk's
    # retry cheap and remembers progress (renewing the publishing lease) often.
    chunk_size: ClassVar[int] = 32 * CHUNK_QUANTUM
    upload_timeout = (10, 300)
    # Set by the core (smm.accounts): ``count_quota(bucket, units)`` for each call's cost.
    count_quota = None

    def text_length(self, text: str) -> int:
        return len(text.encode("utf-8"))

    # --- content rules ---------------------------------------------------------------------

    def validate(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        over = self.text_length(self.description(content)) - MAX_DESCRIPTION_BYTES
        if over > 0:
            problems.append(
                Problem(
                    "text",
                    f"This is {over:,} bytes over YouTube's 5,000-byte limit for a description "
                    "(accented letters and emoji take 2 to 4 bytes).",
                    "too_long",
                )
            )
        if "<" in self.description(content) or ">" in self.description(content):
            problems.append(
                Problem("text", "YouTube does not take < or > in a description: remove them.", "angle_brackets")
            )
        if self.images_of(content):
            problems.append(Problem("media", "YouTube takes a video only: remove the images.", "media_type"))
        videos = self.videos_of(content)
        if not videos:
            problems.append(Problem("media", "YouTube needs a video: attach one.", "media_required"))
        problems += self.video_problems(content)
        for item in videos[:1]:
            if not item.path:
                problems.append(Problem("media", "The video has no file to upload to YouTube.", "media_missing"))
        problems += self.option_problems(content)
        return problems

    @staticmethod
    def description(content: PostContent) -> str:
        """The post's text, with its link added at the end where the text does not carry it
        (a YouTube description shows links as links)."""
        if content.link and content.link not in content.text:
            return f"{content.text}\n\n{content.link}".strip()
        return content.text

    def notes(self, content: PostContent) -> list[str]:
        """What the composer says about the post that is not a problem (the Short)."""
        videos = self.videos_of(content)
        if videos and is_short(videos[0]):
            return ["This video is vertical or square and at most 3 minutes long: YouTube shows it as a Short."]
        if videos and videos[0].width and videos[0].height and videos[0].width <= videos[0].height:
            return ["Over 3 minutes long, this vertical video is a regular YouTube video, not a Short."]
        return []

    @classmethod
    def clean_options(cls, options: dict | None) -> dict[str, Any]:
        options = options or {}
        cleaned: dict[str, Any] = {}
        title = post_options.text_value(options.get("title"))
        if title:
            cleaned["title"] = title
        tags = options.get("tags")
        if isinstance(tags, str):
            tags = tags.split(",")
        if isinstance(tags, list):
            tags = [t.strip().lstrip("#") for t in tags if isinstance(t, str) and t.strip().lstrip("#")]
            if tags:
                cleaned["tags"] = list(dict.fromkeys(tags))
        for name in ("category", "privacy", "made_for_kids", "schedule_with", "publish_at"):
            value = post_options.text_value(options.get(name))
            if value:
                cleaned[name] = value if name in ("category", "publish_at") else value.lower()
        notify = options.get("notify_subscribers")
        if notify is not None and notify != "" and not post_options.flag(notify):
            cleaned["notify_subscribers"] = False  # YouTube's default is to notify
        if cleaned.get("schedule_with") == "smm":
            del cleaned["schedule_with"]  # the default
        if cleaned.get("schedule_with") != "youtube":
            cleaned.pop("publish_at", None)
        return cleaned

    def option_problems(self, content: PostContent) -> list[Problem]:
        options = self.clean_options(content.options)
        problems: list[Problem] = []
        title = options.get("title", "")
        if not title:
            problems.append(Problem("options", "YouTube needs a title for the video: write one.", "title_required"))
        elif len(title) > MAX_TITLE:
            problems.append(
                Problem(
                    "options",
                    f"The title is {len(title) - MAX_TITLE} characters over YouTube's {MAX_TITLE}-character limit.",
                    "title_too_long",
                )
            )
        if "<" in title or ">" in title:
            problems.append(Problem("options", "YouTube does not take < or > in a title: remove them.", "title_chars"))
        tags = options.get("tags") or []
        length = sum(len(t) + (2 if " " in t else 0) for t in tags) + max(len(tags) - 1, 0)
        if length > MAX_TAGS_CHARS:
            problems.append(
                Problem(
                    "options",
                    f"The tags come to {length} characters; YouTube takes {MAX_TAGS_CHARS} in all.",
                    "tags_too_long",
                )
            )
        if any("<" in t or ">" in t for t in tags):
            problems.append(Problem("options", "YouTube does not take < or > in a tag.", "tag_chars"))
        for name, allowed, what in (
            ("category", CATEGORIES, "a category"),
            ("privacy", PRIVACY, "who can watch"),
            ("made_for_kids", MADE_FOR_KIDS, "an answer to “made for kids”"),
            ("schedule_with", SCHEDULE_WITH, "a way to schedule"),
        ):
            problem = post_options.choice_problem(options.get(name, ""), allowed, what=what, label=self.label)
            if problem:
                problems.append(problem)
        if not options.get("made_for_kids"):
            problems.append(
                Problem(
                    "options",
                    "YouTube requires an answer: is this video made for kids? Choose yes or no.",
                    "made_for_kids_required",
                )
            )
        if options.get("schedule_with") == "youtube":
            when = _parse_time(options.get("publish_at"))
            if when is None:
                problems.append(
                    Problem(
                        "options",
                        "Say when YouTube should make the video public, or let SMM publish it at the post's time.",
                        "publish_at_required",
                    )
                )
            elif options.get("privacy") not in (None, "", "private"):
                problems.append(
                    Problem(
                        "options",
                        "A video YouTube makes public at a time is uploaded private: choose Private, "
                        "or let SMM publish it at the post's time.",
                        "publish_at_privacy",
                    )
                )
        return problems

    # --- HTTP ------------------------------------------------------------------------------

    def _spend(self, bucket: str, units: int) -> None:
        if self.count_quota is not None:
            try:
                self.count_quota(bucket, units)
            except Exception:  # noqa: BLE001 - counting must never stop a post
                logger.exception("Counting YouTube quota failed")

    def _token(self, account: AccountContext) -> str:
        credentials = account.credentials
        if not credentials.get("access_token"):
            raise AuthExpired("No access token stored", user_message="This YouTube account needs reconnecting.")
        expiry = _parse_time(credentials.get("access_expires_at"))
        if expiry is not None and expiry - dt.timedelta(seconds=60) <= _now() and credentials.get("refresh_token"):
            self.refresh(account)  # an hour-long token: renewed before it runs out, not after a 401
        return account.credentials["access_token"]

    def call(
        self,
        account: AccountContext,
        method: str,
        path: str,
        *,
        units: int = 1,
        bucket: str = DEFAULT_BUCKET,
        params=None,
        json=None,
    ) -> dict:
        headers = {"Authorization": f"Bearer {self._token(account)}"}
        url = path if path.startswith("https://") else f"{API}{path}"
        self._spend(bucket, units)  # invalid requests cost too
        response = self.http.request(method, url, headers=headers, params=params, json=json)
        error = youtube_error(response)
        if error is not None:
            raise error
        try:
            data = response.json()
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    # --- connection ------------------------------------------------------------------------

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str, base_url: str = "") -> str:
        url = authorize_url(
            AUTHORIZE_URL,
            client_id=self.app.client_id,
            redirect_uri=redirect_uri,
            scope=" ".join(SCOPES),
            state=state,
            code_verifier=code_verifier,
        )
        # offline: a refresh token; consent: a refresh token again on a reconnect (Google
        # gives one only on the first consent otherwise).
        return f"{url}&access_type=offline&prompt=consent&include_granted_scopes=true"

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str, base_url: str = ""
    ) -> ConnectedAccount:
        tokens = self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
            }
        )
        account = AccountContext(network=self.name, credentials=_token_credentials(tokens))
        data = self.call(account, "GET", "/channels", params={"part": "snippet,contentDetails", "mine": "true"})
        channels = data.get("items") or []
        if not channels:
            raise Permanent(
                "The Google account has no YouTube channel",
                user_message="This Google account has no YouTube channel yet. Create one on YouTube, then connect.",
            )
        channel = channels[0]
        snippet = channel.get("snippet") or {}
        uploads = ((channel.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads", "")
        credentials = {**account.credentials, "channel_id": channel["id"], "uploads_playlist": uploads}
        handle = snippet.get("customUrl") or snippet.get("title") or channel["id"]
        thumbnails = snippet.get("thumbnails") or {}
        avatar = (thumbnails.get("default") or thumbnails.get("medium") or {}).get("url", "")
        # Google refresh tokens do not expire on a published app (an app left in "Testing"
        # loses them after 7 days (check)); the hour-long access token is renewed by itself,
        # so there is no connection expiry to warn about: a revoked one says so when used.
        return ConnectedAccount(
            remote_id=channel["id"],
            handle=handle,
            display_name=snippet.get("title", ""),
            avatar_url=avatar,
            credentials=credentials,
            token_expires_at=None,
        )

    def refresh(self, account: AccountContext) -> None:
        refresh_token = account.credentials.get("refresh_token")
        if not refresh_token:
            raise AuthExpired(
                "No refresh token stored",
                user_message="The YouTube connection has expired. Please reconnect the account.",
            )
        tokens = self._token_request(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
            }
        )
        # Google usually sends no new refresh token; a rotated one replaces the old one.
        account.update_credentials(_token_credentials(tokens))

    def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        response = self.http.request("POST", TOKEN_URL, data=form)
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        if response.status_code in (400, 401):
            error = str(body.get("error") or "")
            if error in ("invalid_grant", "unauthorized_client", "invalid_client") or response.status_code == 401:
                # invalid_grant: the refresh token was revoked, expired or the code is spent.
                raise AuthExpired(
                    f"Google refused the token request: {error or response.status_code}",
                    user_message="Google no longer accepts this YouTube connection. Please reconnect the account.",
                    status=response.status_code,
                )
            raise Permanent(
                f"Google refused the token request: {error or response.status_code}",
                user_message="Google refused to connect the YouTube account; try again.",
                status=response.status_code,
            )
        if response.status_code == 429 or response.status_code >= 500:
            raise Transient(
                f"Google's token endpoint answered HTTP {response.status_code}",
                user_message="Google had a temporary problem; we will try again.",
                status=response.status_code,
            )
        if response.status_code >= 400 or not body.get("access_token"):
            raise Permanent(
                f"Google's token endpoint answered HTTP {response.status_code} without a token",
                user_message="Google did not give SMM access to the YouTube account; try connecting again.",
                status=response.status_code,
            )
        return body

    # --- publishing ------------------------------------------------------------------------
    #
    # publish_state["yt"]: {"session": URI, "size": bytes, "file": name, "started_at": ISO,
    # "offset": next byte to send, "video_id": once done, "processing_since": ISO}. Saved
    # before each step and after each chunk, so a re-run never uploads what YouTube has.

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        self.raise_problems(self.validate(content))
        item = self.videos_of(content)[0]
        if not os.path.exists(item.path):
            raise Permanent(
                "The video has no local file to upload",
                user_message="The video's file is missing from the media library; attach it again.",
            )
        size = os.path.getsize(item.path)
        upload = dict(attempt.state.get("yt") or {})
        if upload and upload.get("size") != size:
            if upload.get("video_id"):
                raise Permanent(
                    "The video was replaced after it was uploaded to YouTube",
                    user_message="This post's video is already on YouTube; the new file was not uploaded again.",
                )
            upload = {}  # begun for another file: nothing of it was finished
        try:
            if not upload.get("video_id"):
                upload = self._upload(account, content, item.path, size, upload, attempt)
        except OutcomeUnknown as exc:
            # The session remembers what arrived: the next call asks it and carries on.
            raise Transient(
                exc.message,
                user_message="YouTube did not answer while we uploaded the video; we will carry on where we stopped.",
            ) from exc
        return self._when_processed(account, item, upload, attempt)

    def _upload(
        self, account: AccountContext, content: PostContent, path: str, size: int, upload: dict, attempt
    ) -> dict:
        if upload.get("session"):
            where = self._session_status(account, upload, size)
            if where == "gone":
                found = self._find_upload(account, content, upload)
                if found:
                    upload = {**upload, "video_id": found, "session": None}
                    attempt.remember(yt=upload)
                    return upload
                upload = {}
            elif isinstance(where, str):
                upload = {**upload, "video_id": where, "session": None, "offset": size}
                attempt.remember(yt=upload)
                return upload
            else:
                upload = {**upload, "offset": where}
                attempt.remember(yt=upload)
        if not upload.get("session"):
            upload = self._start_session(account, content, path, size, attempt)
        return self._send_chunks(account, path, size, upload, attempt)

    def video_body(self, content: PostContent, *, now: dt.datetime | None = None) -> dict:
        options = self.clean_options(content.options)
        snippet: dict[str, Any] = {
            "title": options.get("title", ""),
            "description": self.description(content),
            "categoryId": options.get("category") or DEFAULT_CATEGORY,
        }
        if options.get("tags"):
            snippet["tags"] = options["tags"]
        status: dict[str, Any] = {
            "privacyStatus": options.get("privacy") or "public",
            "selfDeclaredMadeForKids": options.get("made_for_kids") == "yes",
        }
        if options.get("schedule_with") == "youtube":
            when = _parse_time(options.get("publish_at"))
            if when is not None and when > (now or _now()) + dt.timedelta(minutes=1):
                status["privacyStatus"] = "private"
                status["publishAt"] = when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
            else:
                # The time has come (the post went out late): public now, as planned.
                status["privacyStatus"] = "public"
        return {"snippet": snippet, "status": status}

    def _start_session(
        self, account: AccountContext, content: PostContent, path: str, size: int, attempt: PublishAttempt
    ) -> dict:
        item = self.videos_of(content)[0]
        options = self.clean_options(content.options)
        started = _now()
        params = {"uploadType": "resumable", "part": "snippet,status"}
        if options.get("notify_subscribers") is False:
            params["notifySubscribers"] = "false"
        headers = {
            "Authorization": f"Bearer {self._token(account)}",
            "Content-Type": "application/json; charset=UTF-8",
            "X-Upload-Content-Length": str(size),
            "X-Upload-Content-Type": item.mime_type if item.mime_type.startswith("video/") else "video/*",
        }
        self._spend(INSERT_BUCKET, 1)
        # No video exists until its bytes are all sent: a lost answer here costs a session.
        response = self.http.request("POST", UPLOAD_URL, params=params, headers=headers, json=self.video_body(content))
        error = youtube_error(response)
        if error is not None:
            raise error
        session = response.headers.get("Location") or ""
        if not session.startswith("https://"):
            raise Transient(
                "YouTube opened no upload session (no Location)",
                user_message="YouTube did not say where to upload the video; we will try again.",
            )
        upload = {
            "session": session,
            "size": size,
            "file": os.path.basename(path),
            "title": options.get("title", ""),
            "started_at": started.isoformat(),
            "offset": 0,
        }
        attempt.remember(yt=upload)  # before any byte is sent
        return upload

    def _session_status(self, account: AccountContext, upload: dict, size: int) -> int | str:
        """Where an interrupted session stands: the next byte to send, the video id when it
        is complete, or "gone"."""
        response = self.http.request(
            "PUT",
            upload["session"],
            headers={
                "Authorization": f"Bearer {self._token(account)}",
                "Content-Length": "0",
                "Content-Range": f"bytes */{size}",
            },
            data=b"",
        )
        if response.status_code == 308:
            return confirmed_end(response)
        if response.status_code in (200, 201):
            return self._video_id(response)
        if response.status_code in (404, 410):
            return "gone"
        error = youtube_error(response) or Transient(f"YouTube answered HTTP {response.status_code}")
        raise error

    def _send_chunks(self, account: AccountContext, path: str, size: int, upload: dict, attempt) -> dict:
        offset = int(upload.get("offset") or 0)
        while offset < size:
            start, length = chunk_plan(size, offset, self.chunk_size)[0]
            last = start + length - 1
            response = self.http.request(
                "PUT",
                upload["session"],
                headers={
                    "Authorization": f"Bearer {self._token(account)}",
                    "Content-Range": f"bytes {start}-{last}/{size}",
                },
                data=FileRange(path, start, length),
                timeout=self.upload_timeout,
            )
            if response.status_code == 308:
                confirmed = confirmed_end(response)
                if confirmed <= offset and confirmed < start + length:
                    # YouTube kept nothing of this chunk; once is a hiccup, twice is a fault.
                    if upload.get("stalled_at") == offset:
                        raise Transient(
                            f"YouTube did not keep the bytes from {offset} on",
                            user_message="YouTube did not take part of the video; we will carry on later.",
                        )
                    upload = {**upload, "stalled_at": offset}
                offset = confirmed
                upload = {**upload, "offset": offset}
                attempt.remember(yt=upload)  # renews the publishing lease too
                continue
            if response.status_code in (200, 201):
                video_id = self._video_id(response)
                upload = {**upload, "offset": size, "video_id": video_id, "session": None}
                attempt.remember(yt=upload)
                return upload
            if response.status_code in (404, 410):
                raise Transient(
                    "YouTube's upload session ended mid-upload",
                    user_message="YouTube ended the upload midway; we will check what arrived before going on.",
                )
            error = youtube_error(response)
            if isinstance(error, Transient) or error is None:
                raise Transient(
                    f"YouTube answered HTTP {response.status_code} to bytes {start}-{last}",
                    user_message="YouTube had a temporary problem in the upload; we will carry on where it stopped.",
                    status=response.status_code,
                )
            raise error
        # Every byte was confirmed but the finishing answer was lost: ask the session.
        where = self._session_status(account, upload, size)
        if isinstance(where, str) and where != "gone":
            upload = {**upload, "video_id": where, "session": None}
            attempt.remember(yt=upload)
            return upload
        raise Transient(
            "YouTube confirmed every byte but gave no video",
            user_message="YouTube did not finish the upload; we will check again.",
        )

    def _video_id(self, response: requests.Response) -> str:
        try:
            video_id = str((response.json() or {}).get("id") or "")
        except (ValueError, AttributeError):
            video_id = ""
        if not video_id:
            raise UnreadableAnswer("YouTube finished the upload but did not say the video's id", label=self.label)
        return video_id

    def _find_upload(self, account: AccountContext, content: PostContent, upload: dict) -> str | None:
        """The video our gone session made, from the channel's uploads: same title, uploaded
        after our session started."""
        playlist = account.credentials.get("uploads_playlist") or self._uploads_playlist(account)
        data = self.call(
            account,
            "GET",
            "/playlistItems",
            params={"part": "snippet,contentDetails", "playlistId": playlist, "maxResults": 50},
        )
        title = upload.get("title") or self.clean_options(content.options).get("title", "")
        started = _parse_time(upload.get("started_at"))
        for entry in data.get("items") or []:
            snippet = entry.get("snippet") or {}
            if (snippet.get("title") or "").strip() != title.strip():
                continue
            uploaded = _parse_time(snippet.get("publishedAt"))
            if started and uploaded and uploaded < started - UPLOAD_MATCH_SKEW:
                continue
            video_id = (entry.get("contentDetails") or {}).get("videoId") or (snippet.get("resourceId") or {}).get(
                "videoId"
            )
            if video_id:
                return str(video_id)
        return None

    def _uploads_playlist(self, account: AccountContext) -> str:
        data = self.call(account, "GET", "/channels", params={"part": "contentDetails", "mine": "true"})
        items = data.get("items") or []
        uploads = ((items[0].get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads") if items else ""
        if not uploads:
            raise OutcomeUnknown("YouTube did not name the channel's uploads playlist")
        account.update_credentials({"uploads_playlist": uploads})
        return uploads

    def _when_processed(self, account: AccountContext, item, upload: dict, attempt) -> PublishResult:
        video_id = upload["video_id"]
        data = self.call(account, "GET", "/videos", params={"part": "status,processingDetails", "id": video_id})
        items = data.get("items") or []
        since = _parse_time(upload.get("processing_since"))
        if since is None:
            since = _now()
            upload = {**upload, "processing_since": since.isoformat()}
            attempt.remember(yt=upload)
        waited = _now() - since
        state = (items[0].get("status") or {}) if items else {}
        status = str(state.get("uploadStatus") or "uploaded") if items else ""
        if not items:
            # Just uploaded and not listed yet (briefly), or deleted on YouTube since.
            status = "deleted" if waited > UNLISTED_GRACE else "uploaded"
        if status == "processed":
            return PublishResult(remote_id=video_id, url=video_url(video_id, short=is_short(item)), published_at=_now())
        if status == "failed":
            reason = state.get("failureReason") or ""
            words = FAILURE_REASONS.get(reason, "its processing failed. Convert it to MP4 (H.264) and post it again")
            attempt.remember(yt=None)  # a retry by a person uploads the file afresh
            raise Permanent(
                f"YouTube could not process video {video_id}: {reason or 'failed'}",
                user_message=f"YouTube could not process the video: {words}.",
            )
        if status == "rejected":
            reason = state.get("rejectionReason") or ""
            words = REJECTION_REASONS.get(reason, "of its rules")
            raise Permanent(
                f"YouTube rejected video {video_id}: {reason or 'rejected'}",
                user_message=f"YouTube rejected the video because {words}.",
            )
        if status == "deleted":
            attempt.remember(yt=None)
            raise Permanent(
                f"Video {video_id} was deleted on YouTube",
                user_message="The video was deleted on YouTube before it went out. Post it again to upload it anew.",
            )
        if waited > PROCESSING_LIMIT:
            raise Permanent(
                f"YouTube was still processing video {video_id} after {waited.total_seconds() / 60:.0f} minutes",
                user_message=(
                    "YouTube has been processing the video for over two hours. It is on the channel "
                    f"(https://www.youtube.com/watch?v={video_id}); check it there rather than posting it again."
                ),
            )
        check_after = PROCESSING_CHECK_AFTER if waited < dt.timedelta(minutes=5) else PROCESSING_CHECK_AFTER_LONG
        progress = None
        parts = (items[0].get("processingDetails") or {}).get("processingProgress") if items else None
        if isinstance(parts, dict):
            try:
                progress = int(100 * int(parts["partsProcessed"]) / max(int(parts["partsTotal"]), 1))
            except (KeyError, TypeError, ValueError):
                progress = None
        raise StillProcessing("YouTube is processing the video", check_after=check_after, progress=progress)

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        """Our video id when the upload finished; the channel's uploads when the session
        cannot say; None when no byte can have made a video."""
        upload = attempt.state.get("yt") or {}
        items = self.videos_of(content)
        short = is_short(items[0]) if items else False
        if upload.get("video_id"):
            video_id = upload["video_id"]
            return PublishResult(remote_id=video_id, url=video_url(video_id, short=short), published_at=_now())
        if not upload.get("session"):
            return None  # no session was opened: nothing was uploaded
        size = upload.get("size") or 0
        where = self._session_status(account, upload, size)
        if isinstance(where, int):
            return None  # the session is still open and incomplete: no video yet
        video_id = where if where != "gone" else self._find_upload(account, content, upload)
        if not video_id:
            return None
        attempt.remember(yt={**upload, "video_id": video_id, "session": None})
        return PublishResult(remote_id=video_id, url=video_url(video_id, short=short), published_at=_now())

    @classmethod
    def remote_id_from_url(cls, url: str, account: AccountContext) -> str | None:
        link = urlsplit(url.strip())
        host = (link.hostname or "").lower()
        if host == "youtu.be":
            candidate = link.path.strip("/")
        elif host in ("youtube.com", "www.youtube.com", "m.youtube.com"):
            if link.path.startswith("/shorts/"):
                candidate = link.path.removeprefix("/shorts/").strip("/")
            else:
                found = re.search(r"(?:^|&)v=([^&]+)", link.query)
                candidate = found.group(1) if found else ""
        else:
            return None
        return candidate if _WATCH.fullmatch(candidate) else None

    # --- metrics ---------------------------------------------------------------------------

    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        """videos.list statistics, 50 ids a call (1 unit each): views into ``video_views``.
        YouTube reports no impressions through the Data API (Analytics does, later)."""
        result = {video_id: PostMetrics(remote_id=video_id) for video_id in remote_ids}
        for start in range(0, len(remote_ids), 50):
            batch = remote_ids[start : start + 50]
            data = self.call(account, "GET", "/videos", params={"part": "statistics", "id": ",".join(batch)})
            for entry in data.get("items") or []:
                video_id = entry.get("id")
                if video_id not in result:
                    continue
                stats = entry.get("statistics") or {}
                result[video_id] = PostMetrics(
                    remote_id=video_id,
                    video_views=_int(stats.get("viewCount")),
                    likes=_int(stats.get("likeCount")),
                    comments=_int(stats.get("commentCount")),
                    # favoriteCount is deprecated (always 0): saves stay "not reported"
                )
        return result

    def fetch_account_metrics(self, account: AccountContext) -> AccountMetrics:
        data = self.call(account, "GET", "/channels", params={"part": "snippet,statistics", "mine": "true"})
        items = data.get("items") or []
        if not items:
            return AccountMetrics()
        stats = items[0].get("statistics") or {}
        snippet = items[0].get("snippet") or {}
        hidden = stats.get("hiddenSubscriberCount") is True
        thumbnails = snippet.get("thumbnails") or {}
        return AccountMetrics(
            followers=None if hidden else _int(stats.get("subscriberCount")),
            posts_count=_int(stats.get("videoCount")),
            display_name=snippet.get("title"),
            avatar_url=(thumbnails.get("default") or {}).get("url"),
        )

    # --- inbox -----------------------------------------------------------------------------

    def _channel_id(self, account: AccountContext) -> str:
        return str(account.credentials.get("channel_id") or account.remote_id)

    def fetch_inbox(self, account: AccountContext, cursor: str = "") -> InboxPage:
        """Comment threads on the channel's videos (newest first, 100 a page, 1 unit a page)
        newer than the newest comment seen, with the replies each thread carries; the
        channel's own comments are not inbox items. ``cursor`` is "<newest comment's time>|
        <when we read>" (ISO): within ``INBOX_EVERY`` of the last read, nothing is asked."""
        newest, _, polled = cursor.partition("|")
        read_at = _parse_time(polled)
        now = _now()
        if read_at is not None and now - read_at < INBOX_EVERY:
            return InboxPage(items=[], cursor=cursor)  # read lately: spare the allowance
        channel = self._channel_id(account)
        since = _parse_time(newest)
        items: list[InboxItem] = []
        page_token = ""
        for _ in range(INBOX_PAGES):
            params = {
                "part": "snippet,replies",
                "allThreadsRelatedToChannelId": channel,
                "maxResults": 100,
                "order": "time",
                "textFormat": "plainText",
            }
            if page_token:
                params["pageToken"] = page_token
            data = self.call(account, "GET", "/commentThreads", params=params)
            older = False
            for thread in data.get("items") or []:
                top = ((thread.get("snippet") or {}).get("topLevelComment")) or {}
                video_id = (thread.get("snippet") or {}).get("videoId") or (top.get("snippet") or {}).get("videoId", "")
                comment = self._inbox_item(top, channel, video_id, thread_id=thread.get("id", ""), parent="")
                if comment is not None and since is not None and comment.created_at <= since:
                    older = True
                elif comment is not None:
                    items.append(comment)
                for reply in (thread.get("replies") or {}).get("comments") or []:
                    answer = self._inbox_item(
                        reply, channel, video_id, thread_id=thread.get("id", ""), parent=thread.get("id", "")
                    )
                    if answer is not None and (since is None or answer.created_at > since):
                        items.append(answer)
            page_token = data.get("nextPageToken") or ""
            if older or not page_token or since is None:
                break
        items.sort(key=lambda i: i.created_at)
        if items:
            newest = items[-1].created_at.isoformat()
        return InboxPage(items=items, cursor=f"{newest}|{now.isoformat()}")

    def _inbox_item(
        self, comment: dict, channel: str, video_id: str, *, thread_id: str, parent: str
    ) -> InboxItem | None:
        snippet = comment.get("snippet") or {}
        author = (snippet.get("authorChannelId") or {}).get("value", "")
        if not comment.get("id") or author == channel:
            return None
        created = _parse_time(snippet.get("publishedAt")) or _now()
        return InboxItem(
            remote_id=str(comment["id"]),
            kind="reply" if parent else "comment",
            text=snippet.get("textOriginal") or snippet.get("textDisplay") or "",
            created_at=created,
            author_handle=snippet.get("authorDisplayName") or author,
            author_name=snippet.get("authorDisplayName", ""),
            author_avatar=snippet.get("authorProfileImageUrl", ""),
            url=f"https://www.youtube.com/watch?v={video_id}&lc={comment['id']}" if video_id else "",
            post_remote_id=video_id,
            parent_remote_id=parent,
            conversation_id=thread_id or str(comment["id"]),
        )

    def _thread_of(self, item: InboxItem) -> str:
        """YouTube nests one level: an answer to a reply goes under its top-level comment."""
        return item.parent_remote_id or item.conversation_id or item.remote_id

    def reply(self, account: AccountContext, item: InboxItem, text: str) -> PublishResult:
        """comments.insert (50 units) under the comment's thread."""
        data = self.call(
            account,
            "POST",
            "/comments",
            units=50,
            params={"part": "snippet"},
            json={"snippet": {"parentId": self._thread_of(item), "textOriginal": text}},
        )
        comment_id = str(data.get("id") or "")
        if not comment_id:
            raise UnreadableAnswer("YouTube accepted the reply but did not say its id", label=self.label)
        video = item.post_remote_id
        url = f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else item.url
        return PublishResult(remote_id=comment_id, url=url, published_at=_now())

    def find_reply(
        self, account: AccountContext, item: InboxItem, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        """comments.list of the thread's replies (1 unit a page): ours, with our text, written
        since ``since``."""
        channel = self._channel_id(account)
        page_token = ""
        for _ in range(INBOX_PAGES):
            params = {
                "part": "snippet",
                "parentId": self._thread_of(item),
                "maxResults": 100,
                "textFormat": "plainText",
            }
            if page_token:
                params["pageToken"] = page_token
            data = self.call(account, "GET", "/comments", params=params)
            for comment in data.get("items") or []:
                snippet = comment.get("snippet") or {}
                if (snippet.get("authorChannelId") or {}).get("value") != channel:
                    continue
                if (snippet.get("textOriginal") or "").strip() != text.strip():
                    continue
                written = _parse_time(snippet.get("publishedAt"))
                if written is not None and written < since - REPLY_CLOCK_SKEW:
                    continue
                comment_id = str(comment.get("id") or "")
                video = item.post_remote_id
                url = f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else item.url
                return PublishResult(remote_id=comment_id, url=url, published_at=written or _now())
            page_token = data.get("nextPageToken") or ""
            if not page_token:
                return None
        raise OutcomeUnknown("YouTube lists more replies than we read; we could not find ours")


# --- errors -------------------------------------------------------------------------------------


def youtube_error(response: requests.Response, now: dt.datetime | None = None) -> PlatformError | None:
    """Google's JSON error (``{"error": {"code", "message", "errors": [{"reason", "domain"}]}}``)
    as one of the four classes, in a marketer's words."""
    status = response.status_code
    if status < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = (body.get("error") if isinstance(body, dict) else None) or {}
    if not isinstance(error, dict):
        error = {"message": str(error)}
    reasons = [str(e.get("reason") or "") for e in error.get("errors") or [] if isinstance(e, dict)]
    reason = reasons[0] if reasons else str(error.get("status") or "")
    message = f"{error.get('message') or f'YouTube answered HTTP {status}'} ({reason or status})"
    if "quotaExceeded" in reasons or "dailyLimitExceeded" in reasons:
        reset = next_reset(now)
        wait = (reset - (now or _now())).total_seconds()
        return RateLimited(
            message,
            retry_after=max(wait, 60.0),
            user_message=(
                "SMM has used up today's YouTube allowance for this installation; YouTube renews it at midnight "
                f"Pacific time ({reset:%H:%M} UTC) and we will carry on then."
            ),
            status=status,
        )
    if "uploadLimitExceeded" in reasons:
        return RateLimited(
            message,
            retry_after=24 * 3600.0,
            user_message="The channel has reached YouTube's daily upload limit; we will try again in 24 hours.",
            status=status,
        )
    if status == 429 or "rateLimitExceeded" in reasons or "userRateLimitExceeded" in reasons:
        return RateLimited(
            message,
            retry_after=RATE_LIMIT_WAIT,
            user_message="YouTube asked us to slow down; we will try again shortly.",
            status=status,
        )
    if status == 401:
        return AuthExpired(
            message,
            user_message="YouTube no longer accepts this connection. Please reconnect the account.",
            status=status,
        )
    if status >= 500:
        return Transient(message, user_message="YouTube had a temporary problem; we will retry.", status=status)
    words = {
        "insufficientPermissions": "SMM is missing a YouTube permission. Reconnect the account and allow every "
        "permission asked for.",
        "youtubeSignupRequired": "This Google account has no YouTube channel. Create one on YouTube, then reconnect.",
        "commentsDisabled": "Comments are turned off on this video, so YouTube took no reply.",
        "forbidden": "YouTube does not allow this for the channel.",
        "invalidTitle": "YouTube refused the title: keep it under 100 characters, without < or >.",
        "invalidDescription": "YouTube refused the description: keep it under 5,000 bytes, without < or >.",
        "invalidTags": "YouTube refused the tags: keep them under 500 characters in all.",
        "invalidCategoryId": "YouTube does not offer that category to this channel; choose another.",
        "invalidPublishAt": "YouTube refused the time to make the video public; choose a time in the future.",
        "invalidVideoMetadata": "YouTube refused the video's details (title, description or tags).",
        "videoNotFound": "The video is no longer on YouTube.",
        "commentNotFound": "The comment is no longer on YouTube.",
        "processingFailure": "YouTube could not process the comment; try again.",
        "channelClosed": "The YouTube channel is closed.",
        "channelSuspended": "The YouTube channel is suspended.",
    }
    user_message = next((words[r] for r in reasons if r in words), f"YouTube refused the request: {message}")
    if "insufficientPermissions" in reasons or "youtubeSignupRequired" in reasons:
        return AuthExpired(message, user_message=user_message, status=status)
    return Permanent(message, user_message=user_message, status=status)


def _token_credentials(tokens: dict[str, Any]) -> dict[str, Any]:
    credentials: dict[str, Any] = {"access_token": tokens["access_token"]}
    expiry = expires_at(tokens.get("expires_in"))
    if expiry is not None:
        # Not "expires_at": that key is the connection's expiry the core warns about, and an
        # hour-long access token renewed by itself is no such thing.
        credentials["access_expires_at"] = expiry.isoformat()
    if tokens.get("refresh_token"):
        credentials["refresh_token"] = tokens["refresh_token"]
    if tokens.get("scope"):
        credentials["scope"] = tokens["scope"]
    return credentials


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parse_time(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
