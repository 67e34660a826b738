"""Every main page works under the Content Security Policy: logged in as an owner, a real
Chromium visits each page and collects console errors, page errors and CSP violation
events; there must be none."""

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${where}`);
});
"""


def main_pages(ws, brand, post) -> dict[str, str]:
    base = f"/w/{ws.slug}"
    return {
        "workspace": f"{base}/",
        "brand": f"{base}/brands/{brand.pk}/",
        "members": f"{base}/members/",
        "posts list": f"{base}/posts/",
        "composer": f"{base}/posts/new/",
        "post": f"{base}/posts/{post.pk}/",
        "calendar": f"{base}/calendar/",
        "analytics": f"{base}/analytics/",
        "analytics report": f"{base}/analytics/report/",
        "inbox": f"{base}/inbox/",
        "operations": f"{base}/operations/",
        "api tokens": f"{base}/api/",
        "account security": "/account/security/",
        "two-factor setup": "/account/two-factor/",
        "API docs": "/api/docs/",
    }


def visit(page, live_server, path: str, errors: list) -> dict:
    errors.clear()
    response = page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__violations || []")
    return {"status": response.status if response else None, "violations": violations, "errors": list(errors)}


def broken(result: dict) -> bool:
    return result["status"] is None or result["status"] >= 400 or bool(result["violations"] or result["errors"])


@pytest.fixture
def listening_page(page):
    page.add_init_script(LISTEN)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    return page, errors


@pytest.fixture
def world(make_workspace, make_member, make_brand, make_account):
    from posts.models import Post, PostTarget

    ws = make_workspace("Northwind")
    make_member(ws, "owner", username="olga", email="olga@example.com")
    brand = make_brand(ws, "Northwind Coffee")
    account = make_account(brand, "mastodon", "@northwind", base_url="http://127.0.0.1:9/")
    now = timezone.now()
    post = Post.objects.create(workspace=ws, brand=brand, text="Spring blend", scheduled_at=now + dt.timedelta(days=1))
    PostTarget.objects.create(
        post=post, account=account, text="Spring blend", state="scheduled", due_at=post.scheduled_at
    )
    return ws, brand, post


def test_main_pages_raise_no_csp_violation_or_console_error(listening_page, live_server, login, screenshot, world):
    page, errors = listening_page
    # given an owner logged in through the login form (itself under the policy)
    login("olga")
    assert "/login/" not in page.url
    problems = {}
    for name, path in main_pages(*world).items():
        # when they open each page and it settles
        result = visit(page, live_server, path, errors)
        if broken(result):
            problems[name] = result
        screenshot(f"csp-{name.replace(' ', '-')}")
    # then no page was blocked by the policy or broke in the browser
    assert not problems, "\n".join(f"{name}: {detail}" for name, detail in problems.items())
