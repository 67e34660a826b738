"""Fixtures for the sandbox network: accounts with tokens and an authenticated API client."""

from __future__ import annotations

import io
import json

import pytest


@pytest.fixture
def sandbox_account(db):
    from sandbox.models import SandboxAccount

    def make(username="acmecoffee", token=None, **extra):
        extra.setdefault("display_name", username.title())
        account = SandboxAccount.objects.create(username=username, **extra)
        account.issue_token(token or f"token-{username}")
        return account

    return make


class Api:
    """Calls the sandbox API like a Mastodon client: Bearer token, JSON or form bodies."""

    def __init__(self, client, token):
        self.client = client
        self.token = token

    def _headers(self, headers):
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def get(self, path, params=None, headers=None):
        return self.client.get(f"/sandbox{path}", params or {}, headers=self._headers(headers))

    def post_json(self, path, body, headers=None):
        return self.client.post(
            f"/sandbox{path}", json.dumps(body), content_type="application/json", headers=self._headers(headers)
        )

    def post_form(self, path, data, headers=None):
        return self.client.post(f"/sandbox{path}", data, headers=self._headers(headers))


@pytest.fixture
def api(client):
    def make(token):
        return Api(client, token)

    return make


@pytest.fixture
def png_bytes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 50, 50)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def live_sandbox_world(live_server, settings, make_workspace, make_member, make_brand, make_account):
    """A workspace whose Mastodon account is a sandbox account served by ``live_server``,
    so adapters publish to it over HTTP. Call it with the workspace's name and the handle."""
    from sandbox.models import SandboxAccount

    def make(workspace_name: str, username: str) -> dict:
        settings.ALLOW_PRIVATE_OUTBOUND = True
        ws = make_workspace(workspace_name, approval_policy="none")
        owner = make_member(ws, "owner", username="owner")
        brand = make_brand(ws, "Acme Coffee")
        remote = SandboxAccount.objects.create(username=username)
        token = remote.issue_token().token
        account = make_account(
            brand,
            handle=f"@{username}",
            remote_id=str(remote.pk),
            base_url=f"{live_server.url}/sandbox",
            credentials={"access_token": token},
        )
        return {"ws": ws, "owner": owner, "brand": brand, "account": account, "token": token, "live": live_server.url}

    return make
