"""Django's admin: staff get it, a signed-in member gets a plain 403 page (not a redirect
loop between the admin and the login page), a visitor gets the login page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_signed_in_member_without_staff_gets_a_403_page(client, two_workspaces):
    # given alice, an owner but not staff, is logged in
    client.force_login(two_workspaces["owner_a"])
    # when she opens the admin
    response = client.get("/admin/", follow=True)
    # then she stops on a 403 page that says why, after at most the admin's own hop
    assert response.status_code == 403
    assert len(response.redirect_chain) <= 1
    page = response.content.decode()
    assert "You cannot do this here" in page and "administrators" in page


def test_visitor_is_sent_to_the_login_page_with_next(client, make_user):
    make_user("someone")
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/login/?next=/admin/"


def test_next_is_kept_whole(client, make_user):
    make_user("someone")
    response = client.get("/admin/login/?next=/admin/smm/brand/%3Fq%3Da%26o%3D1")
    assert response["Location"] == "/login/?next=/admin/smm/brand/%3Fq%3Da%26o%3D1"


def test_staff_open_the_admin(client, make_user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    response = client.get("/admin/")
    assert response.status_code == 200 and "Site administration" in response.content.decode()


def test_staff_on_the_admin_login_address_go_on_to_the_admin(client, make_user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    response = client.get("/admin/login/?next=/admin/smm/brand/")
    assert response.status_code == 302 and response["Location"] == "/admin/smm/brand/"
