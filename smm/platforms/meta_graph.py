"""What Facebook, Instagram and Threads share: Graph API errors, containers, token exchange.

The three networks run on the same Graph API machinery: the same error envelope, the
same throttling codes and usage headers, and (Instagram, Threads) the same two-step
"create a container, then publish it" flow. Each network's module subclasses
``MetaGraphAdapter`` and keeps only what differs.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any, ClassVar

import requests

from smm.platforms.base import (
    AccountContext,
    Adapter,
    AuthExpired,
    InboxItem,
    InboxPage,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    PlatformError,
    PostContent,
    PublishAttempt,
    PublishResult,
    RateLimited,
    StillProcessing,
    Transient,
    UnreadableAnswer,
    WebhookItem,
)
from smm.platforms.oauth import authorize_url, expires_at

# Inbox: answers are read under this many of the account's latest posts.
INBOX_POSTS = 10

# Graph API version for graph.facebook.com and graph.instagram.com. Meta supports a
# version for about two years; bump it here, in one place.
GRAPH_VERSION = "v23.0"

# When Meta throttles without saying for how long (no usage header, or a zero estimate),
# wait five minutes: its rolling windows are an hour long, and retrying sooner only
# burns more of the same budget (every throttled call still counts).
DEFAULT_RATE_LIMIT_WAIT = 300.0

# Graph error codes. 4 = app-level throttle, 17 = user-level, 32 = page-level,
# 613 = custom (per-endpoint) limit; 80001-80014 are the business-use-case throttles
# (Pages, Instagram, Threads...) that carry X-Business-Use-Case-Usage.
THROTTLE_CODES = frozenset({4, 17, 32, 613}) | frozenset(range(80001, 80015))
AUTH_CODES = frozenset({190, 102})  # 190 expired/invalid token, 102 session invalid
DUPLICATE_CODE = 506
# Instagram's media_publish answer for a container not yet ready (code 9007).
MEDIA_NOT_READY = 2207027
# 1 "unknown error" and 2 "service temporarily unavailable" are documented as retryable.
TRANSIENT_CODES = frozenset({1, 2})

USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-App-Usage", "X-Ad-Account-Usage")

# Video waits. Meta's advice for video containers (Threads troubleshooting, Instagram
# content publishing): look again after about 30 s, then about once a minute. The
# engine comes back after these; no worker waits meanwhile (``StillProcessing``).
VIDEO_FIRST_CHECK = 30.0
VIDEO_NEXT_CHECK = 60.0


def retry_after_from_usage(headers) -> float:
    """Seconds to wait, read from Meta's usage headers.

    ``X-Business-Use-Case-Usage`` looks like ``{"<id>": [{"type": "pages",
    "call_count": 100, "estimated_time_to_regain_access": 14}]}`` with the estimate in
    minutes; ``X-App-Usage`` is a flat dict that usually lacks the estimate. The longest
    estimate found wins; without one, ``DEFAULT_RATE_LIMIT_WAIT``.
    """
    minutes: list[float] = []
    for name in USAGE_HEADERS:
        raw = headers.get(name) if headers is not None else None
        if not raw:
            continue
        try:
            minutes.extend(_find_estimates(json.loads(raw)))
        except (ValueError, TypeError):
            continue  # a malformed header must not turn a throttle into a crash
    longest = max(minutes, default=0)
    return longest * 60.0 if longest > 0 else DEFAULT_RATE_LIMIT_WAIT


def _find_estimates(value: Any) -> list[float]:
    found: list[float] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "estimated_time_to_regain_access" and isinstance(item, int | float):
                found.append(float(item))
            else:
                found.extend(_find_estimates(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_find_estimates(item))
    return found


def graph_error(response: requests.Response, *, label: str = "The network") -> PlatformError | None:
    """The error class for a Graph API response, or None when it succeeded."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if status < 400 and not error:
        return None
    if not isinstance(error, dict):
        error = {}
    message = error.get("message") or f"{label} answered HTTP {status}"
    code = error.get("code")
    subcode = error.get("error_subcode")
    trace = error.get("fbtrace_id")
    detail = f"{message} (code {code}" + (f", subcode {subcode}" if subcode else "") + ")" if code else message
    if trace:
        detail += f" [fbtrace_id {trace}]"

    if code in AUTH_CODES:
        return AuthExpired(
            detail,
            user_message=f"{label} no longer accepts this connection. Please reconnect the account.",
            status=status,
        )
    if code in THROTTLE_CODES or status == 429:
        return RateLimited(
            detail,
            retry_after=retry_after_from_usage(response.headers),
            user_message=f"{label} asked us to slow down; we will try again later.",
            status=status,
        )
    if code == DUPLICATE_CODE:
        return Permanent(
            detail,
            user_message=f"{label} refused this post because the same text was posted recently.",
            status=status,
        )
    if status >= 500 or error.get("is_transient") or code in TRANSIENT_CODES:
        return Transient(detail, user_message=f"{label} had a temporary problem; we will retry.", status=status)
    user_text = error.get("error_user_msg") or message
    return Permanent(detail, user_message=f"{label} refused the request: {user_text}", status=status)


def webhook_time(value, fallback: dt.datetime | None = None) -> dt.datetime:
    """A webhook change's own time (epoch seconds or ISO text); else when the delivery
    arrived, since it may be ingested later."""
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed
        except ValueError:
            pass
    return fallback or dt.datetime.now(dt.UTC)


class MetaGraphAdapter(Adapter):
    """Base of the Graph-API adapters: one request helper, container polling, tokens."""

    graph_base: ClassVar[str] = f"https://graph.facebook.com/{GRAPH_VERSION}"

    # Container polling (Instagram, Threads). Meta suggests checking about once a
    # minute for video, but images and text usually finish within seconds, so poll
    # briefly and let a still-processing container become a Transient retry that
    # reuses the stored container id.
    container_status_field: ClassVar[str] = "status_code"
    container_poll_attempts: ClassVar[int] = 10
    container_poll_interval: ClassVar[float] = 3.0

    # How long a network may process a video before we stop waiting (seconds since the
    # first "still processing"). Each network sets its own.
    video_processing_limit: ClassVar[float] = 15 * 60

    def __init__(self, app=None, *, http=None):
        super().__init__(app, http=http)
        # Attributes rather than calls to time.sleep / time.time, so tests pass their own.
        self.sleep = time.sleep
        self.clock = time.time

    # --- webhooks: Meta's envelope is {"object", "entry": [{"id", "time", "changes"}]} --------

    @classmethod
    def parse_webhook(cls, payload: dict, received_at: dt.datetime | None = None) -> list[WebhookItem]:
        if not cls.supports_webhooks or payload.get("object") != cls.webhook_object:
            return []
        found = []
        for entry in payload.get("entry") or []:
            account_id = str(entry.get("id") or "")
            for change in entry.get("changes") or []:
                item = cls.webhook_item(change, entry, account_id, received_at)
                if item is not None:
                    found.append(WebhookItem(account_id, item))
        return found

    @classmethod
    def webhook_item(
        cls, change: dict, entry: dict, account_id: str, received_at: dt.datetime | None
    ) -> InboxItem | None:
        """The inbox item of one change of an entry, or None for a change of another kind."""
        return None

    # --- HTTP ------------------------------------------------------------------------

    def graph(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        files=None,
        base: str | None = None,
    ) -> dict[str, Any]:
        """One Graph call. The token goes in the query for reads and in the form body
        for writes, so it never sits in a POST's URL (and in proxy logs)."""
        url = path if path.startswith("https://") else f"{base or self.graph_base}/{path.lstrip('/')}"
        params = dict(params or {})
        if method == "GET":
            if token:
                params["access_token"] = token
            response = self.http.request(method, url, params=params)
        else:
            body = dict(data or {})
            if token:
                body["access_token"] = token
            response = self.http.request(method, url, params=params or None, data=body, files=files)
        error = graph_error(response, label=self.label)
        if error is not None:
            raise error
        try:
            return response.json()
        except ValueError:
            raise Transient(f"{self.label} answered with something that is not JSON", status=response.status_code)

    def token(self, account: AccountContext) -> str:
        token = account.credentials.get("access_token")
        if not token:
            raise AuthExpired(
                "No access token stored",
                user_message=f"This {self.label} account has no access token. Please reconnect it.",
            )
        return token

    def created(self, path: str, token: str, *, data: dict[str, Any], files=None) -> dict[str, Any]:
        """A POST that creates something people see (a post, a published photo, a comment,
        a reply) and Graph's answer, which carries its ``id``. A 2xx without an id, or not
        JSON, means it most likely exists: ``UnreadableAnswer`` (looked up, never sent
        again on its own), where ``graph`` would say Transient (retried: posted twice)."""
        try:
            answer = self.graph("POST", path, token, data=data, files=files)
        except Transient as exc:
            if exc.status is not None and exc.status < 400:
                raise UnreadableAnswer(exc.message, label=self.label, status=exc.status) from exc
            raise
        if not isinstance(answer, dict) or not answer.get("id"):
            raise UnreadableAnswer(f"{self.label} answered without the id of what it created", label=self.label)
        return answer

    def created_id(self, path: str, token: str, *, data: dict[str, Any]) -> str:
        return str(self.created(path, token, data=data)["id"])

    def insights(self, token: str, object_id: str, metrics: str) -> dict[str, int]:
        """``GET /{object}/insights?metric=...`` as ``{"views": 12, ...}`` (see ``insight_values``)."""
        return insight_values(self.graph("GET", f"{object_id}/insights", token, params={"metric": metrics}))

    # --- video processing waits ---------------------------------------------------------

    def still_processing(self, attempt: PublishAttempt, *, noun: str = "video") -> PlatformError:
        """What to raise while the network processes a video: ``StillProcessing`` (come back
        in 30 s the first time, then every minute), or ``Permanent`` once it has taken longer
        than ``video_processing_limit``. The first wait's time is kept in the attempt's state
        (``processing_since``) so the limit spans the engine's calls; giving up clears it, so
        a person's retry waits afresh."""
        now_ = self.clock()
        since = attempt.state.get("processing_since")
        if not isinstance(since, int | float):
            attempt.remember(processing_since=now_)
            return StillProcessing(
                f"{self.label} is processing the {noun}",
                check_after=VIDEO_FIRST_CHECK,
                user_message=f"{self.label} is processing the {noun}; we will check again in a moment.",
            )
        waited = now_ - since
        if waited > self.video_processing_limit:
            attempt.remember(processing_since=None)
            minutes = round(self.video_processing_limit / 60)
            return Permanent(
                f"{self.label} was still processing the {noun} after {waited:.0f} s",
                user_message=(
                    f"{self.label} was still processing the {noun} after {minutes} minutes, much longer than "
                    "usual, so we stopped waiting. Send it again later, or convert the video to MP4 (H.264) "
                    "first: it processes faster."
                ),
            )
        return StillProcessing(
            f"{self.label} is still processing the {noun} ({waited:.0f} s so far)",
            check_after=VIDEO_NEXT_CHECK,
            user_message=f"{self.label} is still processing the {noun}; we will check again in a minute.",
        )

    # --- containers (Instagram, Threads) -----------------------------------------------

    def container_status(self, token: str, container_id: str) -> tuple[str, str]:
        """(status, network's explanation) of a media container."""
        field = self.container_status_field
        data = self.graph("GET", container_id, token, params={"fields": f"{field},{self._container_detail_field}"})
        return str(data.get(field) or ""), str(data.get(self._container_detail_field) or "")

    _container_detail_field: ClassVar[str] = "status"

    def wait_for_container(self, token: str, container_id: str) -> str:
        """Poll until the container can be published. Returns "FINISHED" or "PUBLISHED"
        (a retry found it already out); raises when it failed or never finished."""
        for attempt in range(self.container_poll_attempts):
            status, detail = self.container_status(token, container_id)
            if status in ("FINISHED", "PUBLISHED"):
                return status
            if status == "ERROR":
                raise Permanent(
                    f"Media container {container_id} failed: {detail or 'no reason given'}",
                    user_message=f"{self.label} could not process the media: {detail or 'no reason given'}.",
                )
            if status == "EXPIRED":
                raise Permanent(
                    f"Media container {container_id} expired before it was published",
                    user_message=f"{self.label} dropped the prepared post because it waited too long.",
                )
            if attempt + 1 < self.container_poll_attempts:
                self.sleep(self.container_poll_interval)
        raise Transient(
            f"Media container {container_id} is still processing",
            user_message=f"{self.label} is still processing the media; we will try again shortly.",
        )

    def publish_container(
        self,
        account: AccountContext,
        attempt: PublishAttempt,
        *,
        create,
        publish_path: str,
        find_published,
    ) -> PublishResult:
        """The container flow shared by Instagram and Threads.

        ``create()`` makes the container and returns its id; it is remembered *before*
        the publish call, so a retry reuses it and a lost answer can be resolved by
        asking the container's status. ``find_published()`` locates the media of a
        container that turns out to be PUBLISHED already.
        """
        token = self.token(account)
        container_id = attempt.state.get("container_id")
        if container_id:
            status, _detail = self.container_status(token, container_id)
            if status == "PUBLISHED":
                found = find_published()
                if found is not None:
                    return found
                raise OutcomeUnknown(f"Container {container_id} is published but its post was not found")
            if status in ("EXPIRED", "ERROR"):
                container_id = None  # never published: a fresh container is safe
        if not container_id:
            container_id = create()
            attempt.remember(container_id=container_id)
        if self.wait_for_container(token, container_id) == "PUBLISHED":
            found = find_published()
            if found is not None:
                return found
            raise OutcomeUnknown(f"Container {container_id} is published but its post was not found")
        media_id = self.created_id(publish_path, token, data={"creation_id": container_id})
        attempt.remember(media_id=media_id)
        return self.media_result(token, media_id)

    # --- video containers: processed over minutes, so waited for by the engine ----------

    def explain_container_error(self, detail: str) -> str:
        """Why a container failed, in a marketer's words; each network words its own codes."""
        return f"{self.label} could not process the media: {detail or 'no reason given'}."

    def container_failed(self, container_id: str, detail: str, *, item: int | None = None) -> Permanent:
        words = self.explain_container_error(detail)
        if item is not None:
            words = f"Item {item} of the carousel: {words}"
        return Permanent(f"Media container {container_id} failed: {detail or 'no reason given'}", user_message=words)

    def publish_processed(
        self,
        account: AccountContext,
        attempt: PublishAttempt,
        *,
        create,
        publish_path: str,
        find_published,
        noun: str = "video",
    ) -> PublishResult:
        """The container flow for video: like ``publish_container``, but a container still
        IN_PROGRESS raises ``StillProcessing`` (the engine calls again later, and this
        carries on with the remembered container) instead of a worker polling for minutes.

        ``create()`` may itself raise ``StillProcessing`` (a carousel whose items are still
        processing; it remembers them). A stored container that failed (ERROR) is forgotten
        and refused with the network's reason; one that EXPIRED (24 h unpublished) is
        replaced. Publishing happens only at FINISHED, once.
        """
        token = self.token(account)
        container_id = attempt.state.get("container_id")
        status = detail = ""
        if container_id:
            status, detail = self.container_status(token, container_id)
            if status == "PUBLISHED":
                return self._published_already(container_id, find_published)
            if status in ("EXPIRED", "ERROR"):
                # Never published: forget it and its carousel items, so any next try starts afresh.
                attempt.remember(container_id=None, children=None, processing_since=None)
                if status == "ERROR":
                    raise self.container_failed(container_id, detail)
                container_id = None
        if not container_id:
            container_id = create()
            attempt.remember(container_id=container_id)
            status, detail = self.container_status(token, container_id)
            if status == "ERROR":
                attempt.remember(container_id=None, children=None, processing_since=None)
                raise self.container_failed(container_id, detail)
        if status != "FINISHED":
            raise self.still_processing(attempt, noun=noun)
        try:
            media_id = self.created_id(publish_path, token, data={"creation_id": container_id})
        except Permanent as exc:
            if f"subcode {MEDIA_NOT_READY}" in exc.message:
                # "The media is not ready for publishing, please wait for a moment"
                raise self.still_processing(attempt, noun=noun) from exc
            raise
        attempt.remember(media_id=media_id)
        return self.media_result(token, media_id)

    def _published_already(self, container_id: str, find_published) -> PublishResult:
        found = find_published()
        if found is not None:
            return found
        raise OutcomeUnknown(f"Container {container_id} is published but its post was not found")

    def processed_children(
        self, token: str, user_id: str, bodies: list[dict[str, str]], attempt: PublishAttempt, *, noun: str
    ) -> list[str]:
        """A carousel's item containers, made once each (each id remembered as it comes),
        all FINISHED; else ``StillProcessing`` (come back later) or ``Permanent`` (an item
        failed: the network's reason, and which item)."""
        children = [str(child) for child in attempt.state.get("children") or []]
        for body in bodies[len(children) :]:
            children.append(str(self.graph("POST", f"{user_id}/{self.media_edge}", token, data=body)["id"]))
            attempt.remember(children=children)
        waiting = False
        for number, child_id in enumerate(children, start=1):
            status, detail = self.container_status(token, child_id)
            if status == "ERROR":
                attempt.remember(children=None, processing_since=None)
                raise self.container_failed(child_id, detail, item=number)
            if status == "EXPIRED":
                attempt.remember(children=None, processing_since=None)
                raise Transient(
                    f"Carousel item container {child_id} expired",
                    user_message=f"{self.label} dropped the prepared carousel because it waited too long; "
                    "we will prepare it again.",
                )
            if status != "FINISHED":
                waiting = True
        if waiting:
            raise self.still_processing(attempt, noun=noun)
        return children

    def media_result(self, token: str, media_id: str) -> PublishResult:
        data = self.graph("GET", media_id, token, params={"fields": "permalink,timestamp"})
        return PublishResult(
            remote_id=media_id,
            url=data.get("permalink") or "",
            published_at=parse_time(data.get("timestamp")) or now(),
        )

    # --- inbox ---------------------------------------------------------------------------

    def collect_inbox(
        self,
        token: str,
        cursor: str,
        *,
        posts_path: str,
        post_fields: str,
        edge: str,
        params: dict[str, Any],
        item: Callable[[dict[str, Any], dt.datetime, dict[str, Any]], InboxItem | None],
        time_field: str = "timestamp",
    ) -> InboxPage:
        """Answers (comments, replies) under the account's ``INBOX_POSTS`` latest posts
        that are newer than ``cursor`` (the ISO time of the newest one already seen).
        ``item(answer, created, post)`` builds the inbox item, or None to skip one (the
        account's own answers)."""
        since = parse_time(cursor) if cursor else None
        posts = self.graph("GET", posts_path, token, params={"fields": post_fields, "limit": INBOX_POSTS})
        items: list[InboxItem] = []
        for post in posts.get("data") or []:
            answers = self.graph("GET", f"{post['id']}/{edge}", token, params=params)
            for answer in answers.get("data") or []:
                created = parse_time(answer.get(time_field))
                if created is None or (since is not None and created <= since):
                    continue
                built = item(answer, created, post)
                if built is not None:
                    items.append(built)
        items.sort(key=lambda built: built.created_at)
        newest = items[-1].created_at.isoformat() if items else cursor
        return InboxPage(items=items, cursor=newest)

    # --- tokens --------------------------------------------------------------------------

    def code_token(self, url: str, *, code: str, redirect_uri: str) -> dict[str, Any]:
        """Trade the authorization code for a short-lived token (Instagram, Threads): the
        code is bound to our client secret, not to PKCE."""
        return self.graph(
            "POST",
            url,
            None,
            data={
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code": code,
            },
        )

    def exchange_long_lived(self, url: str, grant_type: str, short_token: str, *, token_param: str = "access_token"):  # noqa: S107 (a parameter name)
        """Swap a short-lived token (about an hour) for a long-lived one (about 60 days).
        Returns (token, expires_at or None)."""
        params = {"grant_type": grant_type, "client_secret": self.app.client_secret, token_param: short_token}
        if grant_type == "fb_exchange_token":
            params["client_id"] = self.app.client_id
        data = self.graph("GET", url, None, params=params)
        return data["access_token"], expires_at(data.get("expires_in"))

    def refresh_long_lived(self, account: AccountContext, url: str, grant_type: str) -> None:
        """Refresh a long-lived Instagram/Threads token (it must be at least 24 h old and
        not yet expired) and save it; an expired one can only be replaced by reconnecting."""
        data = self.graph("GET", url, None, params={"grant_type": grant_type, "access_token": self.token(account)})
        changes: dict[str, Any] = {"access_token": data["access_token"]}
        expiry = expires_at(data.get("expires_in"))
        if expiry is not None:
            changes["expires_at"] = expiry.isoformat()
        account.update_credentials(changes)


class ContainerGraphAdapter(MetaGraphAdapter):
    """Instagram and Threads: a post is a container on the user's ``media_edge``, published
    through ``publish_edge``; a lost answer is resolved through the container's status and
    the user's latest posts, matched on ``text_field``."""

    idempotency = "container"
    media_edge: ClassVar[str] = ""
    publish_edge: ClassVar[str] = ""
    text_field: ClassVar[str] = ""
    authorize_endpoint: ClassVar[str] = ""
    scopes: ClassVar[tuple[str, ...]] = ()

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str, base_url: str = "") -> str:
        # Neither login offers PKCE; the code is bound to our client secret instead.
        return authorize_url(
            self.authorize_endpoint,
            client_id=self.app.client_id,
            redirect_uri=redirect_uri,
            scope=",".join(self.scopes),
            state=state,
        )

    def create_container(
        self, token: str, user_id: str, content: PostContent, *, attempt: PublishAttempt | None = None
    ) -> str:
        """Make the container that publishes ``content``; returns its id. With video, the
        carousel items are remembered in ``attempt`` as they are made (see ``processed_children``)."""
        raise NotImplementedError

    def publish(self, account: AccountContext, content: PostContent, attempt: PublishAttempt) -> PublishResult:
        self.raise_problems(self.validate(content))
        token = self.token(account)
        user_id = self.user_id(account)
        return self.publish_content(
            account, content, attempt, find_published=lambda: self.find_recent(token, user_id, content.text)
        )

    def publish_content(
        self, account: AccountContext, content: PostContent, attempt: PublishAttempt, *, find_published
    ) -> PublishResult:
        """Images and text: the container is polled briefly here (it is ready in seconds).
        Video: the engine comes back while the network processes it (``publish_processed``)."""
        token = self.token(account)
        user_id = self.user_id(account)
        if self.videos_of(content):
            return self.publish_processed(
                account,
                attempt,
                create=lambda: self.create_container(token, user_id, content, attempt=attempt),
                publish_path=f"{user_id}/{self.publish_edge}",
                find_published=find_published,
            )
        return self.publish_container(
            account,
            attempt,
            create=lambda: self.create_container(token, user_id, content),
            publish_path=f"{user_id}/{self.publish_edge}",
            find_published=find_published,
        )

    def carousel_item(self, item: MediaItem) -> dict[str, str]:
        """The fields of one carousel item's container (image or video)."""
        raise NotImplementedError

    def create_carousel(
        self, token: str, user_id: str, items: list[MediaItem], *, child: dict[str, str], parent: dict[str, str]
    ) -> str:
        """One container per image (``child`` fields plus the image), each FINISHED before
        the carousel container (``parent`` fields) that lists them is created."""
        children = []
        for item in items:
            body = {**child, "image_url": item.url, "is_carousel_item": "true"}
            if item.alt_text:
                body["alt_text"] = item.alt_text
            children.append(str(self.graph("POST", f"{user_id}/{self.media_edge}", token, data=body)["id"]))
        for child_id in children:
            self.wait_for_container(token, child_id)
        body = {"media_type": "CAROUSEL", "children": ",".join(children), **parent}
        return str(self.graph("POST", f"{user_id}/{self.media_edge}", token, data=body)["id"])

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
        found = self.find_recent(token, self.user_id(account), content.text)
        if found is None:
            raise OutcomeUnknown("The container is published but the post is not among the recent ones")
        return found

    def find_recent(self, token: str, user_id: str, text: str) -> PublishResult | None:
        """The user's latest post whose text is ``text``, if any."""
        data = self.graph(
            "GET",
            f"{user_id}/{self.media_edge}",
            token,
            params={"fields": f"id,{self.text_field},permalink,timestamp", "limit": 25},
        )
        for media in data.get("data") or []:
            if matches_text(media.get(self.text_field), text):
                return PublishResult(
                    remote_id=str(media["id"]),
                    url=media.get("permalink", ""),
                    published_at=parse_time(media.get("timestamp")) or now(),
                )
        return None

    def user_id(self, account: AccountContext) -> str:
        return str(account.credentials.get("user_id") or account.remote_id)


# --- small shared helpers ---------------------------------------------------------------


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_time(value) -> dt.datetime | None:
    """Graph timestamps look like "2026-03-01T10:00:00+0000"."""
    if not value:
        return None
    text = str(value)
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def insight_values(payload: dict[str, Any]) -> dict[str, int]:
    """``{"data": [{"name": "views", "values": [{"value": 12}]}]}`` (or ``total_value``)
    as ``{"views": 12}``. Metrics the network left out stay absent, never zero."""
    values: dict[str, int] = {}
    for entry in payload.get("data") or []:
        name = entry.get("name")
        value = None
        if isinstance(entry.get("total_value"), dict):
            value = entry["total_value"].get("value")
        elif entry.get("values"):
            value = entry["values"][-1].get("value")
        if name and isinstance(value, int | float):
            values[name] = int(value)
    return values


def matches_text(remote: str | None, sent: str) -> bool:
    """Whether a post the network lists is the one we sent (networks trim whitespace)."""
    return (remote or "").strip() == sent.strip()
