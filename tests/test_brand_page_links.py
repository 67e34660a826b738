"""The brand page leads on to the brand's calendar, analytics and composer."""

import html

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _brand_page(client, user, brand):
    client.force_login(user)
    response = client.get(reverse("brand", kwargs={"ws": brand.workspace.slug, "brand_id": brand.pk}))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_owner_sees_calendar_analytics_and_new_post_for_the_brand(client, two_workspaces):
    # given: alice owns workspace A with "Alpha Brand"
    data = two_workspaces
    brand, slug = data["brand_a"], data["a"].slug
    # when: she opens the brand page
    page = _brand_page(client, data["owner_a"], brand)
    # then: each link opens the page filtered on this brand
    assert f'href="/w/{slug}/calendar/?brand={brand.pk}"' in page
    assert f'href="/w/{slug}/analytics/?brand={brand.pk}"' in page
    assert f'href="/w/{slug}/posts/new/?brand={brand.pk}"' in page
    assert ">Calendar</a>" in page and ">Analytics</a>" in page and ">New post</a>" in page


def test_links_lead_to_pages_that_open_on_the_brand(client, two_workspaces):
    data = two_workspaces
    brand, slug = data["brand_a"], data["a"].slug
    client.force_login(data["owner_a"])
    for url in (f"/w/{slug}/calendar/", f"/w/{slug}/analytics/", f"/w/{slug}/posts/new/"):
        assert client.get(url, {"brand": brand.pk}).status_code == 200, url


def test_client_sees_calendar_and_analytics_but_cannot_write_posts(client, two_workspaces, make_member):
    # given: a client of workspace A (may view and see analytics, may not write)
    data = two_workspaces
    customer = make_member(data["a"], "client", username="carol")
    # when: the client opens the brand page
    page = _brand_page(client, customer, data["brand_a"])
    # then: no "New post" link is offered
    assert 'data-testid="brand-calendar"' in page
    assert 'data-testid="brand-analytics"' in page
    assert 'data-testid="brand-new-post"' not in page
