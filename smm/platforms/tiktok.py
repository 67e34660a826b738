"""TikTok through the Content Posting API and the Display API (open.tiktokapis.com).

Facts: /work/shared/PLATFORMS-VIDEO.md "TikTok". The caption is the post's text (TikTok
calls it the title of a video: up to 2,200 UTF-16 units); a post is one video or a
carousel of photos (photos go by public URL only, JPEG or WebP).

Connection: Login Kit for Web (OAuth 2 with the client secret: TikTok documents PKCE for
its desktop and mobile kits only (check)). Access tokens live hours and refresh tokens
rotate: every refresh stores the newest. The connection's expiry (``expires_at`` in the
credentials, the account's ``token_expires_at``) is the refresh token's, so the expiry
warnings speak of the connection, not of an access token renewed many times a day.

Creator info (``/v2/post/publish/creator_info/query/``): who may see a post, whether the
creator turned comments, duets or stitches off, and the longest video they may post. It
is read at connection and once a day into the account's ``limits`` (``account_limits``;
``apply_limits`` makes the composer's checks use it), and again before every post. An app
TikTok has not audited may post only as "Only me": ``private_only`` in the cached info says
so (blocking other choices in the composer), ``unaudited_seen`` that TikTok refused a post for
it; ``TikTokAdapter.account_notice(limits)`` is the sentence the account page can show.

Publishing keeps ``attempt.state["tiktok"]``: the moment before init (``init_sent_at``),
the ``publish_id`` as soon as init answers, the upload URL and each chunk sent, and since
when TikTok has been processing. Status is asked with ``/v2/post/publish/status/fetch/``
and waited for with ``StillProcessing``; nothing is ever initialised twice for one target
while a ``publish_id`` is alive.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from smm.platforms import options as post_options
from smm.platforms.base import (
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
)
from smm.platforms.errors import retry_after
from smm.platforms.oauth import expires_at
from smm.platforms.text import at_handle
from smm.platforms.video import FileRange, VideoRules

API = "https://open.tiktokapis.com"
AUTHORIZE_URL = "https://www.tiktok.com/v2/auth/authorize/"
TOKEN_PATH = "/v2/oauth/token/"
# Login Kit scopes, comma-separated as TikTok wants them.
SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats", "video.list", "video.publish")

# TikTok's media transfer guide and the limits quoted by its docs; (check) where noted.
VIDEO_RULES = VideoRules(
    max_bytes=4 * 1024 * 1024 * 1024,
    min_seconds=3,  # (check)
    max_seconds=10 * 60,  # the API's ceiling; each creator's own maximum comes from creator_info
    min_fps=23,
    max_fps=60,
    max_width=4096,
    max_height=4096,
    mime_types=("video/mp4", "video/webm", "video/quicktime"),
    video_codecs=("h264", "hevc", "vp8", "vp9"),
    max_videos=1,
    mix_with_images=False,
)
MAX_PHOTOS = 35
PHOTO_TITLE_LENGTH = 90

PRIVACY = {
    "PUBLIC_TO_EVERYONE": "Everyone",
    "MUTUAL_FOLLOW_FRIENDS": "Friends",
    "FOLLOWER_OF_CREATOR": "Followers",
    "SELF_ONLY": "Only me",
}
SELF_ONLY = "SELF_ONLY"
UNAUDITED = "unaudited_client_can_only_post_to_private_accounts"
UNAUDITED_SEEN = "tiktok_unaudited_seen"  # in the credentials: when TikTok last said so

# Chunk rules of the media transfer guide. "MB" is not said to be 10^6 or 2^20: chunks stay
# between 5 MiB and 64,000,000 bytes, which is inside either reading; the last chunk takes
# the rest and may be up to 128 MB.
MIN_CHUNK = 5 * 1024 * 1024
MAX_CHUNK = 64_000_000
MAX_LAST_CHUNK = 128_000_000
MAX_CHUNKS = 1000
DEFAULT_CHUNK = 16_000_000

# Waiting for TikTok: processing is about 30 s for 512 MB (docs), moderation of a public
# post "usually under a minute, sometimes hours". We ask every 10 s, then every 30 s.
CHECK_AFTER = 10.0
CHECK_AFTER_LONG = 30.0
PROCESSING_LIMIT = dt.timedelta(minutes=30)
# A finished post whose public id TikTok has not given yet (moderation): after this long it
# is recorded as published with the publish id and the profile's link.
MODERATION_LIMIT = dt.timedelta(hours=2)
# After a lost init answer for a post TikTok fetches itself (a URL, photos): how long the
# creator's videos are looked at again before we conclude it did not go out.
LOOKUP_SETTLE = dt.timedelta(minutes=15)
LOOKUP_CLOCK_SKEW = dt.timedelta(minutes=2)
# Refreshed before use when the access token is this close to its end.
EXPIRY_MARGIN = dt.timedelta(minutes=5)
# 429 without Retry-After (TikTok documents no rate-limit headers (check)): its windows are
# one minute long.
DEFAULT_RATE_LIMIT_WAIT = 60.0
DAY = 24 * 3600.0

_VIDEO_PATH = re.compile(r"/@[^/]+/(?:video|photo)/(\d+)/?")
_HOSTS = {"tiktok.com", "www.tiktok.com", "m.tiktok.com"}


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- the chunk planner -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkPlan:
    """How a file of ``size`` bytes goes to TikTok: what init is told (``chunk_size``,
    ``total_chunk_count``) and each PUT's (start, length)."""

    size: int
    chunk_size: int
    total_chunk_count: int
    ranges: tuple[tuple[int, int], ...]


def plan_chunks(
    size: int, chunk_size: int = DEFAULT_CHUNK, *, min_chunk: int = MIN_CHUNK, max_chunk: int = MAX_CHUNK
) -> ChunkPlan:
    """The chunks of TikTok's media transfer guide: a file under ``min_chunk`` (5 MB) goes
    whole with ``chunk_size`` = its size; otherwise chunks of ``chunk_size`` (kept within
    5-64 MB), ``total_chunk_count = floor(size / chunk_size)``, and the last chunk takes the
    trailing bytes (so it may be up to twice a chunk: 128 MB at most). At most 1,000 chunks:
    a larger chunk is chosen when the file needs it."""
    if size <= 0:
        raise ValueError("a video of no bytes cannot be uploaded")
    if size < min_chunk:
        return ChunkPlan(size, size, 1, ((0, size),))
    chunk = max(min_chunk, min(chunk_size, max_chunk))
    if size // chunk > MAX_CHUNKS:
        chunk = -(-size // MAX_CHUNKS)
    if size <= chunk:
        return ChunkPlan(size, size, 1, ((0, size),))
    count = size // chunk
    ranges = [(index * chunk, chunk) for index in range(count - 1)]
    last_start = (count - 1) * chunk
    ranges.append((last_start, size - last_start))
    return ChunkPlan(size, chunk, count, tuple(ranges))


def content_range(start: int, length: int, total: int) -> str:
    return f"bytes {start}-{start + length - 1}/{total}"


# --- the adapter -----------------------------------------------------------------------------


class TikTokAdapter(Adapter):
    name = "tiktok"
    label = "TikTok"
    connect_kind = "oauth2"
    idempotency = "recent_posts"
    supports_refresh = True
    supports_links = False  # links in captions are not clickable
    supports_inbox = False  # no comment or message endpoints for our kind of app
    supports_reply = False
    media_required = True
    max_text_length = 2200
    max_images = MAX_PHOTOS
    max_image_bytes = 20 * 1024 * 1024
    image_types = ("image/jpeg", "image/webp")
    converts_to_jpeg = ("image/png",)
    video_rules = VIDEO_RULES
    post_options = (
        "privacy_level",
        "allow_comment",
        "allow_duet",
        "allow_stitch",
        "brand_organic",
        "brand_content",
        "is_aigc",
        "photo_title",
        "auto_add_music",
    )
    # Bytes per chunk asked for; the planner keeps it within TikTok's rules. Tests lower
    # ``min_chunk`` to cut a small clip in chunks.
    chunk_size = DEFAULT_CHUNK
    min_chunk = MIN_CHUNK
    # PULL_FROM_URL (TikTok fetches the file) needs the site's domain verified for the app
    # in TikTok's developer portal: settings.TIKTOK_PULL_FROM_URL says it is. None: read it.
    pull_from_url: bool | None = None

    def __init__(self, app=None, *, http=None):
        super().__init__(app, http=http)
        self.now = lambda: dt.datetime.now(dt.UTC)
        self.creator: dict[str, Any] = {}

    # --- content rules -------------------------------------------------------------------

    def text_length(self, text: str) -> int:
        return utf16_length(text)

    def apply_limits(self, limits: dict | None) -> TikTokAdapter:
        """The account's creator info as last read (``account_limits``): the composer's
        checks offer its privacy levels and hold videos to its longest duration."""
        super().apply_limits(limits)
        creator = creator_limits_of(limits)
        self.creator = creator
        longest = creator.get("max_video_post_duration_sec")
        if isinstance(longest, int) and longest > 0:
            self.video_rules = VIDEO_RULES.with_limits(max_seconds=min(longest, VIDEO_RULES.max_seconds))
        return self

    def account_limits(self, account: AccountContext) -> dict:
        return self.creator_info(account)

    def validate(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        too_long = self.too_long_problem(content.text, note="counted as TikTok counts, emoji as two")
        if too_long:
            problems.append(too_long)
        if not content.media:
            problems.append(Problem("media", "TikTok needs a video or photos: attach one.", "media_required"))
        images = self.images_of(content)
        problems += self.image_rule_problems(
            content,
            name="TikTok",
            types_allowed="must be a JPEG or WebP for TikTok",
            size_limit="20 MB",
            also=lambda index, item: (
                None
                if _is_public_url(item.url)
                else Problem("media", f"Image {index} has no public address TikTok can fetch it from.", "media_url")
            ),
        )
        if images and not self.videos_of(content) and not self.pulls_from_url():
            problems.append(
                Problem(
                    "media",
                    "TikTok takes photos only from a web address it has verified for SMM, and this installation's "
                    "address is not verified with TikTok: post a video instead, or ask your administrator.",
                    "photos_need_verified_domain",
                )
            )
        problems += self.video_problems(content)
        for item in self.videos_of(content):
            if not item.path and not (self.pulls_from_url() and _is_public_url(item.url)):
                problems.append(Problem("media", "The video has no file to upload to TikTok.", "media_missing"))
        problems += self.option_problems(content)
        return problems

    @classmethod
    def clean_options(cls, options: dict | None) -> dict[str, Any]:
        options = options if isinstance(options, dict) else {}
        cleaned: dict[str, Any] = {}
        privacy = post_options.text_value(options.get("privacy_level")).upper()
        if privacy:
            cleaned["privacy_level"] = privacy
        # Interaction toggles are off unless chosen: TikTok's rules forbid turning them on
        # by default.
        for name in (
            "allow_comment",
            "allow_duet",
            "allow_stitch",
            "brand_organic",
            "brand_content",
            "is_aigc",
            "auto_add_music",
        ):
            if post_options.flag(options.get(name)):
                cleaned[name] = True
        title = post_options.text_value(options.get("photo_title"))
        if title:
            cleaned["photo_title"] = title
        return cleaned

    def option_problems(self, content: PostContent) -> list[Problem]:
        options = self.clean_options(content.options)
        problems: list[Problem] = []
        privacy = options.get("privacy_level", "")
        offered = [p for p in self.creator.get("privacy_level_options") or [] if p in PRIVACY]
        if not privacy:
            problems.append(
                Problem("options", "Choose who can see this TikTok post: TikTok asks for it every time.", "privacy")
            )
        elif privacy not in PRIVACY:
            problems.append(
                post_options.choice_problem(privacy, PRIVACY, what="who can see the post", label=self.label)
            )
        elif self.creator.get("private_only") and privacy != SELF_ONLY:
            problems.append(Problem("options", private_only_words(), "private_only"))
        elif offered and privacy not in offered:
            problems.append(
                Problem(
                    "options",
                    f"This TikTok account offers {_words(offered)} for who can see a post; “{PRIVACY[privacy]}” "
                    "is not one of them.",
                    "privacy_not_offered",
                )
            )
        photos_only = bool(self.images_of(content)) and not self.videos_of(content)
        for name, flag_name, what in (
            ("allow_comment", "comment_disabled", "Comments are"),
            ("allow_duet", "duet_disabled", "Duets are"),
            ("allow_stitch", "stitch_disabled", "Stitches are"),
        ):
            if not options.get(name):
                continue
            if name != "allow_comment" and photos_only:
                problems.append(
                    Problem("options", f"{what} for videos only; this TikTok post has photos.", "interaction_photo")
                )
            elif self.creator.get(flag_name):
                problems.append(
                    Problem(
                        "options",
                        f"{what} turned off in this account's TikTok settings, so SMM cannot allow them.",
                        "interaction_disabled",
                    )
                )
        if options.get("brand_content") and privacy == SELF_ONLY:
            problems.append(
                Problem(
                    "options",
                    "TikTok does not allow branded content (a paid partnership) to be private: choose who can see it.",
                    "branded_private",
                )
            )
        title = options.get("photo_title", "")
        if title and utf16_length(title) > PHOTO_TITLE_LENGTH:
            problems.append(
                Problem(
                    "options",
                    f"The photo post's title is {utf16_length(title)} characters; TikTok takes up to "
                    f"{PHOTO_TITLE_LENGTH}.",
                    "photo_title_long",
                )
            )
        return problems

    @classmethod
    def privacy_choices(cls, limits: dict | None) -> list[tuple[str, str]]:
        """(value, words) of who can see a post, as this account's creator info offers
        them (all four when it has not been read yet): the composer shows exactly these."""
        creator = creator_limits_of(limits)
        offered = [p for p in creator.get("privacy_level_options") or [] if p in PRIVACY]
        return [(p, PRIVACY[p]) for p in (offered or list(PRIVACY))]

    @classmethod
    def account_notice(cls, limits: dict | None) -> str:
        """What the account page and the composer should say about this account, or ""."""
        creator = creator_limits_of(limits)
        return private_only_words() if creator.get("private_only") or creator.get("unaudited_seen") else ""

    def pulls_from_url(self) -> bool:
        if self.pull_from_url is not None:
            return self.pull_from_url
        return _pull_from_url_setting()

    # --- connection ----------------------------------------------------------------------

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str, base_url: str = "") -> str:
        # Login Kit for Web binds the code to the client secret; its PKCE is documented for
        # desktop and mobile apps only (check), so no challenge is sent from a web app.
        params = {
            "client_key": self.app.client_id,
            "scope": ",".join(SCOPES),
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{AUTHORIZE_URL}?{urlencode(params)}"

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str, base_url: str = ""
    ) -> ConnectedAccount:
        tokens = self._token_request(
            {
                "client_key": self.app.client_id,
                "client_secret": self.app.client_secret,
                "code": code,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
            }
        )
        credentials = self._token_credentials(tokens)
        account = AccountContext(network=self.name, credentials=credentials)
        user = self._call(
            account,
            "GET",
            "/v2/user/info/",
            params={"fields": "open_id,union_id,avatar_url,display_name,username"},
        ).get("user", {})
        username = str(user.get("username") or "")
        credentials["username"] = username
        try:
            limits = self.creator_info(account)
        except PlatformError:
            limits = {}  # posting not granted yet, or TikTok busy: read again with the daily pull
        return ConnectedAccount(
            remote_id=str(user.get("open_id") or tokens.get("open_id") or ""),
            handle=at_handle(username) or str(user.get("display_name") or ""),
            display_name=str(user.get("display_name") or ""),
            avatar_url=str(user.get("avatar_url") or ""),
            credentials=account.credentials | {"username": username},
            token_expires_at=_parse_time(credentials.get("expires_at")),
            limits=limits,
        )

    def refresh(self, account: AccountContext) -> None:
        refresh_token = account.credentials.get("refresh_token", "")
        if not refresh_token:
            raise AuthExpired(
                "TikTok access token expired and there is no refresh token",
                user_message="TikTok signed SMM out of this account. Please reconnect it.",
            )
        tokens = self._token_request(
            {
                "client_key": self.app.client_id,
                "client_secret": self.app.client_secret,
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            }
        )
        # The refresh token rotates: the one just used stops working, so the new one is
        # saved at once (update_credentials never replaces it with an empty one).
        account.update_credentials(self._token_credentials(tokens))

    def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        response = self.http.request(
            "POST",
            f"{API}{TOKEN_PATH}",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cache-Control": "no-cache"},
        )
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        error = body.get("error")
        if isinstance(error, str) and error:
            # OAuth errors come as {"error": "invalid_grant", "error_description": ...}.
            words = str(body.get("error_description") or error)
            if response.status_code >= 500 or error in ("server_error", "temporarily_unavailable"):
                raise Transient(f"TikTok token request: {words}", user_message=on_their_side())
            if error in ("rate_limit_exceeded",) or response.status_code == 429:
                raise RateLimited(words, retry_after=DEFAULT_RATE_LIMIT_WAIT, user_message=slow_down())
            raise AuthExpired(
                f"TikTok refused the token request: {error}: {words}",
                user_message="TikTok did not accept the connection. Please reconnect the account.",
                status=response.status_code,
            )
        failure = tiktok_error(response, self.now)
        if failure is not None:
            raise failure
        if not body.get("access_token"):
            raise Transient(
                "TikTok's token answer has no access token",
                user_message="TikTok did not finish the sign-in; try again.",
            )
        return body

    def _token_credentials(self, tokens: dict[str, Any]) -> dict[str, Any]:
        credentials: dict[str, Any] = {
            "access_token": tokens["access_token"],
            "refresh_token": tokens.get("refresh_token", ""),
            "open_id": tokens.get("open_id", ""),
            "scope": tokens.get("scope", ""),
        }
        access_expiry = expires_at(tokens.get("expires_in") or None, self.now())
        if access_expiry is not None:
            credentials["access_expires_at"] = access_expiry.isoformat()
        refresh_expiry = expires_at(tokens.get("refresh_expires_in") or None, self.now())
        if refresh_expiry is not None:
            # The connection lasts as long as its refresh token: this is what expiry
            # warnings watch (smm/operations.py reads credentials["expires_at"]).
            credentials["expires_at"] = refresh_expiry.isoformat()
        return {k: v for k, v in credentials.items() if v or k == "refresh_token"}

    # --- HTTP ----------------------------------------------------------------------------

    def _call(self, account: AccountContext, method: str, path: str, *, json=None, params=None) -> dict[str, Any]:
        """One Content Posting or Display API call with the user's token: refreshed first
        when it is about to end, and once more when TikTok says it is invalid (a refused
        token was not acted on, so repeating is safe). Returns the answer's ``data``."""
        expiry = _parse_time(account.credentials.get("access_expires_at"))
        if expiry and expiry - EXPIRY_MARGIN <= self.now() and account.credentials.get("refresh_token"):
            self.refresh(account)
        for already_refreshed in (False, True):
            token = account.credentials.get("access_token")
            if not token:
                raise AuthExpired("No TikTok access token stored", user_message=reconnect())
            headers = {"Authorization": f"Bearer {token}"}
            if json is not None:
                headers["Content-Type"] = "application/json; charset=UTF-8"
            response = self.http.request(method, f"{API}{path}", headers=headers, json=json, params=params)
            error = tiktok_error(response, self.now)
            if (
                isinstance(error, AuthExpired)
                and getattr(error, "code", "") == "access_token_invalid"
                and not already_refreshed
                and account.credentials.get("refresh_token")
            ):
                self.refresh(account)
                continue
            if error is not None:
                raise error
            try:
                body = response.json()
            except ValueError:
                body = {}
            data = body.get("data") if isinstance(body, dict) else None
            return data if isinstance(data, dict) else {}
        raise AssertionError("unreachable")  # pragma: no cover

    # --- creator info --------------------------------------------------------------------

    def creator_info(self, account: AccountContext) -> dict[str, Any]:
        """The creator's posting options now, as the account's ``limits`` keep them."""
        data = self._call(account, "POST", "/v2/post/publish/creator_info/query/", json={})
        offered = [str(p) for p in data.get("privacy_level_options") or [] if isinstance(p, str)]
        longest = data.get("max_video_post_duration_sec")
        creator = {
            "privacy_level_options": offered,
            "comment_disabled": bool(data.get("comment_disabled")),
            "duet_disabled": bool(data.get("duet_disabled")),
            "stitch_disabled": bool(data.get("stitch_disabled")),
            "max_video_post_duration_sec": int(longest) if isinstance(longest, int | float) and longest > 0 else None,
            "creator_username": str(data.get("creator_username") or ""),
            "creator_nickname": str(data.get("creator_nickname") or ""),
            # An unaudited app is offered SELF_ONLY and nothing else.
            "private_only": offered == [SELF_ONLY],
            # TikTok refused a post of this account as an unaudited app's
            # (unaudited_client_can_only_post_to_private_accounts): said on the account page
            # and in the composer until a post that is not private goes out.
            "unaudited_seen": bool(account.credentials.get(UNAUDITED_SEEN)),
            "checked_at": self.now().isoformat(),
        }
        return {"tiktok_creator": creator}

    # --- publishing ----------------------------------------------------------------------

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        state = dict(attempt.state.get("tiktok") or {})
        if state.get("post_id"):
            return self._result(account, state["post_id"], state)
        if state.get("publish_id") and (state.get("uploaded") or state.get("media") == _media_key(content)):
            # Once TikTok has the whole file (or fetches it itself) it may publish it: that
            # publish id is followed to its end even if the post's media changed since.
            return self._carry_on(account, content, attempt, state)
        if state.get("publish_id"):
            # The post's video was replaced during its upload: an upload never finished is
            # never published, so the new one starts afresh.
            state = _fresh_state(state)
        creator = self.creator_info(account)
        self.apply_limits(creator)
        self.raise_problems(self.validate(content))
        options = self.clean_options(content.options)
        privacy = options["privacy_level"]
        if self.creator.get("private_only") and privacy != SELF_ONLY:
            raise Permanent("TikTok offers SELF_ONLY only to this app", user_message=private_only_words())
        videos = self.videos_of(content)
        if videos:
            path, body, plan = self._video_init(content, videos[0], options)
        else:
            (path, body), plan = self._photo_init(content, options), None
        state.update(
            media=_media_key(content),
            kind="video" if videos else "photo",
            privacy_level=privacy,
            source=body["source_info"]["source"],
            caption=content.text,
        )
        state.setdefault("init_sent_at", self.now().isoformat())
        attempt.remember(tiktok=state)  # before init: a lost answer is looked for from here
        try:
            data = self._call(account, "POST", path, json=body)
        except Permanent as exc:
            if getattr(exc, "code", "") == UNAUDITED:
                # Kept with the credentials (what a publish may save); the daily creator
                # info carries it into the account's limits, where the pages read it.
                account.update_credentials({UNAUDITED_SEEN: self.now().isoformat()})
            raise
        publish_id = str(data.get("publish_id") or "")
        if not publish_id:
            raise OutcomeUnknown("TikTok accepted the post's start but did not say its publish id")
        state.update(publish_id=publish_id, upload_url=str(data.get("upload_url") or ""))
        if plan is not None:
            state.update(size=plan.size, ranges=[list(r) for r in plan.ranges], chunks_done=0)
        else:
            state.update(uploaded=True, processing_since=self.now().isoformat())
        attempt.remember(tiktok=state)
        return self._carry_on(account, content, attempt, state, fresh=True)

    def _video_init(self, content: PostContent, item: MediaItem, options: dict) -> tuple[str, dict, ChunkPlan | None]:
        post_info: dict[str, Any] = {
            "title": content.text,
            "privacy_level": options["privacy_level"],
            # Off unless the creator allows it and the post asks for it.
            "disable_comment": not options.get("allow_comment") or bool(self.creator.get("comment_disabled")),
            "disable_duet": not options.get("allow_duet") or bool(self.creator.get("duet_disabled")),
            "disable_stitch": not options.get("allow_stitch") or bool(self.creator.get("stitch_disabled")),
            "brand_content_toggle": bool(options.get("brand_content")),
            "brand_organic_toggle": bool(options.get("brand_organic")),
            "is_aigc": bool(options.get("is_aigc")),
        }
        if self.pulls_from_url() and _is_public_url(item.url):
            return (
                "/v2/post/publish/video/init/",
                {"post_info": post_info, "source_info": {"source": "PULL_FROM_URL", "video_url": item.url}},
                None,
            )
        if not item.path or not os.path.exists(item.path):
            raise Permanent(
                "The video has no local file to upload",
                user_message="The video's file is missing from the media library; attach it again.",
            )
        plan = plan_chunks(os.path.getsize(item.path), self.chunk_size, min_chunk=self.min_chunk)
        source = {
            "source": "FILE_UPLOAD",
            "video_size": plan.size,
            "chunk_size": plan.chunk_size,
            "total_chunk_count": plan.total_chunk_count,
        }
        return "/v2/post/publish/video/init/", {"post_info": post_info, "source_info": source}, plan

    def _photo_init(self, content: PostContent, options: dict) -> tuple[str, dict]:
        images = self.images_of(content)
        body = {
            "post_info": {
                "title": options.get("photo_title", ""),
                "description": content.text,
                "privacy_level": options["privacy_level"],
                "disable_comment": not options.get("allow_comment") or bool(self.creator.get("comment_disabled")),
                "auto_add_music": bool(options.get("auto_add_music")),
                "brand_content_toggle": bool(options.get("brand_content")),
                "brand_organic_toggle": bool(options.get("brand_organic")),
            },
            "source_info": {
                "source": "PULL_FROM_URL",
                "photo_cover_index": 0,
                "photo_images": [item.url for item in images],
            },
            "post_mode": "DIRECT_POST",
            "media_type": "PHOTO",
        }
        return "/v2/post/publish/content/init/", body

    def _carry_on(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt, state: dict, *, fresh=False
    ) -> PublishResult:
        """Upload what is left (a re-run after a worker died asks TikTok how far it got
        first), then ask for the status once: the result, or ``StillProcessing``."""
        if not state.get("uploaded"):
            if not fresh:
                status = self._status(account, state["publish_id"])
                if status.get("status") == "FAILED":
                    attempt.remember(tiktok=_fresh_state(state))
                    raise self._failed(status, state)
                uploaded = status.get("uploaded_bytes")
                if status.get("status") not in (None, "", "PROCESSING_UPLOAD"):
                    state.update(uploaded=True)  # TikTok has it all and moved on
                elif isinstance(uploaded, int) and uploaded > 0:
                    done = sum(1 for start, length in state["ranges"] if start + length <= uploaded)
                    state["chunks_done"] = max(int(state.get("chunks_done") or 0), done)
            if not state.get("uploaded"):
                state = self._send_chunks(content, attempt, state)
            state.update(uploaded=True, processing_since=self.now().isoformat())
            attempt.remember(tiktok=state)
        return self._when_published(account, attempt, state)

    def _send_chunks(self, content: PostContent, attempt: PublishAttempt, state: dict) -> dict:
        item = self.videos_of(content)[0]
        if not item.path or not os.path.exists(item.path) or os.path.getsize(item.path) != state.get("size"):
            attempt.remember(tiktok=_fresh_state(state))
            raise Permanent(
                "The video file changed or disappeared during its upload",
                user_message="The video's file changed while it was being sent to TikTok; we will send it afresh.",
            )
        ranges = state["ranges"]
        mime = item.mime_type if item.mime_type in VIDEO_RULES.mime_types else "video/mp4"
        index = int(state.get("chunks_done") or 0)
        while index < len(ranges):
            start, length = ranges[index]
            headers = {
                "Content-Type": mime,
                "Content-Range": content_range(start, length, state["size"]),
            }
            # The upload URL is TikTok's own and signed: it gets no Authorization header.
            try:
                response = self.http.request(
                    "PUT", state["upload_url"], data=FileRange(item.path, start, length), headers=headers
                )
            except OutcomeUnknown as exc:
                # The chunk may or may not have arrived: the next run asks TikTok how many
                # bytes it has before sending anything.
                raise Transient(
                    exc.message,
                    user_message=(
                        f"TikTok did not answer while we sent part {index + 1} of {len(ranges)} of the video; "
                        "we will carry on from there."
                    ),
                ) from exc
            error = _chunk_error(response, index + 1, len(ranges))
            if error is not None:
                if isinstance(error, Permanent):
                    attempt.remember(tiktok=_fresh_state(state))
                raise error
            index += 1
            state["chunks_done"] = index
            attempt.remember(tiktok=state)  # also renews the publishing lease
        return state

    def _status(self, account: AccountContext, publish_id: str) -> dict[str, Any]:
        return self._call(account, "POST", "/v2/post/publish/status/fetch/", json={"publish_id": publish_id})

    def _when_published(self, account: AccountContext, attempt: PublishAttempt, state: dict) -> PublishResult:
        status = self._status(account, state["publish_id"])
        name = str(status.get("status") or "")
        if name == "FAILED":
            attempt.remember(tiktok=_fresh_state(state))
            raise self._failed(status, state)
        since = _parse_time(state.get("processing_since")) or self.now()
        waited = self.now() - since
        if name == "PUBLISH_COMPLETE":
            post_id = _public_id(status.get("publicaly_available_post_id") or status.get("publicly_available_post_id"))
            if post_id:
                state["post_id"] = post_id
                attempt.remember(tiktok=state)
                return self._result(account, post_id, state)
            if state.get("privacy_level") == SELF_ONLY or waited > MODERATION_LIMIT:
                # A private post never gets a public id; a public one TikTok still reviews
                # after two hours is out, only its link is not known yet.
                state["post_id"] = state["publish_id"]
                attempt.remember(tiktok=state)
                return self._result(account, state["publish_id"], state)
            raise StillProcessing(
                "TikTok published the post and is reviewing it before it shows its link",
                check_after=CHECK_AFTER_LONG * 2,
            )
        if waited > PROCESSING_LIMIT:
            raise Permanent(
                f"TikTok was still processing publish {state['publish_id']} ({name or 'no status'}) after "
                f"{waited.total_seconds() / 60:.0f} minutes",
                user_message=(
                    "TikTok has been processing this post for over 30 minutes without finishing. Check the TikTok "
                    "app before posting it again: it may still appear there."
                ),
            )
        progress = None
        size = state.get("size")
        moved = status.get("downloaded_bytes") if name == "PROCESSING_DOWNLOAD" else status.get("uploaded_bytes")
        if isinstance(size, int) and size and isinstance(moved, int):
            progress = max(0, min(100, round(moved * 100 / size)))
        check_after = CHECK_AFTER if waited < dt.timedelta(minutes=2) else CHECK_AFTER_LONG
        words = "TikTok is fetching the post" if name == "PROCESSING_DOWNLOAD" else "TikTok is processing the video"
        if state.get("kind") == "photo":
            words = "TikTok is fetching the photos"
        raise StillProcessing(words, check_after=check_after, progress=progress)

    def _failed(self, status: dict, state: dict) -> Permanent:
        reason = str(status.get("fail_reason") or "unknown")
        return Permanent(
            f"TikTok could not publish {state.get('publish_id')}: {reason}",
            user_message=fail_reason_words(reason, photo=state.get("kind") == "photo"),
        )

    def _result(self, account: AccountContext, post_id: str, state: dict) -> PublishResult:
        if state.get("privacy_level") not in (None, SELF_ONLY) and account.credentials.get(UNAUDITED_SEEN):
            account.update_credentials({UNAUDITED_SEEN: None})  # a post that is not private went out
        return PublishResult(
            remote_id=post_id, url=self.post_url(account, post_id, state.get("kind", "video")), published_at=self.now()
        )

    def post_url(self, account: AccountContext, post_id: str, kind: str = "video") -> str:
        username = str(account.credentials.get("username") or account.handle or "").lstrip("@")
        if not username:
            return "https://www.tiktok.com/"
        if not post_id.isdigit():
            return f"https://www.tiktok.com/@{username}"  # a private post has no link of its own
        return f"https://www.tiktok.com/@{username}/{'photo' if kind == 'photo' else 'video'}/{post_id}"  # (check)

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        """The publish id, when init answered, is authoritative: a finished post is found
        by it; anything else is carried on by ``publish`` from the saved state, never
        initialised again. Without it (init's answer was lost) the creator's latest
        videos are searched for our caption since the moment before init."""
        state = dict(attempt.state.get("tiktok") or {})
        if state.get("post_id"):
            return self._result(account, state["post_id"], state)
        if state.get("publish_id"):
            status = self._status(account, state["publish_id"])
            if status.get("status") == "PUBLISH_COMPLETE":
                post_id = _public_id(status.get("publicaly_available_post_id"))
                if post_id:
                    state["post_id"] = post_id
                    attempt.remember(tiktok=state)
                    return self._result(account, post_id, state)
            return None  # publish carries on with the same publish id
        sent = _parse_time(state.get("init_sent_at"))
        if sent is None:
            return None  # init was never sent
        found = self._find_in_videos(account, content.text, since=sent)
        if found is not None:
            state["post_id"] = found
            attempt.remember(tiktok=state)
            return self._result(account, found, state)
        if state.get("source") == "FILE_UPLOAD":
            return None  # without its upload URL not one byte was sent: nothing can be published
        if state.get("privacy_level") == SELF_ONLY:
            raise OutcomeUnknown(
                "TikTok does not list private posts to apps (check), so a lost start of a private post "
                "cannot be looked up"
            )
        if self.now() - sent < LOOKUP_SETTLE:
            # TikTok fetches the media and reviews the post first: look again shortly.
            raise Transient(
                "The post is not among the creator's videos yet",
                user_message="We are checking on TikTok whether the post went out.",
            )
        return None

    def _find_in_videos(self, account: AccountContext, caption: str, *, since: dt.datetime) -> str | None:
        try:
            data = self._call(
                account,
                "POST",
                "/v2/video/list/?fields=id,title,video_description,create_time,share_url",
                json={"max_count": 20},
            )
        except Permanent as exc:
            raise OutcomeUnknown(f"TikTok would not list the creator's videos: {exc.message}") from exc
        wanted = _comparable(caption)
        for video in data.get("videos") or []:
            texts = {_comparable(str(video.get(k) or "")) for k in ("title", "video_description")}
            created = video.get("create_time")
            made = dt.datetime.fromtimestamp(created, dt.UTC) if isinstance(created, int | float) else None
            if wanted in texts and (made is None or made >= since - LOOKUP_CLOCK_SKEW) and video.get("id"):
                return str(video["id"])
        return None

    @classmethod
    def remote_id_from_url(cls, url: str, account: AccountContext) -> str | None:
        link = urlsplit(url.strip())
        if (link.hostname or "").lower() not in _HOSTS:
            return None
        found = _VIDEO_PATH.fullmatch(link.path)
        return found.group(1) if found else None

    # --- metrics -------------------------------------------------------------------------

    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        """Lifetime totals of the Display API (snapshotted by the caller). A private
        post recorded by its publish id has no video id: its figures stay None."""
        result = {rid: PostMetrics(remote_id=rid) for rid in remote_ids}
        ids = [rid for rid in remote_ids if rid.isdigit()]
        for start in range(0, len(ids), 20):
            data = self._call(
                account,
                "POST",
                "/v2/video/query/?fields=id,view_count,like_count,comment_count,share_count",
                json={"filters": {"video_ids": ids[start : start + 20]}},
            )
            for video in data.get("videos") or []:
                rid = str(video.get("id") or "")
                if rid in result:
                    result[rid] = PostMetrics(
                        remote_id=rid,
                        video_views=_count(video.get("view_count")),
                        likes=_count(video.get("like_count")),
                        comments=_count(video.get("comment_count")),
                        shares=_count(video.get("share_count")),
                    )
        return result

    def fetch_account_metrics(self, account: AccountContext) -> AccountMetrics:
        user = self._call(
            account,
            "GET",
            "/v2/user/info/",
            params={"fields": "open_id,display_name,avatar_url,follower_count,following_count,video_count"},
        ).get("user", {})
        return AccountMetrics(
            followers=_count(user.get("follower_count")),
            following=_count(user.get("following_count")),
            posts_count=_count(user.get("video_count")),
            display_name=user.get("display_name") or None,
            avatar_url=user.get("avatar_url") if "avatar_url" in user else None,
        )


# --- errors --------------------------------------------------------------------------------


def reconnect() -> str:
    return "TikTok no longer accepts SMM's access to this account. Please reconnect it."


def slow_down() -> str:
    return "TikTok asked us to slow down; we will try again when it allows."


def on_their_side() -> str:
    return "TikTok had a problem on its side; we will retry."


def private_only_words() -> str:
    return (
        "TikTok lets SMM post to this account only as “Only me” (private) until SMM's TikTok app passes TikTok's "
        "review; the account itself must be private while posting. Choose “Only me”, or ask your administrator "
        "about TikTok's app audit."
    )


# Codes TikTok answers with, in a marketer's words. Codes seen in adapters, not in the
# reference, are (check): privacy_level_option_mismatch, spam_risk_*, reached_active_user_cap,
# unaudited_client_can_only_post_to_private_accounts, *_check_failed, *_pull_failed.
_PERMANENT_WORDS = {
    "privacy_level_option_mismatch": (
        "The privacy chosen for this post is not one this TikTok account offers now. Choose who can see it again."
    ),
    "unaudited_client_can_only_post_to_private_accounts": private_only_words(),
    "spam_risk_user_banned_from_posting": "TikTok has stopped this account from posting for now.",
    "spam_risk_text": "TikTok refused the caption as spam. Change the text and try again.",
    "url_ownership_unverified": (
        "TikTok would not fetch the media: this site's address is not verified for SMM's TikTok app. "
        "Ask your administrator to verify it or to turn TIKTOK_PULL_FROM_URL off."
    ),
    "file_format_check_failed": (
        "TikTok could not read the video's file format. Convert it to MP4 (H.264) and try again."
    ),
    "duration_check_failed": (
        "The video's length is outside what TikTok allows for this account (3 seconds up to the account's maximum)."
    ),
    "frame_rate_check_failed": "TikTok takes videos of 23 to 60 frames a second. Convert the video and try again.",
    "picture_size_check_failed": "A photo is larger than TikTok takes (1080 pixels a side). Use smaller photos.",
    "video_pull_failed": "TikTok could not fetch the video from this site. Try again, or turn off fetching by URL.",
    "photo_pull_failed": "TikTok could not fetch the photos from this site. Try again later.",
    "invalid_file_upload": "TikTok refused the video file. Convert it to MP4 (H.264) and try again.",
}
_DAILY_LIMITS = {
    "spam_risk_too_many_posts": (
        "TikTok allows only so many posts a day from one account through apps; we will try again in a day."
    ),
    "spam_risk_too_many_pending_share": (
        "TikTok has too many posts from SMM waiting on this account; we will try again in a day."
    ),
    "reached_active_user_cap": (
        "SMM's TikTok app has reached TikTok's daily number of accounts that may post; we will try again in a day."
    ),
}
_AUTH_CODES = ("access_token_invalid", "scope_not_authorized", "scope_permission_missed", "token_not_authorized")


def tiktok_error(response: requests.Response, now=None) -> PlatformError | None:
    """TikTok answers ``{"data": ..., "error": {"code", "message", "log_id"}}``; code "ok"
    on success. Classes by code first, then by HTTP status."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    code = str(error.get("code") or "")
    if status < 400 and code in ("", "ok"):
        return None
    message = f"{code or 'HTTP ' + str(status)}: {error.get('message') or ''}".strip(": ")
    if error.get("log_id"):
        message += f" (log_id {error['log_id']})"
    found: PlatformError
    if code in _AUTH_CODES or status == 401:
        words = reconnect()
        if code in ("scope_not_authorized", "scope_permission_missed"):
            words = (
                "TikTok has not given SMM the permission this needs. Reconnect the account and allow everything asked."
            )
        found = AuthExpired(message, user_message=words, status=status)
    elif code in _DAILY_LIMITS:
        found = RateLimited(message, retry_after=DAY, user_message=_DAILY_LIMITS[code], status=status)
    elif code == "rate_limit_exceeded" or status == 429:
        wait = retry_after(response.headers, (now or (lambda: dt.datetime.now(dt.UTC)))())
        found = RateLimited(
            message, retry_after=wait if wait is not None else DEFAULT_RATE_LIMIT_WAIT, user_message=slow_down()
        )
        found.status = status
    elif code in _PERMANENT_WORDS:
        found = Permanent(message, user_message=_PERMANENT_WORDS[code], status=status)
    elif status >= 500 or code == "internal_error" or status == 408:
        found = Transient(message, user_message=on_their_side(), status=status)
    else:
        found = Permanent(message, user_message=f"TikTok refused the request: {message}", status=status)
    found.code = code
    return found


def _chunk_error(response: requests.Response, number: int, total: int) -> PlatformError | None:
    """A refused PUT of chunk ``number``: said about the upload. 206 and 201 are TikTok's
    answers to a chunk taken (check); any 2xx is read as taken."""
    if response.status_code < 300:
        return None
    error = tiktok_error(response)
    if error is None:
        return None
    where = f"part {number} of {total} of the video"
    if isinstance(error, RateLimited | AuthExpired):
        return error
    if isinstance(error, Transient):
        return Transient(
            f"{error.message} (sending {where})",
            user_message=f"TikTok had a temporary problem while we sent {where}; we will carry on from there.",
            status=error.status,
        )
    return Permanent(
        f"{error.message} (sending {where})",
        user_message=(
            f"TikTok refused {where} (HTTP {response.status_code}); the upload link may have run out. "
            "Sending the post again uploads the video afresh."
        ),
        status=error.status,
    )


_FAIL_REASONS = {
    "file_format_check_failed": _PERMANENT_WORDS["file_format_check_failed"],
    "duration_check_failed": _PERMANENT_WORDS["duration_check_failed"],
    "frame_rate_check_failed": _PERMANENT_WORDS["frame_rate_check_failed"],
    "picture_size_check_failed": _PERMANENT_WORDS["picture_size_check_failed"],
    "video_pull_failed": _PERMANENT_WORDS["video_pull_failed"],
    "photo_pull_failed": _PERMANENT_WORDS["photo_pull_failed"],
    "publish_cancelled": "The post was cancelled on TikTok before it went out.",
    "auth_removed": (
        "The TikTok account took back SMM's access while the post was processed. Reconnect it and try again."
    ),
    "spam_risk_too_many_posts": _DAILY_LIMITS["spam_risk_too_many_posts"],
    "spam_risk_user_banned_from_posting": _PERMANENT_WORDS["spam_risk_user_banned_from_posting"],
    "spam_risk_text": _PERMANENT_WORDS["spam_risk_text"],
    "spam_risk": "TikTok held the post back as possible spam.",
    "internal": "TikTok had a problem on its side and dropped the post. Send it again.",
}


def fail_reason_words(reason: str, *, photo: bool = False) -> str:
    """A status FAILED's ``fail_reason`` in plain words."""
    words = _FAIL_REASONS.get(reason)
    if words:
        return words
    what = "the photos" if photo else "the video"
    return f"TikTok could not publish {what} ({reason.replace('_', ' ')})."


# --- helpers ----------------------------------------------------------------------------------


def creator_limits_of(limits: dict | None) -> dict[str, Any]:
    creator = (limits or {}).get("tiktok_creator") if isinstance(limits, dict) else None
    return creator if isinstance(creator, dict) else {}


def _words(privacy: list[str]) -> str:
    names = [f"“{PRIVACY[p]}”" for p in privacy]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _media_key(content: PostContent) -> list:
    """What names the post's media across runs: a replaced file uploads afresh."""
    return [[item.path or item.url or "", item.byte_size if item.path else 0] for item in content.media]


def _fresh_state(state: dict) -> dict:
    """What stays after TikTok refused an upload: only when we first tried (for lookups)."""
    return {k: v for k, v in state.items() if k == "init_sent_at"}


def _public_id(value) -> str:
    """``publicaly_available_post_id`` (sic) is a list, sometimes a bare value."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


def _comparable(text: str) -> str:
    return " ".join(text.split()).casefold()


def _count(value) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _is_public_url(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme == "https" and bool(urlsplit(url).hostname)


def _parse_time(value) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _pull_from_url_setting() -> bool:
    """settings.TIKTOK_PULL_FROM_URL, read where the app runs (False outside Django)."""
    try:
        from django.conf import settings

        return bool(getattr(settings, "TIKTOK_PULL_FROM_URL", False))
    except Exception:  # noqa: BLE001 -- no configured Django: the safe default
        return False
