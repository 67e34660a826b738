"""What a member sees and does: workspaces, switching, brands, accounts, members."""

import pytest
from django.core import mail
from django.urls import reverse

from smm.models import Brand, Invitation, Membership

pytestmark = pytest.mark.django_db


def test_workspace_page_lists_brands_time_zones_and_accounts(client, two_workspaces, make_account):
    data = two_workspaces
    make_account(data["brand_a"], network="bluesky", handle="alpha.bsky.social", status="needs_reconnect")
    client.force_login(data["owner_a"])
    page = client.get(reverse("workspace", kwargs={"ws": data["a"].slug})).content.decode()
    assert "Alpha Brand" in page
    assert "Europe/Paris" in page
    assert "@alpha" in page and "Connected" in page
    assert "alpha.bsky.social" in page and "Needs reconnect" in page


def test_switching_workspace_is_one_click_and_remembered(client, two_workspaces, make_member):
    # given: alice belongs to A and B
    data = two_workspaces
    Membership.objects.create(workspace=data["b"], user=data["owner_a"], role="editor")
    client.force_login(data["owner_a"])
    page = client.get(reverse("workspace", kwargs={"ws": data["a"].slug})).content.decode()
    # then: the navigation links straight to B
    assert f'href="/w/{data["b"].slug}/"' in page
    # when: she follows it
    client.get(f"/w/{data['b'].slug}/")
    # then: the home page now takes her back to B
    assert client.get(reverse("home"))["Location"] == f"/w/{data['b'].slug}/"


def test_workspace_list_shows_every_membership(client, two_workspaces):
    data = two_workspaces
    Membership.objects.create(workspace=data["b"], user=data["owner_a"], role="client")
    client.force_login(data["owner_a"])
    page = client.get(reverse("workspace_list")).content.decode()
    assert "Alpha" in page and "Beta" in page and "Client" in page


def test_invalid_brand_form_keeps_what_was_typed(client, two_workspaces):
    data = two_workspaces
    client.force_login(data["owner_a"])
    response = client.post(
        reverse("brand_create", kwargs={"ws": data["a"].slug}),
        {"name": "Alpha Brand", "time_zone": "Asia/Tokyo", "colour": "#123456"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "already has a brand with that name" in page
    assert 'value="Alpha Brand"' in page
    assert '<option value="Asia/Tokyo" selected>' in page


def test_manager_creates_brand(client, two_workspaces, make_member):
    data = two_workspaces
    client.force_login(make_member(data["a"], "manager"))
    response = client.post(
        reverse("brand_create", kwargs={"ws": data["a"].slug}),
        {"name": "New Line", "time_zone": "Asia/Tokyo", "colour": "#123456"},
    )
    brand = Brand.objects.get(name="New Line")
    assert response["Location"] == brand.get_absolute_url()
    assert brand.workspace == data["a"] and brand.time_zone == "Asia/Tokyo"


def test_pausing_a_brand_is_shown_and_audited(client, two_workspaces):
    data = two_workspaces
    client.force_login(data["owner_a"])
    url = reverse("brand_toggle_pause", kwargs={"ws": data["a"].slug, "brand_id": data["brand_a"].pk})
    page = client.post(url, follow=True).content.decode()
    assert "nothing of it is published until it is resumed" in page
    data["brand_a"].refresh_from_db()
    assert data["brand_a"].paused
    assert data["a"].audit_events.filter(verb="brand.paused").exists()


def test_invite_flow_new_user(client, two_workspaces):
    # given: the owner invites a contributor
    data = two_workspaces
    client.force_login(data["owner_a"])
    client.post(
        reverse("members", kwargs={"ws": data["a"].slug}), {"email": "Carol@Example.com", "role": "contributor"}
    )
    invitation = Invitation.objects.get()
    assert invitation.email == "carol@example.com"
    assert len(mail.outbox) == 1
    assert invitation.get_accept_url() in mail.outbox[0].body
    client.logout()
    # when: carol follows the link and creates her account
    response = client.post(
        invitation.get_accept_url(),
        {"username": "carol", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
    )
    # then: she lands in the workspace as contributor
    assert response.status_code == 302 and response["Location"] == f"/w/{data['a'].slug}/"
    membership = Membership.objects.get(user__username="carol")
    assert membership.workspace == data["a"] and membership.role == "contributor"
    assert membership.user.email == "carol@example.com"
    # and the link cannot be used twice
    client.logout()
    assert client.get(invitation.get_accept_url()).status_code == 404


def test_invite_flow_existing_user(client, two_workspaces):
    data = two_workspaces
    invitation = Invitation.objects.create(workspace=data["a"], email="bob@example.com", role="client")
    client.force_login(data["owner_b"])
    assert "Accept invitation" in client.get(invitation.get_accept_url()).content.decode()
    client.post(invitation.get_accept_url())
    assert Membership.objects.get(user=data["owner_b"], workspace=data["a"]).role == "client"


def test_only_owner_invites(client, two_workspaces, make_member):
    data = two_workspaces
    client.force_login(make_member(data["a"], "manager"))
    response = client.post(
        reverse("members", kwargs={"ws": data["a"].slug}), {"email": "x@example.com", "role": "owner"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_last_owner_cannot_be_removed(client, two_workspaces):
    data = two_workspaces
    client.force_login(data["owner_a"])
    membership = Membership.objects.get(user=data["owner_a"])
    url = reverse("member_update", kwargs={"ws": data["a"].slug, "membership_id": membership.pk})
    page = client.post(url, {"action": "remove"}, follow=True).content.decode()
    assert "at least one owner" in page
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_disconnect_forgets_tokens(client, two_workspaces):
    data = two_workspaces
    client.force_login(data["owner_a"])
    url = reverse("account_set_status", kwargs={"ws": data["a"].slug, "account_id": data["account_a"].pk})
    client.post(url, {"action": "disconnect"})
    data["account_a"].refresh_from_db()
    assert data["account_a"].status == "disconnected"
    assert data["account_a"].credentials == {}


def test_admin_works_for_staff(client, make_user, two_workspaces):
    staff = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    page = client.get(f"/admin/smm/socialaccount/{two_workspaces['account_a'].pk}/change/").content.decode()
    assert "secret-token-value" not in page


def test_an_account_without_sign_in_cannot_be_resumed(client, two_workspaces):
    """The demo's history-only accounts are paused with no credentials: resuming would make
    them say "Connected" while every post to them is refused."""
    data = two_workspaces
    account = data["account_a"]
    account.status, account.credentials = "paused", {}
    account.status_reason = "Demo account: shows history only; the sandbox cannot publish to Mastodon."
    account.save()
    client.force_login(data["owner_a"])
    brand_page = client.get(account.brand.get_absolute_url()).content.decode()
    assert 'value="resume"' not in brand_page
    url = reverse("account_set_status", kwargs={"ws": data["a"].slug, "account_id": account.pk})
    page = client.post(url, {"action": "resume"}, follow=True).content.decode()
    assert "has nothing to publish with" in page
    assert "connect it instead of resuming it" in page
    account.refresh_from_db()
    assert account.status == "paused"
