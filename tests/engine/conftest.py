"""Fixtures of the publishing-engine tests: a scheduled target and a scripted adapter.

The fake adapter lives here, in the tests only: ``fake_adapter`` patches
``smm.accounts.adapter_for`` so the engine gets it instead of the network's."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from smm.platforms.base import Adapter, PublishResult

_ids = itertools.count(1000)


class ScriptedAdapter(Adapter):
    """Answers publish/lookup/refresh from scripts: each item is a result, an exception
    (raised), or a callable (called with the attempt). The last item repeats."""

    name = "mastodon"
    label = "Fakenet"
    idempotency = "idempotency_key"

    def __init__(self):
        super().__init__()
        self.publish_script: list = []
        self.lookup_script: list = []
        self.refresh_script: list = []
        self.published: list[str] = []  # idempotency keys the "network" accepted
        self.calls: list[str] = []
        self.supports_refresh = False

    def ok(self) -> PublishResult:
        remote_id = str(next(_ids))
        return PublishResult(remote_id, f"https://fake.example/@acme/{remote_id}", timezone.now())

    @staticmethod
    def _next(script, default):
        if not script:
            return default
        return script.pop(0) if len(script) > 1 else script[0]

    def _play(self, item, attempt):
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, type) and issubclass(item, BaseException):
            raise item("scripted")
        if callable(item):
            return item(attempt)
        return item

    def publish(self, account, content, attempt):
        self.calls.append("publish")
        item = self._next(self.publish_script, None)
        if item is None:
            self.published.append(attempt.idempotency_key)
            return self.ok()
        return self._play(item, attempt)

    def lookup_published(self, account, content, attempt):
        self.calls.append("lookup")
        item = self._next(self.lookup_script, None)
        return self._play(item, attempt) if item is not None else None

    def refresh(self, account):
        self.calls.append("refresh")
        item = self._next(self.refresh_script, None)
        if item is not None:
            self._play(item, None)
        account.update_credentials({"access_token": "fresh-token"})


@pytest.fixture
def fake_adapter(monkeypatch):
    adapter = ScriptedAdapter()
    monkeypatch.setattr("smm.accounts.adapter_for", lambda account: adapter)
    return adapter


@pytest.fixture
def engine_world(make_workspace, make_member, make_brand, make_account):
    """A workspace with an owner, a manager and an editor, one brand and one account."""
    ws = make_workspace("Northwind")
    owner = make_member(ws, "owner", username="olivia")
    manager = make_member(ws, "manager", username="max")
    editor = make_member(ws, "editor", username="eddie")
    brand = make_brand(ws, "Northwind Coffee")
    account = make_account(brand, handle="@northwind", base_url="https://mastodon.example")
    return {"ws": ws, "owner": owner, "manager": manager, "editor": editor, "brand": brand, "account": account}


@pytest.fixture
def make_target(engine_world, make_account):
    """A target in ``state`` due ``due_in`` seconds from now (negative: overdue)."""
    from posts.models import Post, PostTarget, TargetState
    from posts.states import refresh_post_status

    def make(state=TargetState.SCHEDULED, due_in=-1.0, account=None, text="Fresh roast today", **extra):
        world = engine_world
        account = account or world["account"]
        post = Post.objects.create(
            workspace=account.brand.workspace,
            brand=account.brand,
            author=world["editor"],
            text=text,
            scheduled_at=timezone.now() + dt.timedelta(seconds=due_in),
        )
        target = PostTarget.objects.create(
            post=post,
            account=account,
            state=state,
            due_at=timezone.now() + dt.timedelta(seconds=due_in),
            **extra,
        )
        refresh_post_status(post)
        return target

    return make
