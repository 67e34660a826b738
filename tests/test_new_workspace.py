"""Owners (and staff) create further workspaces from the workspace list; clients cannot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smm.models import AuditEvent, Membership, Workspace

pytestmark = pytest.mark.django_db


def test_owner_creates_a_workspace_from_the_list_and_owns_it(client, two_workspaces):
    # given alice owns Alpha
    alice = two_workspaces["owner_a"]
    client.force_login(alice)
    # then the workspace list offers a "New workspace" form
    page = client.get(reverse("workspace_list")).content.decode()
    assert "New workspace" in page and f'action="{reverse("workspace_create")}"' in page
    # when she creates "Gamma Bakery" in Lisbon time
    response = client.post(reverse("workspace_create"), {"name": "Gamma Bakery", "time_zone": "Europe/Lisbon"})
    # then she lands in it, as its owner, and the audit log says she made it
    workspace = Workspace.objects.get(name="Gamma Bakery")
    assert response.status_code == 302 and response["Location"] == workspace.get_absolute_url()
    assert workspace.time_zone == "Europe/Lisbon"
    assert Membership.objects.get(workspace=workspace, user=alice).role == "owner"
    assert Membership.objects.filter(workspace=workspace).count() == 1
    assert AuditEvent.objects.filter(workspace=workspace, actor=alice, verb="workspace.created").exists()
    assert client.get(workspace.get_absolute_url()).status_code == 200


def test_a_client_gets_no_form_and_cannot_create(client, two_workspaces, make_member):
    # given a client of Alpha who owns nothing
    client_user = make_member(two_workspaces["a"], "client", username="cora")
    client.force_login(client_user)
    # then no form is offered and sending one anyway is refused
    assert "New workspace" not in client.get(reverse("workspace_list")).content.decode()
    response = client.post(reverse("workspace_create"), {"name": "Mine", "time_zone": "UTC"})
    assert response.status_code == 403
    assert not Workspace.objects.filter(name="Mine").exists()


@pytest.mark.parametrize("role", ["manager", "editor", "contributor"])
def test_other_roles_cannot_create_either(client, two_workspaces, make_member, role):
    member = make_member(two_workspaces["a"], role)
    client.force_login(member)
    assert client.post(reverse("workspace_create"), {"name": "Mine", "time_zone": "UTC"}).status_code == 403
    assert not Workspace.objects.filter(name="Mine").exists()


def test_staff_without_any_workspace_can_create_one(client, make_user):
    # given an administrator made with createsuperuser, in no workspace yet
    admin = make_user("root", is_staff=True)
    client.force_login(admin)
    assert "New workspace" in client.get(reverse("workspace_list")).content.decode()
    client.post(reverse("workspace_create"), {"name": "First", "time_zone": "UTC"})
    assert Membership.objects.get(workspace__name="First", user=admin).role == "owner"


def test_invalid_new_workspace_keeps_what_was_typed(client, two_workspaces):
    client.force_login(two_workspaces["owner_a"])
    response = client.post(reverse("workspace_create"), {"name": "   ", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required" in page
    assert '<option value="Asia/Tokyo" selected>' in page
    assert "Alpha" in page  # still the workspace list around the form
    assert Workspace.objects.count() == 2
