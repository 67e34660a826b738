"""Fixtures of the thread and first-comment tests: a fake network that keeps what it was
sent (posts by idempotency key, replies, comments) and faults scripted per part."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from smm.platforms.base import Adapter, OutcomeUnknown, PublishResult

_ids = itertools.count(5000)


class WorkerDied(BaseException):
    """The worker process vanishing mid-call: nothing after it runs (not an Exception)."""


class FakeNetwork(Adapter):
    """A network with threads and first comments. Like Mastodon it honours an idempotency
    key (a re-send with a known key answers the post it made), and like every adapter it
    remembers in the attempt that it sent, before sending. ``faults`` maps a part's text to
    a list of what happens on its next sends: "lost" (stored, answer lost), "died" (stored,
    worker dies), "not-sent" (nothing stored, answer lost), or an exception to raise."""

    name = "mastodon"
    label = "Fakenet"
    idempotency = "idempotency_key"
    supports_threads = True
    supports_first_comment = True

    def __init__(self):
        super().__init__()
        self.posts: dict[str, dict] = {}  # idempotency key -> {"id", "text", "in_reply_to"}
        self.order: list[str] = []  # remote ids, in the order created
        self.sends: list[str] = []  # texts, every publish call that reached us
        self.faults: dict[str, list] = {}
        self.comments: list[dict] = []
        self.comment_faults: list = []
        self.comment_calls = 0
        self.lookups: list[str] = []

    def validate(self, content):
        return []

    def _new(self, text, in_reply_to, key) -> PublishResult:
        remote_id = str(next(_ids))
        self.posts[key] = {"id": remote_id, "text": text, "in_reply_to": in_reply_to}
        self.order.append(remote_id)
        return self._result(remote_id)

    def _result(self, remote_id) -> PublishResult:
        return PublishResult(remote_id, f"https://fake.example/@acme/{remote_id}", timezone.now())

    def publish(self, account, content, attempt):
        attempt.remember(sent=True)
        self.sends.append(content.text)
        fault = (self.faults.get(content.text) or [None]).pop(0) if self.faults.get(content.text) else None
        if isinstance(fault, BaseException):
            raise fault
        if fault == "not-sent":
            raise OutcomeUnknown("Connection reset before the request was read")
        known = self.posts.get(attempt.idempotency_key)
        result = (
            self._result(known["id"])
            if known
            else self._new(content.text, content.in_reply_to, attempt.idempotency_key)
        )
        if fault == "lost":
            raise OutcomeUnknown("Connection reset after sending")
        if fault == "died":
            raise WorkerDied()
        return result

    def lookup_published(self, account, content, attempt):
        self.lookups.append(content.text)
        if not attempt.state.get("sent"):
            return None
        known = self.posts.get(attempt.idempotency_key)
        return self._result(known["id"]) if known else None

    def comment_on_post(self, account, post_id, text):
        self.comment_calls += 1
        fault = self.comment_faults.pop(0) if self.comment_faults else None
        if fault is not None:
            if getattr(fault, "_store_first", False):
                self.comments.append({"id": str(next(_ids)), "post": post_id, "text": text})
            raise fault
        comment = {"id": str(next(_ids)), "post": post_id, "text": text}
        self.comments.append(comment)
        return PublishResult(comment["id"], f"https://fake.example/c/{comment['id']}", timezone.now())

    def find_comment(self, account, post_id, text, *, since):
        for comment in self.comments:
            if comment["post"] == post_id and comment["text"] == text:
                return PublishResult(comment["id"], f"https://fake.example/c/{comment['id']}", timezone.now())
        return None

    # what tests read
    def chain(self) -> list[tuple[str, str | None]]:
        """(text, text of the post it answers) of every post, in the order created."""
        by_id = {post["id"]: post for post in self.posts.values()}
        out = []
        for remote_id in self.order:
            post = by_id[remote_id]
            parent = by_id.get(post["in_reply_to"]) if post["in_reply_to"] else None
            out.append((post["text"], parent["text"] if parent else None))
        return out


def stored_then(exc):
    """A comment fault: the network stores the comment, then the answer is lost."""
    exc._store_first = True
    return exc


@pytest.fixture
def network(use_adapter):
    return use_adapter(FakeNetwork())


@pytest.fixture
def world(make_workspace, make_member, make_brand, make_account):
    ws = make_workspace("Northwind")
    owner = make_member(ws, "owner", username="olivia")
    brand = make_brand(ws, "Northwind Coffee")
    account = make_account(brand, handle="@northwind", base_url="https://mastodon.example")
    return {"ws": ws, "owner": owner, "brand": brand, "account": account}


@pytest.fixture
def thread_target(world):
    """A queued target (ready for publish_target) with ``parts`` after its text."""
    from posts.models import Post, PostTarget, TargetState
    from posts.states import refresh_post_status

    def make(text="Part one", parts=(), first_comment="", state=TargetState.QUEUED, account=None):
        account = account or world["account"]
        now = timezone.now()
        post = Post.objects.create(
            workspace=world["ws"], brand=world["brand"], author=world["owner"], text=text, scheduled_at=now
        )
        target = PostTarget.objects.create(
            post=post,
            account=account,
            text=text,
            state=state,
            due_at=now - dt.timedelta(seconds=1),
            locked_until=now + dt.timedelta(seconds=120),
            parts=list(parts),
            first_comment=first_comment,
        )
        refresh_post_status(post)
        return target

    return make
