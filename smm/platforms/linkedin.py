"""LinkedIn members and organization pages through the versioned Posts API (/rest)."""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

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
)
from smm.platforms.oauth import authorize_url, expires_at
from smm.platforms.text import grapheme_length
from smm.platforms.video import VIDEO_SIZE, FileRange, VideoRules

API = "https://api.linkedin.com"
OAUTH = "https://www.linkedin.com/oauth/v2"
# LinkedIn sunsets a monthly version about a year after release; bump it here.
LINKEDIN_VERSION = "202605"
SCOPES = (
    "openid",
    "profile",
    "w_member_social",
    "w_organization_social",
    "r_organization_social",
    "rw_organization_admin",  # organization share statistics and follower counts
)
# LinkedIn answers 429 without Retry-After or rate headers, and its limits are per day
# (reset at midnight UTC). Fifteen minutes lets a short burst limit clear without
# hammering a daily one; the task layer's backoff stretches it further.
DEFAULT_RATE_LIMIT_WAIT = 900.0
INBOX_POSTS = 10

# Characters that the commentary's "little text" format reserves; unescaped, LinkedIn
# silently cuts the post at the first one it cannot parse (a "(" for instance).
_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")
_HASHTAG = re.compile(r"(?<!\S)#(\w+)")
_UPDATE_PATH = re.compile(r"/feed/update/(urn:li:(?:share|ugcPost):\d+)/?")
_MEDIA_CODE = re.compile(r"MEDIA_ASSET_[A-Z_]+")

# Video through the Videos API. Every limit is (check): LinkedIn's Videos API page lists
# them ("MP4, 3 seconds to 30 minutes, 75 KB to 500 MB"; shapes 1:2.4 to 2.4:1), none was
# confirmed against the live API. 500 MB is read as 500,000,000 bytes and 75 KB as 75 KiB,
# the stricter reading of each.
VIDEO_RULES = VideoRules(
    max_bytes=500_000_000,
    min_seconds=3,
    max_seconds=30 * 60,
    min_aspect=1 / 2.4,
    max_aspect=2.4,
    mime_types=("video/mp4",),
    max_videos=1,
    mix_with_images=False,
)
MIN_VIDEO_BYTES = 75 * 1024
# How often we ask whether LinkedIn has processed a video, and when we stop waiting: a
# 30-minute video takes LinkedIn minutes, not hours (check).
VIDEO_CHECK_AFTER = 10.0
VIDEO_CHECK_AFTER_LONG = 30.0
VIDEO_PROCESSING_LIMIT = dt.timedelta(hours=1)
NOT_PROCESSED = "LinkedIn could not process the video. Convert it to MP4 (H.264 with AAC sound) and try again."
# A PUT of a part answered with one of these: the upload URLs ran out (they are valid for
# a limited time, ``uploadUrlsExpireAt``); the upload starts again with fresh ones.
EXPIRED_UPLOAD_STATUSES = (403, 404, 410)
# Upload URLs this close to their expiry are renewed before sending instead of tried.
UPLOAD_URL_MARGIN = dt.timedelta(minutes=2)


def escape_commentary(text: str) -> str:
    """Escape reserved characters; keep hashtags as LinkedIn's hashtag template so they
    stay clickable instead of turning into a literal "\\#tag"."""
    out: list[str] = []
    position = 0
    for match in _HASHTAG.finditer(text):
        out.append(_RESERVED.sub(r"\\\1", text[position : match.start()]))
        out.append("{hashtag|\\#|" + _RESERVED.sub(r"\\\1", match.group(1)) + "}")
        position = match.end()
    out.append(_RESERVED.sub(r"\\\1", text[position:]))
    return "".join(out)


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


class LinkedInAdapter(Adapter):
    name = "linkedin"
    label = "LinkedIn"
    # Refresh tokens exist only for LinkedIn's approved partners; refresh() uses one
    # when the connection got it and otherwise reports that reconnecting is needed.
    supports_refresh = True
    supports_first_comment = True
    idempotency = "recent_posts"

    max_text_length = 3000
    max_images = 20  # 2..20 go out as a multiImage post
    max_image_bytes = 5 * 1024 * 1024
    image_types = ("image/jpeg", "image/png", "image/gif")
    video_rules = VIDEO_RULES

    def text_length(self, text: str) -> int:
        return grapheme_length(text)

    def validate(self, content: PostContent) -> list[Problem]:
        problems: list[Problem] = []
        too_long = self.too_long_problem(content.text)
        if too_long:
            problems.append(too_long)
        if not content.text.strip() and not content.media and not content.link:
            problems.append(self.empty_post_problem())
        problems += self.image_rule_problems(
            content,
            name="LinkedIn",
            types_allowed="must be a JPEG, PNG or GIF for LinkedIn",
            size_limit="5 MB",
            also=lambda index, item: (
                None
                if item.data or item.path
                else Problem("media", f"Image {index} has no file to upload to LinkedIn.", "media_missing")
            ),
        )
        problems += self.video_problems(content)
        for item in self.videos_of(content):
            if not item.path:
                problems.append(Problem("media", "The video has no file to upload to LinkedIn.", "media_missing"))
            elif item.byte_size < MIN_VIDEO_BYTES:
                problems.append(
                    Problem(
                        "media",
                        f"The video is {item.byte_size / 1024:.0f} KB; LinkedIn takes videos of 75 KB or more.",
                        VIDEO_SIZE,
                    )
                )
        return problems

    # --- HTTP --------------------------------------------------------------------------------

    def call(self, account: AccountContext, method: str, path: str, *, json=None, params=None) -> requests.Response:
        token = account.credentials.get("access_token")
        if not token:
            raise AuthExpired("No access token stored", user_message="This LinkedIn account needs reconnecting.")
        headers = {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": LINKEDIN_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        url = path if path.startswith("https://") else f"{API}{path}"
        response = self.http.request(method, url, headers=headers, json=json, params=params)
        error = linkedin_error(response)
        if error is not None:
            raise error
        return response

    # --- connection ----------------------------------------------------------------------------

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str, base_url: str = "") -> str:
        # LinkedIn offers PKCE only to native apps it approves; web apps use the secret.
        return authorize_url(
            f"{OAUTH}/authorization",
            client_id=self.app.client_id,
            redirect_uri=redirect_uri,
            scope=" ".join(SCOPES),
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
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
            }
        )
        credentials = _token_credentials(tokens)
        account = AccountContext(network=self.name, credentials=credentials)
        me = self.call(account, "GET", "/v2/userinfo").json()
        person_urn = f"urn:li:person:{me['sub']}"
        acls = self.call(
            account,
            "GET",
            "/rest/organizationAcls",
            params={"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"},
        ).json()
        organizations = [e["organization"] for e in acls.get("elements") or [] if e.get("organization")]
        # A brand tool posts as the company page when the person administers one; the
        # other pages are kept so the author can be switched without another login.
        author = organizations[0] if organizations else person_urn
        credentials.update({"author_urn": author, "person_urn": person_urn, "organizations": organizations})
        return ConnectedAccount(
            remote_id=author,
            handle=me.get("name", ""),
            display_name=me.get("name", ""),
            avatar_url=me.get("picture", ""),
            credentials=credentials,
            token_expires_at=expires_at(tokens.get("expires_in")),
        )

    def refresh(self, account: AccountContext) -> None:
        refresh_token = account.credentials.get("refresh_token")
        if not refresh_token:
            raise AuthExpired(
                "No refresh token (LinkedIn issues them to approved partners only)",
                user_message="The LinkedIn connection has expired. Please reconnect the account.",
            )
        tokens = self._token_request(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
            }
        )
        account.update_credentials(_token_credentials(tokens))

    def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        response = self.http.request("POST", f"{OAUTH}/accessToken", data=form)
        if response.status_code in (400, 401):
            # invalid_grant: the code or refresh token is spent, revoked or expired.
            raise AuthExpired(
                f"LinkedIn refused the token request: {_message(response)}",
                user_message="LinkedIn did not accept the connection. Please reconnect the account.",
                status=response.status_code,
            )
        error = linkedin_error(response)
        if error is not None:
            raise error
        return response.json()

    # --- publishing ------------------------------------------------------------------------------

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        self.raise_problems(self.validate(content))
        author = self._author(account)
        body = self.post_body(author, content)
        videos = self.videos_of(content)
        if videos:
            # The upload survives retries and worker deaths (its parts are remembered); the
            # post goes out only once LinkedIn has processed the video.
            body["content"] = {"media": {"id": self._ready_video(account, author, videos[0], attempt)}}
            # From here on the post may exist: before this mark, a lookup knows it cannot.
            attempt.remember(li_post_sent=True)
        elif content.media:
            images = [
                {"id": self._upload_image(account, author, item), "altText": item.alt_text} for item in content.media
            ]
            for image in images:
                if not image["altText"]:
                    del image["altText"]
            body["content"] = {"media": images[0]} if len(images) == 1 else {"multiImage": {"images": images}}
        try:
            response = self.call(account, "POST", "/rest/posts", json=body)
        except Permanent as exc:
            code = getattr(exc, "media_code", "")
            if videos and code == "MEDIA_ASSET_WAITING_UPLOAD":
                # Said AVAILABLE, yet not ready for a post (check): wait like processing;
                # the processing limit still applies on the next call.
                raise StillProcessing("LinkedIn is still processing the video", check_after=VIDEO_CHECK_AFTER)
            if videos and code == "MEDIA_ASSET_PROCESSING_FAILED":
                attempt.remember(li_video=None)  # a retry uploads the video afresh
            raise
        urn = response.headers.get("x-restli-id") or response.headers.get("X-RestLi-Id")
        if not urn:
            raise OutcomeUnknown("LinkedIn accepted the post but did not say its id")
        attempt.remember(post_urn=urn)
        return PublishResult(remote_id=urn, url=post_url(urn), published_at=_now())

    def post_body(self, author: str, content: PostContent) -> dict[str, Any]:
        text = content.text
        if content.link and content.media and content.link not in text:
            # A post carries either images or a link card; with images the link joins the text.
            text = f"{text}\n\n{content.link}".strip()
        body: dict[str, Any] = {
            "author": author,
            "commentary": escape_commentary(text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if content.link and not content.media:
            # The Posts API does not scrape the page; the card shows what we send. With
            # no title of our own, the site's address stands in for it.
            body["content"] = {"article": {"source": content.link, "title": urlsplit(content.link).netloc}}
        return body

    def _upload_image(self, account: AccountContext, owner: str, item) -> str:
        init = self.call(
            account,
            "POST",
            "/rest/images?action=initializeUpload",
            json={"initializeUploadRequest": {"owner": owner}},
        ).json()["value"]
        token = account.credentials["access_token"]
        response = self.http.request(
            "PUT",
            init["uploadUrl"],
            data=item.data,
            headers={"Authorization": f"Bearer {token}", "Content-Type": item.mime_type},
        )
        error = linkedin_error(response)
        if error is not None:
            raise error
        return init["image"]

    # --- video (Videos API) ---------------------------------------------------------------------
    #
    # publish_state["li_video"] holds the upload as it goes: the video URN, the upload token,
    # the parts ([url, firstByte, lastByte]), the ETag of each part sent (in order), whether
    # finalizeUpload was sent and answered, and since when LinkedIn has been processing it.
    # It is saved after every part, so a re-run sends only the parts still to go.

    def _ready_video(self, account: AccountContext, owner: str, item, attempt: PublishAttempt) -> str:
        """The URN of ``item`` uploaded and processed by LinkedIn, ready for a post; raises
        ``StillProcessing`` while LinkedIn processes it."""
        if not item.path or not os.path.exists(item.path):
            raise Permanent(
                "The video has no local file to upload",
                user_message="The video's file is missing from the media library; attach it again.",
            )
        size = os.path.getsize(item.path)
        upload = attempt.state.get("li_video")
        if not upload or upload.get("size") != size or upload.get("owner") != owner:
            upload = None  # nothing begun, or begun for another file or author
        try:
            if upload is None:
                upload = self._start_video_upload(account, owner, size, attempt)
            if not upload.get("finalized"):
                upload = self._send_video_parts(account, owner, item.path, size, upload, attempt)
                upload = self._finalize_video(account, upload, attempt)
            return self._video_when_processed(account, upload, attempt)
        except OutcomeUnknown as exc:
            # Nothing is published before the post itself: an answer lost while uploading
            # costs at most a part sent again (the same bytes to the same URL).
            raise Transient(
                exc.message,
                user_message="LinkedIn did not answer while we uploaded the video; we will carry on where we stopped.",
            ) from exc
        except Permanent:
            attempt.remember(li_video=None)  # what LinkedIn refused is uploaded afresh next time
            raise

    def _start_video_upload(self, account: AccountContext, owner: str, size: int, attempt: PublishAttempt) -> dict:
        response = self.call(
            account,
            "POST",
            "/rest/videos?action=initializeUpload",
            json={
                "initializeUploadRequest": {
                    "owner": owner,
                    "fileSizeBytes": size,
                    "uploadCaptions": False,
                    "uploadThumbnail": False,
                }
            },
        )
        try:
            value = response.json()["value"]
            urn = str(value["video"])
            parts = sorted(
                ([str(i["uploadUrl"]), int(i["firstByte"]), int(i["lastByte"])] for i in value["uploadInstructions"]),
                key=lambda part: part[1],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise Transient(
                f"LinkedIn's answer to initializeUpload is not what it documents: {exc!r}",
                user_message="LinkedIn did not say where to upload the video; we will try again.",
            ) from exc
        expected = 0
        for _url, first, last in parts:
            if first != expected or last < first:
                break
            expected = last + 1
        if not parts or expected != size:
            raise Transient(
                f"LinkedIn's upload parts do not cover the {size}-byte video exactly",
                user_message="LinkedIn did not say where to upload the video; we will try again.",
            )
        upload = {
            "urn": urn,
            "token": value.get("uploadToken") or "",
            "parts": parts,
            "etags": [],
            "size": size,
            "owner": owner,
            "expires_at": value.get("uploadUrlsExpireAt"),
            "finalized": False,
        }
        attempt.remember(li_video=upload)
        return upload

    def _send_video_parts(
        self, account: AccountContext, owner: str, path: str, size: int, upload: dict, attempt: PublishAttempt
    ) -> dict:
        """PUT each part not yet sent, remembering its ETag at once. Expired upload URLs
        (before sending, or a 403/404/410 answer) start one new upload."""
        renewed = False
        if len(upload["etags"]) < len(upload["parts"]) and _urls_expired(upload):
            upload, renewed = self._start_video_upload(account, owner, size, attempt), True
        token = account.credentials.get("access_token")
        index = len(upload["etags"])
        while index < len(upload["parts"]):
            url, first, last = upload["parts"][index]
            headers = {"Content-Type": "application/octet-stream"}
            if token and _is_linkedin_host(url):
                headers["Authorization"] = f"Bearer {token}"  # never sent to another host
            response = self.http.request("PUT", url, data=FileRange(path, first, last - first + 1), headers=headers)
            if response.status_code in EXPIRED_UPLOAD_STATUSES and not renewed:
                upload, renewed = self._start_video_upload(account, owner, size, attempt), True
                index = 0
                continue
            error = _part_error(response, index + 1, len(upload["parts"]))
            if error is not None:
                raise error
            etag = (response.headers.get("ETag") or "").strip().strip('"')
            if not etag:
                raise Transient(
                    f"LinkedIn took part {index + 1} of the video without an ETag",
                    user_message="LinkedIn did not confirm a part of the video; we will send it again.",
                )
            upload = {**upload, "etags": [*upload["etags"], etag]}
            attempt.remember(li_video=upload)  # also renews the publishing lease
            index += 1
        return upload

    def _finalize_video(self, account: AccountContext, upload: dict, attempt: PublishAttempt) -> dict:
        if upload.get("finalize_sent") and self._video_status(account, upload["urn"])[0] != "WAITING_UPLOAD":
            pass  # the last finalize reached LinkedIn, only its answer was lost
        else:
            upload = {**upload, "finalize_sent": True}
            attempt.remember(li_video=upload)
            self.call(
                account,
                "POST",
                "/rest/videos?action=finalizeUpload",
                json={
                    "finalizeUploadRequest": {
                        "video": upload["urn"],
                        "uploadToken": upload["token"],
                        "uploadedPartIds": upload["etags"],
                    }
                },
            )
        upload = {**upload, "finalized": True, "processing_since": _now().isoformat()}
        attempt.remember(li_video=upload)
        return upload

    def _video_status(self, account: AccountContext, urn: str) -> tuple[str, dict]:
        response = self.call(account, "GET", f"/rest/videos/{quote(urn, safe='')}")
        try:
            data = response.json()
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        return str(data.get("status") or ""), data

    def _video_when_processed(self, account: AccountContext, upload: dict, attempt: PublishAttempt) -> str:
        status, data = self._video_status(account, upload["urn"])
        if status == "AVAILABLE":
            return upload["urn"]
        if status == "PROCESSING_FAILED":
            reason = data.get("processingFailureReason") or "PROCESSING_FAILED"
            raise Permanent(
                f"LinkedIn could not process video {upload['urn']}: {reason}",
                user_message=NOT_PROCESSED,
            )
        # PROCESSING, or WAITING_UPLOAD while LinkedIn puts the parts together.
        since = _parse_time(upload.get("processing_since")) or _now()
        waited = _now() - since
        if waited > VIDEO_PROCESSING_LIMIT:
            raise Permanent(
                f"LinkedIn was still processing video {upload['urn']} ({status or 'no status'}) after "
                f"{waited.total_seconds() / 60:.0f} minutes",
                user_message=(
                    "LinkedIn has been processing the video for over an hour without finishing. Try again later; "
                    "if it happens again, convert the video to MP4 (H.264) first."
                ),
            )
        check_after = VIDEO_CHECK_AFTER if waited < dt.timedelta(minutes=5) else VIDEO_CHECK_AFTER_LONG
        raise StillProcessing("LinkedIn is processing the video", check_after=check_after)

    def lookup_published(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt
    ) -> PublishResult | None:
        """No idempotency key on LinkedIn: list the author's latest posts and match the
        commentary we would have sent."""
        if attempt.state.get("post_urn"):
            urn = attempt.state["post_urn"]
            return PublishResult(remote_id=urn, url=post_url(urn), published_at=_now())
        if self.videos_of(content) and not attempt.state.get("li_post_sent"):
            # The worker stopped during the video's upload or processing: the post is sent
            # only after those, so it cannot exist (and a member's posts may not be listed).
            return None
        author = self._author(account)
        try:
            response = self.call(
                account,
                "GET",
                f"/rest/posts?author={quote(author, safe='')}&q=author&count=20&sortBy=LAST_MODIFIED",
            )
        except Permanent as exc:
            # Reading a member's posts needs r_member_social, which LinkedIn restricts.
            raise OutcomeUnknown(f"LinkedIn would not list the recent posts: {exc.message}")
        wanted = self.post_body(author, content)["commentary"].strip()
        # A video post carries the video we uploaded for it: that names it better than its text.
        video_urn = (attempt.state.get("li_video") or {}).get("urn") if self.videos_of(content) else None
        for post in response.json().get("elements") or []:
            if video_urn:
                ours = ((post.get("content") or {}).get("media") or {}).get("id") == video_urn
            else:
                ours = (post.get("commentary") or "").strip() == wanted
            if ours:
                urn = post["id"]
                published = post.get("publishedAt") or post.get("createdAt")
                return PublishResult(remote_id=urn, url=post_url(urn), published_at=_from_millis(published))
        return None

    def _author(self, account: AccountContext) -> str:
        return str(account.credentials.get("author_urn") or account.remote_id)

    @classmethod
    def remote_id_from_url(cls, url: str, account: AccountContext) -> str | None:
        """``https://www.linkedin.com/feed/update/<urn>/``: the share or ugcPost URN. The
        activity URN LinkedIn's own share button gives is another id (no use to the API)."""
        link = urlsplit(url.strip())
        if link.netloc.lower() not in ("www.linkedin.com", "linkedin.com"):
            return None
        found = _UPDATE_PATH.fullmatch(unquote(link.path))
        return found.group(1) if found else None

    # --- metrics ------------------------------------------------------------------------------------

    def fetch_post_metrics(self, account: AccountContext, remote_ids: list[str]) -> dict[str, PostMetrics]:
        """Organization posts: organizationalEntityShareStatistics, and video views from
        videoAnalytics. Member posts: LinkedIn reports figures only to apps with
        r_member_postAnalytics, so all stay None."""
        result = {urn: PostMetrics(remote_id=urn) for urn in remote_ids}
        author = self._author(account)
        if not author.startswith("urn:li:organization:") or not remote_ids:
            return result
        shares = [u for u in remote_ids if u.startswith("urn:li:share:")]
        ugc_posts = [u for u in remote_ids if u.startswith("urn:li:ugcPost:")]
        query = f"q=organizationalEntity&organizationalEntity={quote(author, safe='')}"
        if shares:
            query += "&shares=" + _restli_list(shares)
        if ugc_posts:
            query += "&ugcPosts=" + _restli_list(ugc_posts)
        data = self.call(account, "GET", f"/rest/organizationalEntityShareStatistics?{query}").json()
        for element in data.get("elements") or []:
            urn = element.get("share") or element.get("ugcPost")
            if urn not in result:
                continue
            stats = element.get("totalShareStatistics") or {}
            result[urn] = PostMetrics(
                remote_id=urn,
                impressions=stats.get("impressionCount"),
                reach=stats.get("uniqueImpressionsCount"),
                clicks=stats.get("clickCount"),
                likes=stats.get("likeCount"),
                comments=stats.get("commentCount"),
                shares=stats.get("shareCount"),
            )
        self._add_video_views(account, ugc_posts, result)
        return result

    def _add_video_views(self, account: AccountContext, ugc_posts: list[str], result: dict[str, PostMetrics]) -> None:
        """Share statistics carry no video figure: videoAnalytics gives a video post's views
        (plays of 3 s or more), one post per call, for ugcPost URNs, which is what a video
        post made through the Posts API is (check). A post without a video gets no element
        (or a 4xx), and its ``video_views`` stays None."""
        for urn in ugc_posts:
            try:
                data = self.call(
                    account,
                    "GET",
                    f"/rest/videoAnalytics?q=entity&entity={quote(urn, safe='')}&type=VIDEO_VIEW&aggregation=ALL",
                ).json()
            except RateLimited:
                return  # keep the statistics we have; the views come with the next pull
            except Permanent:
                continue
            values = [e.get("value") for e in data.get("elements") or [] if isinstance(e.get("value"), int)]
            if values:
                result[urn].video_views = sum(values)

    def fetch_account_metrics(self, account: AccountContext) -> AccountMetrics:
        author = self._author(account)
        if not author.startswith("urn:li:organization:"):
            return AccountMetrics()  # a member's follower count is not offered to apps
        data = self.call(
            account,
            "GET",
            f"/rest/networkSizes/{quote(author, safe='')}?edgeType=COMPANY_FOLLOWED_BY_MEMBER",
        ).json()
        return AccountMetrics(followers=data.get("firstDegreeSize"))

    # --- inbox ----------------------------------------------------------------------------------------

    def fetch_inbox(self, account: AccountContext, cursor: str = "") -> InboxPage:
        """Comments on the author's recent posts (socialActions/{urn}/comments) newer than
        ``cursor``, which is the newest comment's time in epoch milliseconds."""
        author = self._author(account)
        since = int(cursor) if cursor.isdigit() else 0
        posts = self.call(
            account,
            "GET",
            f"/rest/posts?author={quote(author, safe='')}&q=author&count={INBOX_POSTS}&sortBy=LAST_MODIFIED",
        ).json()
        items: list[tuple[int, InboxItem]] = []
        for post in posts.get("elements") or []:
            post_urn = post["id"]
            comments = self.call(account, "GET", f"/rest/socialActions/{quote(post_urn, safe='')}/comments").json()
            for comment in comments.get("elements") or []:
                created_ms = int((comment.get("created") or {}).get("time") or 0)
                if created_ms <= since or comment.get("actor") == author:
                    continue
                comment_urn = (
                    comment.get("commentUrn") or comment.get("$URN") or f"urn:li:comment:({post_urn},{comment['id']})"
                )
                items.append(
                    (
                        created_ms,
                        InboxItem(
                            remote_id=comment_urn,
                            kind="comment",
                            text=(comment.get("message") or {}).get("text", ""),
                            created_at=_from_millis(created_ms),
                            # Names need the profile APIs LinkedIn restricts; the URN
                            # identifies the person.
                            author_handle=comment.get("actor", ""),
                            url=post_url(post_urn),
                            post_remote_id=post_urn,
                            parent_remote_id=comment.get("parentComment") or "",
                            conversation_id=post_urn,
                        ),
                    )
                )
        items.sort(key=lambda pair: pair[0])
        newest = str(items[-1][0]) if items else cursor
        return InboxPage(items=[item for _ms, item in items], cursor=newest)

    def reply(self, account: AccountContext, item: InboxItem, text: str) -> PublishResult:
        """A nested comment: posted under the parent comment's URN, ``object`` naming the post."""
        author = self._author(account)
        body = {
            "actor": author,
            "object": item.post_remote_id,
            "message": {"text": text},
            "parentComment": item.remote_id,
        }
        response = self.call(
            account, "POST", f"/rest/socialActions/{quote(item.remote_id, safe='')}/comments", json=body
        )
        comment_id = response.headers.get("x-restli-id") or ""
        if not comment_id:
            try:
                payload = response.json()
            except ValueError:
                payload = {}
            if not isinstance(payload, dict):
                payload = {}
            comment_id = str(payload.get("commentUrn") or payload.get("$URN") or payload.get("id") or "")
        if not comment_id:
            # Created (a 2xx), but we cannot tell which comment is ours: looked up, not re-sent.
            raise UnreadableAnswer("LinkedIn accepted the reply but did not say its id", label=self.label)
        return PublishResult(remote_id=comment_id, url=post_url(item.post_remote_id), published_at=_now())

    def comment_on_post(self, account: AccountContext, post_id: str, text: str) -> PublishResult:
        """The first comment: a top-level comment under our post (no ``parentComment``)."""
        body = {"actor": self._author(account), "object": post_id, "message": {"text": text}}
        response = self.call(account, "POST", f"/rest/socialActions/{quote(post_id, safe='')}/comments", json=body)
        comment_id = response.headers.get("x-restli-id") or ""
        if not comment_id:
            try:
                payload = response.json()
            except ValueError:
                payload = {}
            if isinstance(payload, dict):
                comment_id = str(payload.get("commentUrn") or payload.get("$URN") or payload.get("id") or "")
        if not comment_id:
            raise UnreadableAnswer("LinkedIn accepted the comment but did not say its id", label=self.label)
        return PublishResult(remote_id=comment_id, url=post_url(post_id), published_at=_now())

    def find_comment(
        self, account: AccountContext, post_id: str, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        item = InboxItem(
            remote_id=post_id, kind="comment", text="", created_at=since, author_handle="", post_remote_id=post_id
        )
        return self.find_reply(account, item, text, since=since)

    def find_reply(
        self, account: AccountContext, item: InboxItem, text: str, *, since: dt.datetime
    ) -> PublishResult | None:
        """Among the comment's nested comments: ours (the same actor) with our text."""
        author = self._author(account)
        comments = self.call(account, "GET", f"/rest/socialActions/{quote(item.remote_id, safe='')}/comments").json()
        for comment in comments.get("elements") or []:
            written_text = (comment.get("message") or {}).get("text") or ""
            if comment.get("actor") != author or written_text.strip() != text.strip():
                continue
            created_ms = (comment.get("created") or {}).get("time")
            written = _from_millis(created_ms) if created_ms else None
            if written is not None and written < since - REPLY_CLOCK_SKEW:
                continue
            comment_id = str(comment.get("commentUrn") or comment.get("$URN") or comment.get("id") or "")
            if comment_id:
                url = post_url(item.post_remote_id)
                return PublishResult(remote_id=comment_id, url=url, published_at=written or _now())
        return None


# --- errors ------------------------------------------------------------------------------------------


def linkedin_error(response: requests.Response) -> PlatformError | None:
    status = response.status_code
    if status < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = _message(response, body)
    code = body.get("code") or ""
    if status == 401:
        return AuthExpired(
            f"{message} ({code or 'unauthorized'})",
            user_message="LinkedIn no longer accepts this connection. Please reconnect the account.",
            status=status,
        )
    if status == 429:
        retry = response.headers.get("Retry-After")
        return RateLimited(
            message,
            retry_after=float(retry) if retry and retry.isdigit() else DEFAULT_RATE_LIMIT_WAIT,
            user_message="LinkedIn asked us to slow down; we will try again later.",
            status=status,
        )
    if status >= 500:
        return Transient(message, user_message="LinkedIn had a temporary problem; we will retry.", status=status)
    input_codes = [e.get("code") for e in ((body.get("errorDetails") or {}).get("inputErrors") or [])]
    if status == 422 and ("DUPLICATE_POST" in input_codes or "duplicate" in message.lower()):
        error = Permanent(
            message,
            user_message="LinkedIn refused this post because the same text was posted recently.",
            status=status,
        )
        match = re.search(r"urn:li:(?:share|ugcPost):\d+", message)
        error.duplicate_of = match.group(0) if match else None  # the post it repeats
        return error
    media_code = _MEDIA_CODE.search(f"{code} {message} {input_codes}")
    if media_code and media_code.group(0) == "MEDIA_ASSET_PROCESSING_FAILED":
        error = Permanent(
            message,
            user_message=NOT_PROCESSED,
            status=status,
        )
    else:
        error = Permanent(message, user_message=f"LinkedIn refused the request: {message}", status=status)
    error.media_code = media_code.group(0) if media_code else ""
    return error


def _part_error(response: requests.Response, number: int, total: int) -> PlatformError | None:
    """A refused PUT of part ``number``: the classes of ``linkedin_error``, said about the upload."""
    error = linkedin_error(response)
    if error is None or isinstance(error, (AuthExpired, RateLimited)):
        return error
    where = f"part {number} of {total} of the video"
    if isinstance(error, Transient):
        return Transient(
            f"{error.message} (sending {where})",
            user_message=f"LinkedIn had a temporary problem while we sent {where}; we will carry on from there.",
            status=error.status,
        )
    return Permanent(
        f"{error.message} (sending {where})",
        user_message=(
            f"LinkedIn refused {where} (HTTP {response.status_code}). Sending the post again uploads the video afresh."
        ),
        status=error.status,
    )


def _urls_expired(upload: dict) -> bool:
    expires = upload.get("expires_at")
    if not isinstance(expires, (int, float)) or isinstance(expires, bool):
        return False
    return _from_millis(expires) - UPLOAD_URL_MARGIN <= _now()


def _is_linkedin_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "linkedin.com" or host.endswith(".linkedin.com")


def _parse_time(value) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _message(response: requests.Response, body: dict | None = None) -> str:
    if body is None:
        try:
            body = response.json()
        except ValueError:
            body = {}
    if isinstance(body, dict):
        text = body.get("message") or body.get("error_description") or body.get("error")
        if text:
            return str(text)
    return f"LinkedIn answered HTTP {response.status_code}"


def _restli_list(urns: list[str]) -> str:
    return "List(" + ",".join(quote(urn, safe="") for urn in urns) + ")"


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
    return credentials


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _from_millis(value) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(value) / 1000, dt.UTC)
    except (TypeError, ValueError):
        return _now()
