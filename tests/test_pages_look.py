"""The demo (DEBUG on) looks like the product: our error pages, a favicon, a full-page login background."""

import io

import pytest
from django.test import override_settings
from django.urls import path
from PIL import Image

PAGE_GREY = (245, 246, 250)  # static/css/app.css: html, body background

pytestmark = pytest.mark.django_db


@pytest.fixture
def someone_exists(make_user):
    # Before the first account every page leads to /setup/ (smm/first_run.py).
    return make_user("someone")


@override_settings(DEBUG=True, DEBUG_PAGES=False)
def test_unknown_address_in_the_demo_shows_our_not_found_page(client, someone_exists):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "This page does not exist" in text
    assert "Page not found (404)" not in text
    assert "URLconf" not in text  # Django's debug page lists every URL pattern
    assert 'rel="icon"' in text


@override_settings(DEBUG=True, DEBUG_PAGES=False)
def test_a_missing_object_in_the_demo_shows_our_not_found_page(client, someone_exists, make_workspace, make_member):
    workspace = make_workspace("Acme")
    client.force_login(make_member(workspace, "owner"))
    response = client.get(f"/w/{workspace.slug}/brands/987654/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()
    assert "Page not found (404)" not in response.content.decode()


def _broken_view(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", _broken_view)]


@pytest.mark.urls(__name__)
@override_settings(DEBUG=True, DEBUG_PAGES=False)
def test_a_server_error_in_the_demo_shows_our_page_not_the_traceback(client, someone_exists):
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "a bug" not in response.content.decode()


@override_settings(DEBUG=True, DEBUG_PAGES=True)
def test_developers_keep_the_debug_pages_when_they_ask(client, someone_exists):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "URLconf" in response.content.decode()


@override_settings(DEBUG=True, DEBUG_PAGES=False)
def test_an_api_not_found_stays_json_in_the_demo(client, someone_exists):
    response = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert "This page does not exist" not in response.content.decode()


def test_favicon_is_served_as_an_image(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert b"<svg" in b"".join(response.streaming_content if response.streaming else [response.content])


def test_every_standalone_page_links_the_favicon(client, someone_exists):
    for address in ("/login/", "/no-such-page/", "/sandbox/", "/password-reset/"):
        assert 'rel="icon"' in client.get(address).content.decode(), address


@pytest.mark.browser
@pytest.mark.parametrize("width,height,name", [(1366, 860, "desktop"), (390, 844, "phone")])
def test_login_page_background_reaches_the_bottom(page, live_server, screenshot, someone_exists, width, height, name):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/login/")
    page.wait_for_selector("input[name=username]")
    screenshot(f"login-background-{name}")
    # What the user sees: the bottom rows of the window are the page's grey, not white.
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    assert image.size == (width, height)
    bottom = {image.getpixel((x, y)) for x in range(0, width, 7) for y in (height - 1, height - 40)}
    assert bottom == {PAGE_GREY}, bottom


@pytest.mark.browser
@pytest.mark.parametrize("width,height,name", [(1366, 860, "desktop"), (390, 844, "phone")])
def test_not_found_page_looks_like_the_product(page, live_server, screenshot, someone_exists, width, height, name):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/no-such-page/")
    assert page.locator("h1").inner_text() == "Not found"
    page.get_by_role("link", name="Back to your workspaces").wait_for()
    screenshot(f"not-found-{name}")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
