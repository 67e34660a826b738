"""The API & webhooks page as a new user reads it: the token's real shape in the usage hint,
a ready-to-paste curl line after creating one, and the least role preselected."""

from __future__ import annotations

import html
import re

import pytest
from rest_framework.test import APIClient

from smm.models_api import ApiToken

pytestmark = pytest.mark.django_db

# What ApiToken.issue hands out: smm_, 8 hex digits of lookup prefix, then the secret.
TOKEN_SHAPE = re.compile(r"smm_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def _code(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</code>', page, re.S)
    assert found, f"no {testid} on the page"
    return html.unescape(found.group(1)).strip()


def test_the_usage_hint_shows_a_token_of_the_real_shape(client, world):
    # the shape the page promises is the shape tokens really have
    _, raw = ApiToken.issue(world["ws"], world["owner"], "check", "client")
    assert TOKEN_SHAPE.fullmatch(raw)

    client.force_login(world["owner"])
    page = client.get("/w/acme/api/").content.decode()

    hint = _code(page, "token-hint")
    assert hint.startswith("Authorization: Bearer ")
    assert TOKEN_SHAPE.fullmatch(hint.removeprefix("Authorization: Bearer "))


def test_after_creating_a_token_the_page_shows_a_curl_line_that_works(client, world):
    client.force_login(world["owner"])
    response = client.post("/w/acme/api/tokens/", {"name": "BI export", "role": "client", "expires": "90"})
    raw = response.context["new_token"]["raw"]

    curl = _code(response.content.decode(), "token-curl")

    assert curl == f'curl -H "Authorization: Bearer {raw}" http://testserver/api/v1/workspaces/acme/brands/'
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/workspaces/acme/brands/").status_code == 200


@pytest.mark.parametrize(("role", "choices"), [("owner", 5), ("manager", 4), ("editor", 3)])
def test_a_new_token_starts_at_the_least_role(client, world, make_member, role, choices):
    member = world["owner"] if role == "owner" else make_member(world["ws"], role, username=role)
    client.force_login(member)

    page = client.get("/w/acme/api/").content.decode()

    select = re.search(r'<select name="role"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r'<option value="(\w+)"', select)
    assert len(options) == choices
    assert re.findall(r'<option value="(\w+)" selected', select) == ["client"]
