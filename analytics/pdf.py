"""PDF reports: the report page rendered by headless Chromium (--print-to-pdf).

Why Chromium: plotly's static image export (kaleido) needs a browser as well, and
printing the page itself keeps the PDF identical to what the manager sees, charts
included, with no network access (plotly.js and the CSS are read from local files).
Chromium is looked up as settings.CHROMIUM_PATH, then `chromium`, `chromium-browser`,
`google-chrome` on PATH; without it the PDF button explains what is missing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

TIMEOUT_SECONDS = 90


class PdfUnavailable(RuntimeError):
    """No browser to print with, or it failed; the message says so in plain words."""


def chromium_path() -> str | None:
    configured = getattr(settings, "CHROMIUM_PATH", "")
    if configured and Path(configured).exists():
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _file_uri(static_path: str) -> str | None:
    found = finders.find(static_path)
    return Path(found).resolve().as_uri() if found else None


def render_pdf(template: str, context: dict) -> bytes:
    browser = chromium_path()
    if browser is None:
        raise PdfUnavailable(
            "PDF export needs Chromium on the server (install the `chromium` package or set CHROMIUM_PATH). "
            "Meanwhile, open the printable report and use your browser's Print → Save as PDF."
        )
    context = dict(context)
    context.update(
        pdf=True,
        plotly_src=_file_uri("vendor/plotly/plotly.min.js"),
        pico_href=_file_uri("vendor/pico/pico.min.css"),
        app_css_href=_file_uri("css/app.css"),
        analytics_css_href=_file_uri("analytics/analytics.css"),
        charts_js_src=_file_uri("analytics/charts.js"),
    )
    html = render_to_string(template, context)
    with tempfile.TemporaryDirectory(prefix="smm-report-") as tmp:
        page = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp}/profile",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=20000",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"Chromium could not print the report ({exc.__class__.__name__}).")
        if not out.exists() or out.stat().st_size == 0:
            raise PdfUnavailable("Chromium did not produce a PDF; see the server log.")
        return out.read_bytes()
