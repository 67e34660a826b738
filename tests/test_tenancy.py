"""Tenancy and roles: another workspace's objects are 404, missing rights are 403,
anonymous users go to the login page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def workspace_urls(ws, brand, account, membership_id=1, invitation_id=1):
    slug = ws.slug
    return [
        ("get", reverse("workspace", kwargs={"ws": slug})),
        ("get", reverse("brand", kwargs={"ws": slug, "brand_id": brand.pk})),
        ("get", reverse("brand_edit", kwargs={"ws": slug, "brand_id": brand.pk})),
        ("post", reverse("brand_toggle_pause", kwargs={"ws": slug, "brand_id": brand.pk})),
        ("post", reverse("account_set_status", kwargs={"ws": slug, "account_id": account.pk})),
        ("get", reverse("brand_create", kwargs={"ws": slug})),
        ("get", reverse("members", kwargs={"ws": slug})),
        ("post", reverse("member_update", kwargs={"ws": slug, "membership_id": membership_id})),
        ("get", reverse("workspace_settings", kwargs={"ws": slug})),
        ("get", reverse("audit_log", kwargs={"ws": slug})),
    ]


def test_member_of_another_workspace_gets_404_everywhere(client, two_workspaces):
    # given: bob belongs only to workspace B
    data = two_workspaces
    client.force_login(data["owner_b"])
    # when / then: every URL of workspace A answers 404, never 403 or 200
    for method, url in workspace_urls(data["a"], data["brand_a"], data["account_a"]):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)


def test_object_of_another_workspace_under_own_slug_is_404(client, two_workspaces, make_brand):
    # given: bob asks for workspace A's brand through his own workspace's URL
    data = two_workspaces
    client.force_login(data["owner_b"])
    url = reverse("brand", kwargs={"ws": data["b"].slug, "brand_id": data["brand_a"].pk})
    # then
    assert client.get(url).status_code == 404
    url = reverse("account_set_status", kwargs={"ws": data["b"].slug, "account_id": data["account_a"].pk})
    assert client.post(url, {"action": "pause"}).status_code == 404
    data["account_a"].refresh_from_db()
    assert data["account_a"].status == "connected"


def test_anonymous_user_is_sent_to_login(client, two_workspaces):
    data = two_workspaces
    for method, url in workspace_urls(data["a"], data["brand_a"], data["account_a"]):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "role, url_name, expected",
    [
        ("client", "brand_create", 403),
        ("client", "brand_edit", 403),
        ("client", "members", 403),
        ("client", "workspace_settings", 403),
        ("client", "workspace", 200),
        ("client", "brand", 200),
        ("contributor", "brand_create", 403),
        ("editor", "brand_create", 403),
        ("editor", "members", 403),
        ("manager", "brand_create", 200),
        ("manager", "brand_edit", 200),
        ("manager", "members", 403),
        ("owner", "members", 200),
        ("owner", "workspace_settings", 200),
    ],
)
def test_role_rights_are_enforced_on_views(client, two_workspaces, make_member, role, url_name, expected):
    data = two_workspaces
    user = make_member(data["a"], role)
    client.force_login(user)
    kwargs = {"ws": data["a"].slug}
    if url_name in ("brand", "brand_edit"):
        kwargs["brand_id"] = data["brand_a"].pk
    assert client.get(reverse(url_name, kwargs=kwargs)).status_code == expected


def test_client_cannot_pause_a_brand_or_disconnect_an_account(client, two_workspaces, make_member):
    data = two_workspaces
    client.force_login(make_member(data["a"], "client"))
    ws = data["a"].slug
    assert (
        client.post(reverse("brand_toggle_pause", kwargs={"ws": ws, "brand_id": data["brand_a"].pk})).status_code == 403
    )
    response = client.post(
        reverse("account_set_status", kwargs={"ws": ws, "account_id": data["account_a"].pk}), {"action": "disconnect"}
    )
    assert response.status_code == 403
    data["brand_a"].refresh_from_db()
    data["account_a"].refresh_from_db()
    assert data["brand_a"].paused is False
    assert data["account_a"].status == "connected"
    assert data["account_a"].credentials == {"access_token": "secret-token-value"}


def test_scoped_queryset_only_returns_own_workspace(two_workspaces, make_brand):
    from smm.models import Brand, SocialAccount

    data = two_workspaces
    make_brand(data["b"], "Beta Brand")
    assert list(Brand.objects.for_workspace(data["a"]).values_list("name", flat=True)) == ["Alpha Brand"]
    assert list(SocialAccount.objects.for_workspace(data["b"])) == []
