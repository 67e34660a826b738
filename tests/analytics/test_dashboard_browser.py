"""A manager opens the demo brand's dashboard, sees KPI tiles and drawn charts, and
switches the period."""

from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from analytics.periods import parse_period
from smm.models import Brand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where plotly draws each trace type; a type the bundle lacks is drawn nowhere (plotly
# quietly turns it into an invisible scatter trace, without a console message).
TRACES_DRAWN = """(el) => el.data.map((trace, i) => {
  const full = el._fullData[i];
  const layer = {bar: '.barlayer .trace', scatter: '.scatterlayer .trace', heatmap: '.heatmaplayer image'}[trace.type];
  return [trace.type, full.type === trace.type && full.visible === true && !!layer
                      && el.querySelectorAll(layer).length > 0];
})"""


def traces_drawn(page, chart: str) -> list:
    """[trace type, drawn?] for each trace of a chart, once plotly has drawn it."""
    page.locator(f'[data-chart="{chart}"][data-drawn="1"]').wait_for(timeout=15000)
    return [tuple(pair) for pair in page.locator(f'[data-chart="{chart}"]').evaluate(TRACES_DRAWN)]


def test_dashboard_of_a_brand_with_history_shows_tiles_and_charts(page, live_server, login, screenshot):
    # given the demo workspaces with a generated history
    call_command("seed_demo", verbosity=0)
    call_command("generate_history", seed=42, verbosity=0)
    call_command("generate_inbox_history", seed=42, verbosity=0)
    brand = Brand.objects.get(workspace__slug="acme-coffee", name="Acme Coffee")

    # (Content-Security-Policy violations are collected: plotly must draw under the policy;
    # so are console errors, script errors and the plotly scripts the pages load)
    page.add_init_script(
        "window.__violations = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"
    )
    errors, plotly_scripts = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: "plotly" in response.url and plotly_scripts.append(response))

    # when the demo owner opens the brand's dashboard
    login("demo", "demo-smm-2026")
    page.goto(f"{live_server.url}/w/acme-coffee/analytics/?brand={brand.pk}")

    # then the KPI tiles have figures and every chart is drawn
    tiles = page.get_by_test_id("kpi-tiles")
    assert tiles.locator(".kpi").count() >= 8
    impressions = tiles.locator('[data-kpi="impressions"] .kpi-value').inner_text()
    assert impressions not in ("", "—")
    # and the inbox's response figures too (the demo's answered conversations)
    for kpi in ("response_rate", "median_first_response"):
        assert tiles.locator(f'[data-kpi="{kpi}"] .kpi-value').inner_text() not in ("", "—")
    drawn = {}
    for chart in ("trend", "networks", "followers", "heatmap"):
        drawn[chart] = traces_drawn(page, chart)
        assert page.locator(f'[data-chart="{chart}"] .main-svg').count() >= 1
    # with every trace of every chart drawn by the partial plotly bundle, not the 4.8 MB one
    assert [urlsplit(r.url).path for r in plotly_scripts] == ["/static/vendor/plotly/plotly-cartesian.min.js"]
    assert plotly_scripts[0].status == 200 and len(plotly_scripts[0].body()) < 2_000_000
    assert drawn["trend"] == [("bar", True), ("scatter", True)]
    assert drawn["heatmap"] == [("heatmap", True)]
    assert all(ok for traces in drawn.values() for _, ok in traces), drawn
    assert page.get_by_test_id("top-post").count() >= 1
    assert page.evaluate("window.__violations") == []
    week_label = page.get_by_test_id("period-label").inner_text()
    assert week_label.startswith("Week ")
    screenshot("analytics-dashboard-week")

    # when the period is changed to the last 90 days
    page.locator('select[name="period"]').select_option("90d")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**period=90d**")

    # then the page shows the 90 days up to yesterday (workspace time), with its charts drawn again
    expected = parse_period({"period": "90d"}, brand.workspace.tz).label
    assert page.get_by_test_id("period-label").inner_text() == expected
    page.locator('[data-chart="trend"][data-drawn="1"]').wait_for(timeout=15000)
    assert page.locator('[data-chart="campaigns"]').count() == 1
    # and the campaigns' bars and rate diamonds are drawn
    assert traces_drawn(page, "campaigns") == [("bar", True), ("scatter", True)]
    page.set_viewport_size({"width": 1400, "height": 2600})
    screenshot("analytics-dashboard-90d")

    # when the agency overview is opened from the dashboard
    page.set_viewport_size({"width": 1280, "height": 1800})
    page.get_by_role("button", name="Agency overview").click()
    page.wait_for_url("**/analytics/overview/**")

    # then the brands are compared in a drawn chart, under the same policy
    brands = traces_drawn(page, "brands")
    assert brands[:2] == [("bar", True), ("bar", True)] and all(ok for _, ok in brands), brands
    assert page.locator('[data-chart="brands"] .main-svg').count() >= 1
    assert page.evaluate("window.__violations") == []
    # and no page logged an error
    assert errors == []
    screenshot("analytics-agency-overview")
