"""The public redirect: 302 to the destination with a click id, never cached, no cookie;
each click a row (bots flagged, previews not counted, uniques by a daily hash, never an
address); a store that fails never fails the redirect, and the loss is counted."""

import datetime as dt
import os
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from links import clicks
from links.models import Click, ClickLoss, TrackedLink, UtmPreset

pytestmark = pytest.mark.django_db

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PREVIEWS = [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "TelegramBot (like TwitterBot)",
    "WhatsApp/2.23.20.0",
    "http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/) Bot",
    "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
]
ADDRESS = "203.0.113.7"


@pytest.fixture
def link(world):
    return TrackedLink.objects.create(
        workspace=world["ws"],
        brand=world["brand"],
        target=world["targets"]["x"],
        original_url="https://shop.example.com/beans",
        destination="https://shop.example.com/beans?utm_source=x#buy",
    )


def visit(link_or_code, ua=IPHONE, address=ADDRESS, method="get", **extra):
    code = getattr(link_or_code, "code", link_or_code)
    client = Client()
    return getattr(client, method)(f"/l/{code}", HTTP_USER_AGENT=ua, REMOTE_ADDR=address, **extra)


def test_redirects_with_a_click_id_uncached_and_without_cookies(link):
    # when a visitor follows the short link
    response = visit(link, HTTP_REFERER="https://t.co/abc?x=1")
    # then a 302 to the destination, its query and fragment kept, a click id added
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://shop.example.com/beans?utm_source=x&smm_cid=")
    assert location.endswith("#buy")
    click_id = parse_qs(urlsplit(location).query)["smm_cid"][0]
    # never cached, no cookie, not indexed
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert not response.cookies
    assert "Set-Cookie" not in response
    assert response["X-Robots-Tag"] == "noindex"
    # and the click is a row with that id
    click = Click.objects.get()
    assert click.click_id == click_id
    assert click.link == link
    assert click.referrer_host == "t.co"
    assert click.device == "mobile" and not click.is_bot
    assert len(click.visitor) == 32 and ADDRESS not in click.visitor
    assert abs((timezone.now() - click.at).total_seconds()) < 60


def test_a_logged_in_member_following_a_link_gets_no_session_cookie_either(link, world):
    client = Client()
    client.force_login(world["owner"])
    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=DESKTOP)
    assert response.status_code == 302
    assert not response.cookies


def test_each_click_gets_its_own_id(link):
    first = visit(link)["Location"]
    second = visit(link)["Location"]
    assert first != second
    assert Click.objects.count() == 2


def test_unknown_and_paused_codes_show_a_page(link):
    response = visit("nope1234")
    assert response.status_code == 404
    assert b"Link unavailable" in response.content and b"does not exist" in response.content
    link.paused = True
    link.save()
    from links import resolve

    resolve.forget([link.code])
    response = visit(link)
    assert response.status_code == 404
    assert b"paused" in response.content
    assert "no-store" in response["Cache-Control"]
    assert not Click.objects.exists()


@pytest.mark.parametrize("ua", PREVIEWS)
def test_link_previews_are_redirected_but_not_counted(link, ua):
    response = visit(link, ua=ua)
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/beans?utm_source=x#buy"  # no click id
    assert not Click.objects.exists()


def test_head_requests_are_redirected_but_not_counted(link):
    response = visit(link, method="head")
    assert response.status_code == 302
    assert not Click.objects.exists()


def test_bots_are_stored_flagged_and_left_out_of_the_counts(link):
    visit(link, ua=GOOGLEBOT)
    visit(link, ua="curl/8.5.0")
    visit(link, ua=DESKTOP)
    assert Click.objects.filter(is_bot=True).count() == 2
    assert Click.objects.get(is_bot=False).device == "desktop"
    counted = TrackedLink.objects.with_counts().get(pk=link.pk)
    assert (counted.click_count, counted.unique_count) == (1, 1)


def test_unique_visitors_by_a_hash_salted_per_day(link):
    visit(link)
    visit(link)  # the same visitor again
    visit(link, address="198.51.100.1")
    counted = TrackedLink.objects.with_counts().get(pk=link.pk)
    assert (counted.click_count, counted.unique_count) == (3, 2)
    # the same visitor on another day has another hash: days cannot be joined
    today, tomorrow = dt.date(2026, 12, 7), dt.date(2026, 12, 8)
    assert clicks.visitor_hash(ADDRESS, IPHONE, today) != clicks.visitor_hash(ADDRESS, IPHONE, tomorrow)
    assert clicks.visitor_hash(ADDRESS, IPHONE, today) == clicks.visitor_hash(ADDRESS, IPHONE, today)


def test_no_address_is_stored_anywhere(link, django_db_blocker):
    from django.db import connection

    visit(link, HTTP_REFERER="https://social.example/@someone")
    # every text column of every links table, searched for the address
    found = []
    with connection.cursor() as cursor:
        for table in ("links_click", "links_trackedlink", "links_clickloss"):
            cursor.execute(f"SELECT * FROM {table}")
            found += [row for row in cursor.fetchall() if any(ADDRESS in str(value) for value in row)]
    assert found == []


def test_a_brand_that_opted_out_is_redirected_uncounted(link, world):
    UtmPreset.objects.create(workspace=world["ws"], brand=world["brand"], short_links=False)
    response = visit(link)
    assert response["Location"] == "https://shop.example.com/beans?utm_source=x#buy"
    assert not Click.objects.exists()


def test_the_redirect_survives_a_failing_click_store_and_counts_the_loss(link, world, monkeypatch, caplog):
    # given the database refuses the click (and there is no buffer)
    real_store = clicks.store

    def down(events):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(clicks, "store", down)
    monkeypatch.setattr(clicks, "_said", {})  # the log line is said at most every 10 s
    # when a visitor follows the link
    response = visit(link)
    # then the visitor is redirected with a click id all the same
    assert response.status_code == 302 and "smm_cid=" in response["Location"]
    # and the loss is counted and said, not silent
    assert clicks.pending_losses() == 1
    assert "lost" in caplog.text
    # when the database answers again, the next click also writes the count of the lost one
    monkeypatch.setattr(clicks, "store", real_store)
    visit(link)
    assert Click.objects.count() == 1
    assert ClickLoss.objects.get(workspace=world["ws"]).count == 1
    assert clicks.pending_losses() == 0


def test_the_redirect_survives_a_database_that_cannot_even_resolve_codes_it_saw(link, monkeypatch):
    visit(link)  # resolved once: cached

    def down(code):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("links.resolve._from_database", down)
    monkeypatch.setattr(clicks, "store", lambda events: (_ for _ in ()).throw(OperationalError("down")))
    response = visit(link)
    assert response.status_code == 302
    # a code never seen cannot be followed: a clear page, not an error
    response = visit("neverSeen")
    assert response.status_code == 503
    assert b"try again" in response.content
    clicks._losses.clear()


# --- through the Redis buffer ---------------------------------------------------------------


@pytest.fixture
def buffer(settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("REDIS_URL must be set in CI")
        pytest.skip("needs REDIS_URL")
    settings.CLICK_BUFFER_URL = url
    client = clicks.buffer()

    def clean():
        client.delete(clicks.BUFFER_KEY, *client.keys(f"{clicks.DRAINING_PREFIX}*"))

    clean()
    yield client
    clean()


def test_buffered_clicks_reach_the_database_through_the_drain(link, buffer):
    # given three visits buffered in Redis
    for _ in range(3):
        assert visit(link).status_code == 302
    assert buffer.llen(clicks.BUFFER_KEY) == 3
    assert not Click.objects.exists()
    # the buffer holds no address either
    assert not any(ADDRESS.encode() in item for item in buffer.lrange(clicks.BUFFER_KEY, 0, -1))
    # when the drain runs (twice: the second finds nothing)
    from links.tasks import drain_clicks

    assert drain_clicks() == 3
    assert drain_clicks() == 0
    assert Click.objects.count() == 3
    assert clicks.backlog() == 0


def test_a_drain_that_died_is_taken_over_and_nothing_is_written_twice(link, buffer, monkeypatch):
    for _ in range(2):
        visit(link)
    # given a drain that claimed the buffer and died after writing it but before trimming
    monkeypatch.setattr(clicks, "ORPHAN_AFTER", 0)
    orphan = f"{clicks.DRAINING_PREFIX}1.000:dead"
    buffer.rename(clicks.BUFFER_KEY, orphan)
    clicks.store([__import__("json").loads(item) for item in buffer.lrange(orphan, 0, -1)])
    # when the next drain runs
    clicks.drain()
    # then each click is there once
    assert Click.objects.count() == 2
    assert not buffer.exists(orphan)


def test_with_the_buffer_down_the_click_goes_straight_to_the_database(link, settings, monkeypatch):
    settings.CLICK_BUFFER_URL = "redis://127.0.0.1:1/0"  # closed port
    response = visit(link)
    assert response.status_code == 302
    assert Click.objects.count() == 1
    # and for a while the next visitors do not wait for another connection attempt
    attempts = []
    monkeypatch.setattr(clicks.buffer(), "rpush", lambda *args: attempts.append(args))
    visit(link)
    assert attempts == [] and Click.objects.count() == 2


def test_a_published_links_first_visit_reads_no_row(world, monkeypatch, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from posts.content import build_content

    # given a link just published (its entry written ahead) and a click store that answers
    with django_capture_on_commit_callbacks(execute=True):
        build_content(world["targets"]["x"])
    link = TrackedLink.objects.get()
    kept = []
    monkeypatch.setattr(clicks, "record", kept.append)
    # when its first visitor follows it, no query is made
    with CaptureQueriesContext(connection) as queries:
        response = visit(link)
    assert response.status_code == 302 and len(kept) == 1
    assert len(queries) == 0


def test_country_from_a_local_geoip_database_when_one_is_configured(link, settings, monkeypatch):
    class Reader:  # what maxminddb's reader answers for an address
        def get(self, address):
            return {"country": {"iso_code": "FR"}} if address == ADDRESS else None

    settings.GEOIP_COUNTRY_DB = "/var/lib/geoip/GeoLite2-Country.mmdb"
    monkeypatch.setattr(clicks, "_geo_reader", Reader())
    visit(link)
    visit(link, address="198.51.100.9")
    assert sorted(Click.objects.values_list("country", flat=True)) == ["", "FR"]


def test_a_missing_geoip_database_costs_the_country_not_the_click(link, settings, monkeypatch):
    settings.GEOIP_COUNTRY_DB = "/nonexistent/GeoLite2-Country.mmdb"
    monkeypatch.setattr(clicks, "_geo_reader", None)
    assert visit(link).status_code == 302
    assert Click.objects.get().country == ""


def test_a_code_we_never_make_is_refused_without_a_lookup(link, monkeypatch):
    from links import resolve

    def no_lookup(code):
        raise AssertionError(f"looked up {code!r}")

    monkeypatch.setattr(resolve, "entry_for", no_lookup)
    response = Client().get("/l/Z%C3%BCrich%20%F0%9F%92%A5" + "x" * 300)
    assert response.status_code == 404
    assert b"does not exist" in response.content
