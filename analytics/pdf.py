"""PDF reports: the report page rendered by headless Chromium (--print-to-pdf).

Why Chromium: plotly's static image export (kaleido) needs a browser as well, and
printing the page itself keeps the PDF identical to what the manager sees, charts
included, with no network access (plotly.js and the CSS are read from local files).
Chromium is looked up as settings.CHROMIUM_PATH, then `chromium`, `chromium-browser`,
`google-chrome` on PATH; without it the PDF button explains what is missing.

Each render is a Chromium of a few hundred MB, so they are bounded (export_slot): at most
PDF_EXPORTS_PER_WORKSPACE at once per workspace and PDF_EXPORTS_TOTAL on the installation,
counted in the cache so every web process sees them. A place expires after the render's
time limit, so a process that died while printing does not hold it for ever.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 90
# How long a place is held at most: the render's time limit and the page's rendering.
SLOT_SECONDS = TIMEOUT_SECONDS + 30
RETRY_AFTER_SECONDS = 60
_KEY = "smm:pdf-export"


class PdfUnavailable(RuntimeError):
    """No browser to print with, or it failed; the message says so in plain words."""


class PdfBusy(RuntimeError):
    """Too many PDFs are being made right now; the message says so in plain words."""

    retry_after = RETRY_AFTER_SECONDS


def _take(prefix: str, places: int, token: str) -> str | None:
    """One free place among ``places`` (a cache key taken atomically with add), or None."""
    for place in range(places):
        key = f"{prefix}:{place}"
        if cache.add(key, token, timeout=SLOT_SECONDS):
            return key
    return None


def _give_back(key: str, token: str) -> None:
    # Only our own: after SLOT_SECONDS the place may belong to another render.
    if cache.get(key) == token:
        cache.delete(key)


@contextmanager
def export_slot(workspace_id: int) -> Iterator[None]:
    """Holds one of the workspace's places and one of the installation's while a PDF is
    made. Over the workspace's bound it refuses at once (someone there is making one); for
    an installation place it waits up to PDF_EXPORT_WAIT_SECONDS, then refuses (PdfBusy)."""
    token = secrets.token_hex(8)
    held: list[str] = []
    try:
        own = _take(f"{_KEY}:ws:{workspace_id}", settings.PDF_EXPORTS_PER_WORKSPACE, token)
        if own is None:
            raise PdfBusy("A PDF for this workspace is already being made; try again in a minute.")
        held.append(own)
        deadline = time.monotonic() + settings.PDF_EXPORT_WAIT_SECONDS
        while (shared := _take(f"{_KEY}:all", settings.PDF_EXPORTS_TOTAL, token)) is None:
            if time.monotonic() >= deadline:
                raise PdfBusy("The server is making other PDFs just now; try again in a minute.")
            time.sleep(0.25)
        held.append(shared)
    except PdfBusy:
        for key in held:
            _give_back(key, token)
        raise
    except Exception:  # noqa: BLE001 - the cache is down: print without the bound, and say so
        log.warning("PDF export bound not applied: the cache is unreachable", exc_info=True)
        held = []
    try:
        yield
    finally:
        for key in held:
            _give_back(key, token)


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


def _print(browser: str, page: Path, out: Path) -> None:
    """Chromium prints ``page`` to ``out``."""
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={page.parent}/profile",
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


def render_pdf(template: str, context: dict, *, workspace_id: int) -> bytes:
    """The report as PDF bytes; PdfBusy when too many are being made (see export_slot)."""
    browser = chromium_path()
    if browser is None:
        raise PdfUnavailable(
            "PDF export needs Chromium on the server (install the `chromium` package or set CHROMIUM_PATH). "
            "Meanwhile, open the printable report and use your browser's Print → Save as PDF."
        )
    context = dict(context)
    context.update(
        pdf=True,
        plotly_src=_file_uri(settings.PLOTLY_JS),
        pico_href=_file_uri("vendor/pico/pico.min.css"),
        app_css_href=_file_uri("css/app.css"),
        analytics_css_href=_file_uri("analytics/analytics.css"),
        charts_js_src=_file_uri("analytics/charts.js"),
    )
    html = render_to_string(template, context)
    with export_slot(workspace_id), tempfile.TemporaryDirectory(prefix="smm-report-") as tmp:
        page = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        _print(browser, page, out)
        if not out.exists() or out.stat().st_size == 0:
            raise PdfUnavailable("Chromium did not produce a PDF; see the server log.")
        return out.read_bytes()
