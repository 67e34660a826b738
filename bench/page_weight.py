"""Page weight of the analytics dashboard: what a browser with a cold cache downloads and
how long until every chart is drawn, with the partial plotly.js bundle (what the pages
load) against the full one (the baseline, BENCH_FULL_PLOTLY=true), side by side in one
run. Prints JSON.

    .venv/bin/python bench/page_weight.py [--runs 5] [--slow-runs 2] [--no-dev]

Two gunicorn servers on 127.0.0.1 with production settings (DEBUG=false, WhiteNoise,
collectstatic to a temporary STATIC_ROOT: hashed names, brotli and gzip copies), one per
bundle, over one SQLite database holding the demo (seed_demo, generate_history --seed 42,
generate_inbox_history --seed 42). Chromium (Debian's, driven by Playwright) opens the
demo owner's dashboard of Acme Coffee in a new browser context each run (empty cache),
the two bundles taking turns. Figures per bundle (medians):

- bytes: what went over the wire (the sum of Chromium's encodedDataLength, headers
  included, of every response of the page), and the plotly script's part;
- times from the start of the navigation: DOMContentLoaded, load, every chart drawn
  (each [data-chart] element marked drawn by analytics/charts.js);
- repeat view: the same page opened again in the same context (the browser's cache);
- ``--slow-runs``: the same, with CDP's network emulation at 1.6 Mbit/s down, 750 kbit/s
  up, 150 ms round trip (a slow 4G line);
- ``dev`` (unless ``--no-dev``): runserver with DEBUG on, as `make run` serves the page
  (static files uncompressed, not cached), one cold view per bundle per run.

Every process it starts is stopped by pid; the temporary directory is removed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.production_env import production_env  # noqa: E402
from bench.publish import Procs, free_port, wait_for  # noqa: E402 - the shared building blocks

PY = sys.executable
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
USER, PASSWORD, WORKSPACE = "demo", "demo-smm-2026", "acme-coffee"
BUNDLES = {"partial": "false", "full": "true"}  # BENCH_FULL_PLOTLY
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}

# Marks the moment every chart of the page is drawn (analytics/charts.js sets data-drawn).
CHARTS_DRAWN = """
window.__chartsDrawn = null;
new MutationObserver(() => {
  const charts = document.querySelectorAll('[data-chart]');
  if (window.__chartsDrawn === null && charts.length
      && [...charts].every((el) => el.dataset.drawn === '1')) window.__chartsDrawn = performance.now();
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-drawn']});
"""
TIMES = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const plotly = performance.getEntriesByType('resource').filter((r) => r.name.includes('plotly'));
  return {html_first_byte_ms: nav.responseStart, plotly_received_ms: plotly.length ? plotly[0].responseEnd : null,
          dom_content_loaded_ms: nav.domContentLoadedEventEnd, load_ms: nav.loadEventEnd,
          charts_drawn_ms: window.__chartsDrawn, charts: document.querySelectorAll('[data-chart]').length,
          plotly_decoded_bytes: plotly.reduce((sum, r) => sum + r.decodedBodySize, 0)};
}"""


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def manage(env: dict, *args: str) -> None:
    subprocess.run([PY, "manage.py", *args, "-v", "0"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def login_cookie(base: str) -> dict:
    import requests

    session = requests.Session()
    session.get(f"{base}/login/", timeout=30)
    for cookie in session.cookies:
        cookie.secure = False  # Secure in production settings; plain HTTP on loopback here
    answer = session.post(
        f"{base}/login/",
        {"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise SystemExit(f"could not log in at {base}: {answer.status_code}")
    return {"name": "sessionid", "value": session.cookies["sessionid"], "url": base}


def view(context, url: str, network: dict | None) -> dict:
    """One navigation in ``context``: bytes over the wire (all, plotly's) and times."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if network:
        cdp.send("Network.emulateNetworkConditions", network)
    urls, finished, headers = {}, {}, {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: finished.__setitem__(e["requestId"], e["encodedDataLength"]))

    def response(e):
        if "plotly" in e["response"]["url"]:
            headers[e["requestId"]] = {k.lower(): v for k, v in e["response"]["headers"].items()}

    cdp.on("Network.responseReceived", response)
    page.goto(url, wait_until="load", timeout=120_000)
    page.wait_for_function("window.__chartsDrawn !== null", timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    times = page.evaluate(TIMES)
    plotly = [rid for rid, u in urls.items() if "plotly" in u and rid in finished]
    page.close()
    return {
        **{k: round(v, 1) if isinstance(v, float) else v for k, v in times.items()},
        "requests": len(finished),
        "total_bytes": int(sum(finished.values())),
        "plotly_bytes": int(sum(finished[rid] for rid in plotly)),
        "plotly_url": urls[plotly[0]].split("/static/", 1)[-1] if plotly else None,
        "plotly_headers": {
            k: headers[plotly[0]].get(k) for k in ("content-encoding", "cache-control")
        } if plotly and plotly[0] in headers else None,
    }  # fmt: skip


def summary(runs: list[dict]) -> dict:
    keys = ("total_bytes", "plotly_bytes", "plotly_decoded_bytes", "requests", "html_first_byte_ms",
            "plotly_received_ms", "dom_content_loaded_ms", "load_ms", "charts_drawn_ms")  # fmt: skip
    out = {f"median_{k}": statistics.median(r[k] for r in runs) for k in keys}
    out["charts_drawn_ms_all"] = [r["charts_drawn_ms"] for r in runs]
    out["plotly_url"] = runs[0]["plotly_url"]
    out["plotly_headers"] = runs[0]["plotly_headers"]
    out["charts"] = runs[0]["charts"]
    return out


def ratios(new: dict, old: dict) -> dict:
    return {
        k.replace("median_", "") + "_new_over_old": round(new[k] / old[k], 3)
        for k in ("median_total_bytes", "median_plotly_bytes", "median_charts_drawn_ms", "median_load_ms")
        if old.get(k)
    }


def measure(browser, bases: dict, cookies: dict, path: str, runs: int, network: dict | None, repeat: bool) -> dict:
    cold: dict = {name: [] for name in bases}
    warm: dict = {name: [] for name in bases}
    for run in range(runs):
        order = list(bases) if run % 2 == 0 else list(reversed(bases))  # take turns: no order bias
        for name in order:
            context = browser.new_context(viewport={"width": 1366, "height": 860})
            context.add_init_script(CHARTS_DRAWN)
            context.add_cookies([cookies[name]])
            cold[name].append(view(context, bases[name] + path, network))
            if repeat:
                warm[name].append(view(context, bases[name] + path, network))
            context.close()
        log(f"  run {run + 1}/{runs}: " + ", ".join(f"{n} {cold[n][-1]['charts_drawn_ms']:.0f} ms" for n in order))
    result = {"cold": {name: summary(r) for name, r in cold.items()}}
    result["cold"]["ratios"] = ratios(result["cold"]["partial"], result["cold"]["full"])
    if repeat:
        result["repeat_view"] = {name: summary(r) for name, r in warm.items()}
        result["repeat_view"]["ratios"] = ratios(result["repeat_view"]["partial"], result["repeat_view"]["full"])
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="cold views per bundle (production settings)")
    parser.add_argument("--slow-runs", type=int, default=2, help="cold views per bundle on a slow 4G line (0: none)")
    parser.add_argument("--dev-runs", type=int, default=2, help="cold views per bundle under `make run` settings")
    parser.add_argument("--no-dev", action="store_true", help="skip the DEBUG (make run) servers")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}: run scripts/ensure-chromium.sh")
    if not (ROOT / "node_modules" / "plotly.js-dist-min").exists():
        raise SystemExit("the full plotly.js bundle (npm devDependency plotly.js-dist-min) is missing: make install")

    tmp = Path(tempfile.mkdtemp(prefix="bench-page-weight-"))
    log(f"logs: {tmp}")
    base_env = {
        **os.environ,
        **production_env("page-weight"),
        "SMM_VAR_DIR": str(tmp / "var"),
        "DATABASE_URL": f"sqlite:///{tmp / 'var' / 'smm.sqlite3'}",
        "REDIS_URL": "",
        "SANDBOX_ENABLED": "true",  # seed_demo's demo network
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "smm.settings",
    }
    (tmp / "var").mkdir()
    started = time.monotonic()
    manage(base_env, "migrate", "--noinput")
    manage(base_env, "seed_demo")
    manage(base_env, "generate_history", "--seed", "42")
    manage(base_env, "generate_inbox_history", "--seed", "42")
    log(f"demo data: {time.monotonic() - started:.0f} s")

    servers: dict[str, dict] = {}
    for name, full in BUNDLES.items():
        env = {**base_env, "BENCH_FULL_PLOTLY": full, "STATIC_ROOT": str(tmp / f"static-{name}")}
        started = time.monotonic()
        manage(env, "collectstatic", "--noinput")
        log(f"collectstatic ({name}): {time.monotonic() - started:.0f} s")
        servers[name] = {"env": env, "port": free_port(), "debug": False}
    if not args.no_dev and args.dev_runs:
        for name, full in BUNDLES.items():
            env = {**base_env, "DEBUG": "true", "BENCH_FULL_PLOTLY": full}
            servers[f"dev-{name}"] = {"env": env, "port": free_port(), "debug": True}

    procs: list[Procs] = []
    results: dict = {
        "config": {
            "server": "gunicorn gthread 1x4 per bundle, DEBUG=false, WhiteNoise (collectstatic: hashed names, br/gz)",
            "data": "the demo (seed_demo, generate_history --seed 42, generate_inbox_history --seed 42), SQLite",
            "page": f"/w/{WORKSPACE}/analytics/ as {USER}: every brand, the last complete week",
            "browser": "Chromium headless, a new context (empty cache) per cold view, 1366x860",
            "bytes": "sum of CDP Network.loadingFinished encodedDataLength (headers included), all responses",
            "slow_network": SLOW_4G,
            "cpus": os.cpu_count(),
        }
    }
    try:
        for name, server in servers.items():
            proc = Procs(server["env"], tmp)
            procs.append(proc)
            if server["debug"]:
                command = [PY, "manage.py", "runserver", f"127.0.0.1:{server['port']}", "--noreload"]
            else:
                command = [PY, "-m", "gunicorn", "smm.wsgi", "-b", f"127.0.0.1:{server['port']}", "-k", "gthread",
                           "-w", "1", "--threads", "4", "--log-level", "warning"]  # fmt: skip
            proc.start(name, command)
        import requests

        for name, server in servers.items():
            base = f"http://127.0.0.1:{server['port']}"

            def up(base=base):
                try:
                    return requests.get(f"{base}/healthz", timeout=2).status_code == 200
                except requests.RequestException:
                    return False

            wait_for(up, 60, name)
            server["base"] = base
            server["cookie"] = login_cookie(base)

        from playwright.sync_api import sync_playwright

        path = f"/w/{WORKSPACE}/analytics/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync"],
            )  # fmt: skip
            prod = {n: servers[n] for n in BUNDLES}
            bases = {n: s["base"] for n, s in prod.items()}
            cookies = {n: s["cookie"] for n, s in prod.items()}
            log("production, loopback:")
            results["production"] = measure(browser, bases, cookies, path, args.runs, None, repeat=True)
            if args.slow_runs:
                log("production, slow 4G:")
                results["production_slow_4g"] = measure(browser, bases, cookies, path, args.slow_runs, SLOW_4G, False)
            if not args.no_dev and args.dev_runs:
                log("make run (DEBUG, runserver), loopback:")
                dev = {n: servers[f"dev-{n}"] for n in BUNDLES}
                results["dev_make_run"] = measure(
                    browser,
                    {n: s["base"] for n, s in dev.items()},
                    {n: s["cookie"] for n, s in dev.items()},
                    path,
                    args.dev_runs,
                    None,
                    repeat=False,
                )
            browser.close()
    finally:
        for proc in procs:
            proc.stop_all()
    shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
