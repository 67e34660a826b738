"""Bulk import: many posts from a CSV file (or the same rows sent to the API).

A file is read (UTF-8 with or without BOM, or UTF-16; comma, semicolon or tab separated,
sniffed from the header), then every row is checked with the composer's rules: the
brand's accounts, each network's content rules (``posts.validation.check_target``, the
composer's live check), media from the library by name or fetched by address through the
SSRF-guarded client with the upload limits of the media library, a time with its offset,
a local time in the brand's zone, or blank for the brand's next free posting slot, and the
link and campaign. A dry run stops there. A real run then writes the valid rows.

Writing is batched, not ``posts.actions.create_post`` + ``schedule_post`` per row (bench:
bench/bulk_import.py has both). The batched path keeps their rules and invariants:

- the same rights (write_posts and schedule_posts), the same approval (a role whose posts
  need approval makes posts pending approval), the same content check, one target per
  account with its variant text and the account's default network options, the post's
  status derived by ``posts.states.derive_status``;
- the same audit events on each post (``post.created``, then ``post.scheduled`` or
  ``post.submitted``) and the same ``post.needs_approval`` webhook per post;
- all or nothing per row: a chunk of rows is written in one transaction, so a row is a
  post (with its targets, media, audit events and its row marked imported) or nothing; a
  chunk that fails is written again one row per transaction, so one bad row is reported
  and the rest still import;
- a re-run of the same import never makes a second post of a row: a row's post is stored
  on its row in the transaction that creates it, and rows are locked (FOR UPDATE) and
  skipped when they have one.

What it does differently: approvers get one notice for the whole import ("N posts wait
for your approval") instead of one per post, and the duplicate-text and crowding warnings
are worked out for the whole file at once (one query) rather than per post.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import json
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from posts import events
from posts.actions import PAST_GRACE
from posts.forms import cannot_publish_reason
from posts.media import MAX_UPLOAD_BYTES, inspect_image, reencode, store_upload
from posts.models import (
    BulkImport,
    BulkImportRow,
    Campaign,
    MediaAsset,
    Notification,
    Post,
    PostingSlot,
    PostMedia,
    PostTarget,
    TargetState,
)
from posts.scheduling import (
    DUPLICATE_WINDOW,
    HOLDING_STATUSES,
    LIVE_TARGET_STATES,
    QUEUE_HORIZON_WEEKS,
    resolve_local,
)
from posts.states import derive_status
from posts.validation import check_target, limited_adapter, media_items
from smm.models import AuditEvent, Membership, SocialAccount, UserProfile
from smm.platforms import adapter_class, registry
from smm.platforms.base import MediaItem, PlatformError
from smm.platforms.http import BlockedAddress, HttpClient, UnresolvableHost
from smm.roles import Role, role_can

logger = logging.getLogger(__name__)

# --- limits (settings may lower or raise them) --------------------------------------------------


def max_bytes() -> int:
    return int(getattr(settings, "BULK_IMPORT_MAX_BYTES", 10 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "BULK_IMPORT_MAX_ROWS", 10_000))


def max_media_urls() -> int:
    return int(getattr(settings, "BULK_IMPORT_MAX_MEDIA_URLS", 200))


# Rows up to this many are answered in the API request itself; more run as a job.
SYNC_ROWS = 100
CHUNK = 250  # rows written per transaction
PROGRESS_EVERY = 500  # rows between two progress writes
LEASE = dt.timedelta(minutes=5)
MAX_CELL = 20_000  # characters in one cell
LIMIT_MB = f"{MAX_UPLOAD_BYTES / 1048576:.1f} MB"  # an image, as the media library takes it

# --- columns ------------------------------------------------------------------------------------

NETWORKS = list(registry.NETWORKS)
NETWORK_ALIASES = {"twitter": "x", "facebook_page": "facebook", "fb": "facebook", "ig": "instagram"}
BASE_COLUMNS = ["accounts", "text", "media", "alt_text", "scheduled_at", "link", "campaign"]
COLUMNS = [*BASE_COLUMNS[:2], *(f"text_{n}" for n in NETWORKS), *BASE_COLUMNS[2:]]
ALIASES = {
    "account": "accounts",
    "profiles": "accounts",
    "channels": "accounts",
    "content": "text",
    "caption": "text",
    "message": "text",
    "images": "media",
    "image": "media",
    "media_url": "media",
    "media_urls": "media",
    "alt": "alt_text",
    "time": "scheduled_at",
    "when": "scheduled_at",
    "publish_at": "scheduled_at",
    "url": "link",
}
ERROR_COLUMN = "error"  # added to the rows-with-errors download; ignored when read back

COLUMN_GUIDE = [
    (
        "accounts",
        "Required. The brand's accounts, separated by |: a handle (@acme), or network:handle "
        "when two networks share it (x:@acme), or just the network (mastodon) when the brand has one account there.",
    ),
    ("text", "The post's text, written once. Quotes around it let it hold commas, semicolons and line breaks."),
    (
        "text_x, text_mastodon, …",
        f"Optional: the text for that network's accounts instead of the main text (networks: {', '.join(NETWORKS)}).",
    ),
    (
        "media",
        "Optional: images, separated by |: the name of an image in the media library (spring.jpg), or "
        "its public https:// address (fetched and added to the library; a share link that needs a login "
        "does not work).",
    ),
    ("alt_text", "Optional: the description of each image given by address, in the same order, separated by |."),
    (
        "scheduled_at",
        "When: 2026-03-02T09:00:00+01:00 (with its offset), 2026-03-02 09:00 (the brand's local time), "
        "or blank for the brand's next free posting slot. Year-month-day, 24-hour clock.",
    ),
    ("link", "Optional: a link to add to the post."),
    ("campaign", "Optional: the name of an existing campaign."),
]


class FileError(Exception):
    """The file as a whole cannot be read: said in plain words."""


@dataclass
class Parsed:
    header: list[str]  # as written in the file
    columns: list[str]  # what each header cell means ("" = ignored)
    rows: list[tuple[int, dict[str, str]]]  # (row number, cells by header as written)
    notes: list[str] = field(default_factory=list)
    delimiter: str = ","
    problems: dict[int, str] = field(default_factory=dict)  # row number -> why it cannot be read


def _normal_column(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().lower()).strip("_")
    key = ALIASES.get(key, key)
    if key.startswith("text_"):
        network = key[5:]
        key = f"text_{NETWORK_ALIASES.get(network, network)}"
    return key


def column_of(header: str) -> str:
    """The column a header cell names (``Text`` and ``caption`` both mean ``text``)."""
    return _normal_column(header)


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM) or UTF-16 with its BOM."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileError("This file is damaged: it starts as UTF-16 text but is not.") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise FileError(
                f"This file is not UTF-8 text (line {line} has a character we cannot read). In Excel, "
                "save it with “CSV UTF-8 (Comma delimited)”; in Google Sheets, download it as CSV."
            ) from None
    if "\x00" in text:
        raise FileError("This file holds binary data, not text: export the sheet as CSV.")
    return text


def _sniff_delimiter(text: str) -> str:
    """The separator of the header line: a comma, a semicolon (Excel in much of Europe)
    or a tab, whichever the header uses most (column names hold none of them)."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse(text: str) -> Parsed:
    """The rows of a CSV text, numbered as a spreadsheet numbers them (the header is row 1;
    a cell with line breaks stays one row). Blank rows are skipped."""
    if not text.strip():
        raise FileError("The file is empty: it needs a header row (accounts,text,…) and one row per post.")
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as error:
        raise FileError(f"The header row cannot be read: {error}.") from None
    columns = [_normal_column(name) for name in header]
    notes = []
    known = set(COLUMNS)
    seen: set[str] = set()
    for index, (name, column) in enumerate(zip(header, columns, strict=True)):
        if column == ERROR_COLUMN:
            columns[index] = ""
        elif column in seen:
            raise FileError(f"The column “{name.strip()}” appears twice in the header.")
        elif column not in known:
            if column.startswith("text_"):
                notes.append(
                    f"Column “{name.strip()}” is ignored: there is no network called “{column[5:]}” "
                    f"(networks: {', '.join(NETWORKS)})."
                )
            elif column:
                notes.append(f"Column “{name.strip()}” is ignored: it is not one we read.")
            columns[index] = ""
        seen.add(column)
    if "accounts" not in columns:
        found = ", ".join(h.strip() for h in header if h.strip()) or "nothing"
        raise FileError(
            f"The header has no “accounts” column (it has: {found[:300]}). Download the template to see the columns."
        )
    if "text" not in columns and not any(c.startswith("text_") for c in columns):
        raise FileError("The header has no “text” column: every post needs its text.")
    rows = []
    problems = {}
    limit = max_rows()
    number = 1
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= limit:
                raise FileError(
                    f"This file has more than {limit:,} rows; we import up to {limit:,} at a time. "
                    "Split it into smaller files."
                )
            row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
            if len(cells) > len(header):
                problems[number] = (
                    f"This row has {len(cells)} cells but the header has {len(header)} columns: "
                    f"a text holding a “{delimiter if delimiter != chr(9) else 'tab'}” must be in quotes."
                )
            rows.append((number, row))
    except csv.Error as error:
        raise FileError(f"Row {number} cannot be read: {error}. A quote may be missing its closing quote.") from None
    if not rows:
        raise FileError("The file has a header but no rows: add one row per post.")
    return Parsed(header=header, columns=columns, rows=rows, notes=notes, delimiter=delimiter, problems=problems)


def read_upload(uploaded) -> tuple[str, Parsed]:
    """An uploaded file's text and rows, or FileError (too large, not text, no header...)."""
    limit = max_bytes()
    if uploaded.size is not None and uploaded.size > limit:
        raise FileError(
            f"This file is {uploaded.size / 1048576:.1f} MB; we import files of up to {limit / 1048576:g} MB."
        )
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise FileError(f"This file is larger than {limit / 1048576:g} MB, the most we import at a time.")
    text = decode(data)
    return text, parse(text)


def rows_from_json(items) -> Parsed:
    """The API's rows (a list of objects with the CSV's columns; lists allowed where the CSV
    separates values with |) as the parsed rows of a file with the same columns."""
    if not isinstance(items, list) or not items:
        raise FileError("rows: give a list of rows, each an object with the CSV's columns.")
    if len(items) > max_rows():
        raise FileError(f"rows: at most {max_rows():,} rows at a time.")
    header: list[str] = []
    rows = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise FileError(f'rows[{index}]: each row is an object, like {{"accounts": "@acme", "text": "…"}}.')
        row = {}
        for key, value in item.items():
            if isinstance(value, list):
                value = "|".join(str(v) for v in value)
            elif value is None:
                value = ""
            elif not isinstance(value, str):
                value = str(value)
            row[str(key)] = value
            if key not in header:
                header.append(str(key))
        rows.append((index + 1, row))
    rows = [(n, {h: r.get(h, "") for h in header}) for n, r in rows]
    columns = [_normal_column(h) for h in header]
    notes = [
        f"Field “{h}” is ignored: it is not one we read."
        for h, c in zip(header, columns, strict=True)
        if c not in COLUMNS
    ]
    columns = [c if c in COLUMNS else "" for c in columns]
    if "accounts" not in columns:
        raise FileError("rows: each row needs “accounts”.")
    return Parsed(header=header, columns=columns, rows=rows, notes=notes)


def json_content(items) -> str:
    return json.dumps(items, ensure_ascii=False)


def parsed_content(job: BulkImport) -> Parsed:
    if job.source == BulkImport.Source.API:
        return rows_from_json(json.loads(job.content))
    return parse(job.content)


# --- the template -------------------------------------------------------------------------------


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["accounts", "text", "text_x", "media", "alt_text", "scheduled_at", "link", "campaign"]
    writer.writerow(header)
    writer.writerow(
        [
            "@acme|x:@acme",
            "Our spring blend is here: bright, floral, a little cocoa.\nCome and taste it this weekend.",
            "Spring blend is here ☕ #coffee",
            "spring.jpg",
            "",
            "2026-03-02 09:00",
            "https://acme.example/spring",
            "Spring launch",
        ]
    )
    writer.writerow(
        [
            "mastodon",
            "Tuesday tasting: three single origins, one table. Join us from 5 pm.",
            "",
            "https://cdn.acme.example/tasting.jpg",
            "Three cups of coffee on a wooden table",
            "",
            "",
            "",
        ]
    )
    return out.getvalue()


def errors_csv(job: BulkImport, parsed_header: list[str] | None = None) -> str:
    """The rows that did not become posts, with the import's own columns and an ``error``
    column: fix them in a spreadsheet and upload the file again."""
    header = parsed_header
    if header is None:
        try:
            header = parsed_content(job).header
        except (FileError, ValueError):
            header = []
    header = [h for h in header if _normal_column(h) != ERROR_COLUMN]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*header, ERROR_COLUMN])
    for row in job.rows.filter(status=BulkImportRow.Status.ERROR).order_by("number"):
        writer.writerow([*(row.cells.get(h, "") for h in header), " ".join(m["message"] for m in row.messages)])
    return out.getvalue()


# --- checking rows ------------------------------------------------------------------------------

_web_address = URLValidator(schemes=["http", "https"])
LOCAL_TIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?$")
DATE_ONLY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
SEPARATORS = re.compile(r"[|\n]")
ACCOUNT_SEPARATORS = re.compile(r"[|,;\n]")


@dataclass
class Plan:
    """What a valid row becomes."""

    number: int
    accounts: list
    text: str
    variants: dict  # account id -> its text
    options: dict  # account id -> its options
    media: list  # MediaAsset (stored) or MediaItem (dry run, fetched)
    link: str
    campaign: Campaign | None
    when: dt.datetime | None = None
    from_slot: bool = False
    local_note: str = ""


@dataclass
class RowResult:
    number: int
    cells: dict
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    plan: Plan | None = None

    @property
    def ok(self) -> bool:
        return not self.messages and self.plan is not None


def _msg(field_name: str, text: str) -> dict:
    """A row's message: the column it is about (``row`` for the row as a whole) and its words."""
    return {"field": field_name, "message": text}


class _Say:
    """A list of a row's messages that files what is appended under one column."""

    def __init__(self, messages: list, field_name: str):
        self.messages, self.field = messages, field_name

    def append(self, text: str) -> None:
        self.messages.append(_msg(self.field, text))


def _when_text(when: dt.datetime, brand) -> str:
    local = when.astimezone(brand.tz)
    return f"{local:%a %d %b %Y %H:%M} {brand.time_zone}"


class Checker:
    """The composer's rules for the rows of one import (brand, person, dry run or not),
    with what every row needs loaded once."""

    def __init__(self, workspace, brand, membership, *, store_media: bool, job: BulkImport | None = None):
        self.workspace, self.brand, self.membership, self.job = workspace, brand, membership, job
        self.user = membership.user
        self.store_media = store_media
        self.now = timezone.now()
        self.needs_approval = workspace.needs_approval(membership.role)
        accounts = list(SocialAccount.objects.for_workspace(workspace).select_related("brand").order_by("pk"))
        self.mine = [a for a in accounts if a.brand_id == brand.pk]
        self.others = [a for a in accounts if a.brand_id != brand.pk]
        self.by_handle: dict[str, list] = {}
        self.by_network: dict[str, list] = {}
        self.by_short: dict[str, list] = {}  # @acme for @acme@social.example, when nothing else is @acme
        for account in self.mine:
            if account.status == SocialAccount.Status.DISCONNECTED:
                continue
            for key in self._handle_keys(account.handle):
                self.by_handle.setdefault(key, []).append(account)
            for key in self._handle_keys(account.handle, short=True):
                self.by_short.setdefault(key, []).append(account)
            self.by_network.setdefault(account.network, []).append(account)
        self.options = {}
        self.adapters: dict[int, object] = {}
        self.library: dict[str, MediaAsset] | None = None
        self.campaigns = {c.name.casefold(): c for c in Campaign.objects.for_workspace(workspace)}
        self.fetched: dict[str, object] = {}  # url -> MediaAsset | MediaItem | str (the refusal)
        if job is not None and job.media_map:
            assets = MediaAsset.objects.for_workspace(workspace).in_bulk(list(job.media_map.values()))
            for url, pk in job.media_map.items():
                if pk in assets:
                    self.fetched[url] = assets[pk]
        self.http = None
        self.webhooks = False  # whether post.needs_approval has anyone to tell (run() asks once)

    # -- accounts --

    @staticmethod
    def _handle_keys(handle: str, *, short: bool = False) -> set[str]:
        """The ways a person writes a handle: with or without its @; with ``short``, a
        fediverse handle without its server (@acme for @acme@social.example)."""
        bare = handle.strip().casefold().lstrip("@")
        if short:
            if "@" not in bare:
                return set()
            bare = bare.split("@", 1)[0]
        return {bare, f"@{bare}"}

    def _accounts(self, cell: str, messages: list[str]) -> list:
        tokens = [t.strip() for t in ACCOUNT_SEPARATORS.split(cell) if t.strip()]
        if not tokens:
            messages.append("No account: write the brand's accounts in the accounts column, e.g. @acme or x:@acme.")
            return []
        chosen = []
        for token in tokens:
            account = self._account(token, messages)
            if account is not None and account not in chosen:
                chosen.append(account)
        for account in chosen:
            reason = cannot_publish_reason(account)
            if reason:
                messages.append(f"{account} cannot be posted to: {reason}")
        return chosen

    def _account(self, token: str, messages: list[str]):
        network, handle = None, token
        if ":" in token and not token.lower().startswith(("http:", "https:")):
            head, rest = token.split(":", 1)
            head = NETWORK_ALIASES.get(head.strip().lower(), head.strip().lower())
            if head in registry.NETWORKS:
                network, handle = head, rest.strip()
        elif NETWORK_ALIASES.get(token.lower(), token.lower()) in registry.NETWORKS:
            network, handle = NETWORK_ALIASES.get(token.lower(), token.lower()), ""
        label = registry.label(network) if network else ""
        if network and not handle:
            found = self.by_network.get(network, [])
            if len(found) == 1:
                return found[0]
            if not found:
                messages.append(f"{self.brand} has no {label} account.")
            else:
                names = ", ".join(a.handle for a in found)
                messages.append(
                    f"{self.brand} has {len(found)} {label} accounts ({names}): "
                    f"name one, e.g. {network}:{found[0].handle}."
                )
            return None
        key = handle.strip().casefold()
        found = [a for a in self.by_handle.get(key, []) if network is None or a.network == network]
        if not found:
            found = [a for a in self.by_short.get(key, []) if network is None or a.network == network]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            options = " or ".join(f"{a.network}:{a.handle}" for a in found)
            messages.append(f"“{token}” is on {len(found)} networks: write {options}.")
            return None
        elsewhere = [
            a for a in self.others if key in self._handle_keys(a.handle) | self._handle_keys(a.handle, short=True)
        ]
        gone = [
            a for a in self.mine if a.status == SocialAccount.Status.DISCONNECTED and key in self._handle_keys(a.handle)
        ]
        if gone:
            messages.append(f"{gone[0]} is disconnected: reconnect it on the brand's page, or leave it out.")
        elif elsewhere:
            messages.append(f"“{token}” is an account of {elsewhere[0].brand}, not of {self.brand}.")
        else:
            known = ", ".join(f"{a.network}:{a.handle}" for a in self.mine[:6] if a.status != "disconnected")
            messages.append(f"{self.brand} has no account “{token}”." + (f" Its accounts: {known}." if known else ""))
        return None

    def _adapter(self, account):
        """One adapter per account for the whole file (the composer makes one per check). It
        remembers its last few length counts: a check counts the same text twice (the
        rule's limit, then the counter shown), and X's count is the slow part."""
        adapter = self.adapters.get(account.pk)
        if adapter is None:
            adapter = limited_adapter(account)
            adapter.text_length = functools.lru_cache(maxsize=8)(adapter.text_length)
            self.adapters[account.pk] = adapter
        return adapter

    def _options(self, account) -> dict:
        if account.pk not in self.options:
            self.options[account.pk] = adapter_class(account.network)().clean_options(account.post_options or {})
        return self.options[account.pk]

    # -- media --

    def _library(self) -> dict[str, MediaAsset]:
        if self.library is None:
            self.library = {}
            # newest first: a name uploaded twice means its latest upload
            for asset in MediaAsset.objects.for_workspace(self.workspace).order_by("-created_at", "-id"):
                self.library.setdefault((asset.original_name or "").strip().casefold(), asset)
        return self.library

    def _media(self, cell: str, alt_cell: str, messages: list[str]) -> list:
        tokens = [t.strip() for t in SEPARATORS.split(cell) if t.strip()]
        alts = [t.strip() for t in alt_cell.split("|")] if alt_cell.strip() else []
        found = []
        for index, token in enumerate(tokens):
            if token.lower().startswith(("http://", "https://")):
                item = self._fetch(token, alts[index] if index < len(alts) else "")
                if isinstance(item, str):
                    messages.append(item)
                else:
                    found.append(item)
            else:
                asset = self._library().get(token.casefold())
                if asset is None:
                    messages.append(
                        f"No image called “{token}” in the media library: upload it there first, "
                        "or give its https:// address."
                    )
                else:
                    found.append(asset)
        return found

    def _fetch(self, url: str, alt_text: str):
        """The image at ``url`` as a stored asset (real run) or as what the checks need (dry
        run), or the refusal in words. Fetched once per import."""
        known = self.fetched.get(url)
        if known is not None and not (isinstance(known, MediaItem) and self.store_media):
            return known
        try:
            _web_address(url)
        except ValidationError:
            return f"“{url[:100]}” is not a web address we can fetch."
        urls = {u for u, v in self.fetched.items() if not isinstance(v, str)}
        if url not in urls and len(urls) >= max_media_urls():
            return (
                f"This import already fetches {max_media_urls()} images by address: upload the others to the "
                "media library and give their names instead."
            )
        result = self._download(url, alt_text)
        self.fetched[url] = result
        if self.job is not None:  # downloads take time: keep the import ours
            BulkImport.objects.filter(pk=self.job.pk).update(locked_until=timezone.now() + LEASE)
        return result

    def _download(self, url: str, alt_text: str):
        host = urlsplit(url).hostname or url
        if self.http is None:
            self.http = HttpClient(timeout=(5, 20), allow_private=settings.ALLOW_PRIVATE_OUTBOUND)
        try:
            response = self.http.get(url, stream=True)
        except BlockedAddress:
            return f"{host} is a private address: images are only fetched from public addresses."
        except UnresolvableHost as error:
            return error.user_message or f"We could not find {host}."
        except PlatformError as error:
            return (
                f"Could not download the image at {url[:100]}: {error}. Try again later, or upload it to the library."
            )
        try:
            if response.status_code != 200:
                hint = (
                    " It may need a login: use a public link to the image itself."
                    if response.status_code in (401, 403)
                    else ""
                )
                return f"The image address {url[:100]} answered {response.status_code}, not an image.{hint}"
            kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if kind in ("text/html", "application/xhtml+xml"):
                return (
                    f"{url[:100]} is a web page, not an image: use the image's own address (a cloud drive's "
                    "share link opens a page)."
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
                return f"The image at {url[:100]} is {int(declared) / 1048576:.1f} MB; images can be up to {LIMIT_MB}."
            data = bytearray()
            for chunk in response.iter_content(64 * 1024):
                data.extend(chunk)
                if len(data) > MAX_UPLOAD_BYTES:
                    return f"The image at {url[:100]} is larger than {LIMIT_MB}, the most we take."
        except PlatformError as error:
            return f"Could not download the image at {url[:100]}: {error}."
        except OSError:
            return f"Could not download the image at {url[:100]}: the connection broke off. Try again later."
        finally:
            response.close()
        name = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0][:200] or "image"
        try:
            image = inspect_image(bytes(data))
            body, mime, _ = reencode(image)
        except ValidationError as error:
            return f"The file at {url[:100]}: {' '.join(error.messages)}"
        if not self.store_media:
            width, height = image.size
            return MediaItem(
                mime_type=mime,
                url=url,
                alt_text=alt_text[:1500],
                size=len(body),
                width=width,
                height=height,
                filename=name,
            )
        asset = store_upload(self.workspace, ContentFile(bytes(data), name=name), alt_text=alt_text, user=self.user)
        if self.job is not None:
            self.job.media_map[url] = asset.pk
            BulkImport.objects.filter(pk=self.job.pk).update(media_map=self.job.media_map)
        return asset

    # -- time --

    def _time(self, cell: str, messages: list[str]) -> tuple[dt.datetime | None, str]:
        value = cell.strip()
        if not value:
            return None, ""
        note = ""
        match = LOCAL_TIME.match(value)
        if match:
            year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
            try:
                resolved = resolve_local(dt.date(year, month, day), dt.time(hour, minute, second), self.brand.tz)
            except ValueError:
                messages.append(f"“{value}” is not a real date and time.")
                return None, ""
            when, note = resolved.utc, resolved.note
        else:
            try:
                parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
            except ValueError:
                parsed = None
            if parsed is None or parsed.tzinfo is None:
                if DATE_ONLY.match(value):
                    messages.append(
                        f"“{value}” has no time of day: write it as {value} 09:00, "
                        "or leave it blank for the next free slot."
                    )
                else:
                    messages.append(
                        f"“{value}” is not a time we read: write 2026-03-02 09:00 (year-month-day, 24-hour clock, "
                        "the brand's time) or 2026-03-02T09:00+01:00. A spreadsheet may have turned it into "
                        "another format: format the column as text."
                    )
                return None, ""
            when = parsed.astimezone(dt.UTC)
        if when < self.now - PAST_GRACE:
            messages.append(
                f"{_when_text(when, self.brand)} has already passed: pick a later time, or leave it blank "
                "for the next free slot."
            )
            return None, ""
        return when, note

    # -- one row --

    def check(self, number: int, cells: dict[str, str], columns: dict[str, str], problem: str = "") -> RowResult:
        """``columns`` maps our column names to the header as written; ``problem`` is why
        the row could not be read, if so."""
        result = RowResult(number=number, cells=cells)
        messages = result.messages
        if problem:
            messages.append(_msg("row", problem))
            return result

        def cell(name: str) -> str:
            header = columns.get(name)
            return cells.get(header, "") if header is not None else ""

        too_long = [name for name in columns if len(cell(name)) > MAX_CELL]
        if too_long:
            messages.append(_msg(too_long[0], f"The {too_long[0]} cell is longer than {MAX_CELL:,} characters."))
            return result
        accounts = self._accounts(cell("accounts"), _Say(messages, "accounts"))
        text = cell("text").replace("\r\n", "\n")
        variants = {}
        for account in accounts:
            own = cell(f"text_{account.network}").replace("\r\n", "\n")
            if own.strip() and own != text:
                variants[account.pk] = own
        media = self._media(cell("media"), cell("alt_text"), _Say(messages, "media"))
        link = cell("link").strip()
        if link:
            if "://" not in link:
                link = f"https://{link}"
            try:
                if len(link) > 1000:
                    raise ValidationError("too long")
                _web_address(link)
            except ValidationError:
                messages.append(
                    _msg("link", f"The link “{link[:100]}” is not a web address: write it as https://example.com/page.")
                )
                link = ""
        campaign = None
        if cell("campaign").strip():
            campaign = self.campaigns.get(cell("campaign").strip().casefold())
            if campaign is None:
                _Say(messages, "campaign").append(
                    f"No campaign called “{cell('campaign').strip()}”: create it on the Campaigns page first, or "
                    "leave the cell blank."
                )
        when, note = self._time(cell("scheduled_at"), _Say(messages, "scheduled_at"))
        if note:
            result.warnings.append(note)
        if accounts and not text.strip() and not media and not all(variants.get(a.pk) for a in accounts):
            messages.append(_msg("text", "This row has no text and no image: write the post's text."))
        if messages:
            return result
        # The networks' rules, as the composer checks them
        items = self._items(media)
        for account in accounts:
            own = variants.get(account.pk, text)
            check = check_target(
                account,
                own,
                items,
                link,
                main_text=text,
                options=self._options(account),
                adapter=self._adapter(account),
            )
            for problem in check.problems:
                column = problem.field if problem.field in ("media", "link") else "options"
                if problem.field == "text":
                    column = f"text_{account.network}" if account.pk in variants else "text"
                messages.append(_msg(column, f"{check.label}: {problem.message}"))
        if messages:
            return result
        result.plan = Plan(
            number=number,
            accounts=accounts,
            text=text,
            variants=variants,
            options={a.pk: self._options(a) for a in accounts},
            media=media,
            link=link,
            campaign=campaign,
            when=when,
            local_note=note,
        )
        return result

    @staticmethod
    def _items(media: list) -> list[MediaItem]:
        assets = [m for m in media if isinstance(m, MediaAsset)]
        stored = iter(media_items(assets))
        return [next(stored) if isinstance(m, MediaAsset) else m for m in media]

    # -- the whole file --

    def fill_slots(self, results: list[RowResult]) -> None:
        """Rows without a time take the brand's next free posting slots, in row order; a slot
        that a scheduled post (or a timed row of this file) holds is taken."""
        blank = [r for r in results if r.plan is not None and r.plan.when is None]
        if not blank:
            return
        slots = list(PostingSlot.objects.filter(brand=self.brand).order_by("weekday", "time"))
        if not slots:
            for result in blank:
                _Say(result.messages, "scheduled_at").append(
                    f"{self.brand} has no posting slots yet: give this row a time, "
                    "or add slots on its posting slots page."
                )
                result.plan = None
            return
        tz = self.brand.tz
        horizon_days = 7 * QUEUE_HORIZON_WEEKS + 1
        end = self.now + dt.timedelta(days=horizon_days + 1)
        taken = set(
            Post.objects.filter(
                brand=self.brand, status__in=HOLDING_STATUSES, scheduled_at__gt=self.now, scheduled_at__lte=end
            ).values_list("scheduled_at", flat=True)
        )
        taken.update(r.plan.when for r in results if r.plan is not None and r.plan.when is not None)
        by_weekday: dict[int, list] = {}
        for slot in slots:
            by_weekday.setdefault(slot.weekday, []).append(slot)

        def free():
            start = self.now.astimezone(tz).date()
            for offset in range(horizon_days):
                day = start + dt.timedelta(days=offset)
                for slot in by_weekday.get(day.weekday(), []):
                    when = resolve_local(day, slot.time, tz).utc
                    if when > self.now and when not in taken:
                        yield when

        upcoming = free()
        for result in blank:
            when = next(upcoming, None)
            if when is None:
                _Say(result.messages, "scheduled_at").append(
                    f"Every posting slot of {self.brand} is taken for the next {QUEUE_HORIZON_WEEKS} weeks: "
                    "give this row a time, or add posting slots."
                )
                result.plan = None
                continue
            result.plan.when, result.plan.from_slot = when, True

    def warn_duplicates(self, results: list[RowResult]) -> None:
        """The composer's warning, for the whole file at once: the same text to the same
        account within 30 days (of another row or of a post already planned)."""
        plans = [r.plan for r in results if r.plan is not None]
        if not plans:
            return
        by_row = {r.number: r for r in results}
        start = min(p.when for p in plans) - DUPLICATE_WINDOW
        end = max(p.when for p in plans) + DUPLICATE_WINDOW
        seen: dict[tuple[int, str], list[tuple[dt.datetime, str]]] = {}
        existing = (
            PostTarget.objects.filter(
                account__in=self.mine,
                state__in=LIVE_TARGET_STATES,
                post__scheduled_at__gte=start,
                post__scheduled_at__lte=end,
            )
            .order_by()
            .values_list("account_id", "text", "post__text", "post__scheduled_at", "post_id")
        )
        for account_id, text, post_text, when, post_id in existing:
            seen.setdefault((account_id, _normalised(text or post_text)), []).append((when, f"post #{post_id}"))
        for plan in plans:
            for account in plan.accounts:
                key = (account.pk, _normalised(plan.variants.get(account.pk, plan.text)))
                if not key[1]:
                    continue
                for when, what in seen.get(key, []):
                    if abs(when - plan.when) <= DUPLICATE_WINDOW:
                        days = abs((when - plan.when).days)
                        span = "the same day" if days == 0 else f"{days} day{'s' if days != 1 else ''} apart"
                        by_row[plan.number].warnings.append(
                            f"The same text goes to {account} {span} ({what}). Some networks refuse duplicates."
                        )
                        break
                seen.setdefault(key, []).append((plan.when, f"row {plan.number}"))


def _normalised(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def check_all(checker: Checker, parsed: Parsed, progress=None) -> list[RowResult]:
    columns = {}
    for header, column in zip(parsed.header, parsed.columns, strict=True):
        if column:
            columns[column] = header
    results = []
    for index, (number, cells) in enumerate(parsed.rows, 1):
        results.append(checker.check(number, cells, columns, parsed.problems.get(number, "")))
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index)
    checker.fill_slots(results)
    checker.warn_duplicates(results)
    return results


# --- writing ------------------------------------------------------------------------------------


def _write(checker: Checker, job: BulkImport, plans: list[Plan], rows: dict[int, BulkImportRow]) -> int:
    """Make the posts of ``plans`` in one transaction (the caller's), each row's post
    stored on its row. Rows that already have a post (a re-run, a second delivery) are
    skipped. Returns how many posts were made."""
    numbers = [p.number for p in plans]
    free = set(
        BulkImportRow.objects.select_for_update()
        .filter(job=job, number__in=numbers, post__isnull=True)
        .values_list("number", flat=True)
    )
    plans = [p for p in plans if p.number in free]
    if not plans:
        return 0
    state = TargetState.PENDING_APPROVAL if checker.needs_approval else TargetState.SCHEDULED
    status = derive_status([state])
    brand, workspace, user = checker.brand, checker.workspace, checker.user
    posts = Post.objects.bulk_create(
        [
            Post(
                workspace=workspace,
                brand=brand,
                author=user,
                text=p.text,
                link=p.link,
                campaign=p.campaign,
                scheduled_at=p.when,
                status=status,
            )
            for p in plans
        ]
    )
    targets, media, audit = [], [], []
    now = timezone.now()
    source = f"“{job.file_name}”" if job.file_name else "the API"
    for plan, post in zip(plans, posts, strict=True):
        for account in plan.accounts:
            targets.append(
                PostTarget(
                    post=post,
                    account=account,
                    text=plan.variants.get(account.pk, plan.text),
                    options=plan.options.get(account.pk, {}),
                    state=state,
                    due_at=plan.when,
                )
            )
        media.extend(PostMedia(post=post, asset=asset, order=i) for i, asset in enumerate(plan.media))
        common = {"workspace": workspace, "actor": user, "subject_type": "posts.post", "subject_id": str(post.pk)}
        audit.append(
            AuditEvent(
                **common,
                verb="post.created",
                message=f"Wrote a post for {brand} (import #{job.pk} from {source}, row {plan.number})"[:500],
                data={"accounts": len(plan.accounts), "import": job.pk, "row": plan.number},
                created_at=now,
            )
        )
        when = _when_text(plan.when, brand)
        slot = " (next free slot)" if plan.from_slot else ""
        if checker.needs_approval:
            audit.append(
                AuditEvent(
                    **common,
                    verb="post.submitted",
                    message=f"Submitted for approval, for {when}{slot}",
                    data={},
                    created_at=now,
                )
            )
        else:
            audit.append(
                AuditEvent(
                    **common, verb="post.scheduled", message=f"Scheduled for {when}{slot}", data={}, created_at=now
                )
            )
    PostTarget.objects.bulk_create(targets)
    PostMedia.objects.bulk_create(media)
    AuditEvent.objects.bulk_create(audit)
    # Each row gets its post (one statement sent many times: Django's bulk_update builds a
    # CASE per row, several times slower here)
    marks = []
    for plan, post in zip(plans, posts, strict=True):
        row = rows[plan.number]
        row.post, row.status = post, BulkImportRow.Status.IMPORTED
        marks.append((post.pk, BulkImportRow.Status.IMPORTED.value, row.pk))
    table = connection.ops.quote_name(BulkImportRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET post_id = %s, status = %s WHERE id = %s", marks)  # noqa: S608 (our table)
    if checker.needs_approval and checker.webhooks:
        for post in posts:
            events.post_needs_approval(post)
    return len(posts)


def _write_all(checker: Checker, job: BulkImport, plans: list[Plan], rows: dict[int, BulkImportRow], progress) -> None:
    done = 0
    for start in range(0, len(plans), CHUNK):
        chunk = plans[start : start + CHUNK]
        try:
            with transaction.atomic():
                _write(checker, job, chunk, rows)
        except Exception:
            logger.exception("Import %s: a chunk of rows failed; writing them one by one", job.pk)
            for plan in chunk:
                try:
                    with transaction.atomic():
                        _write(checker, job, [plan], rows)
                except Exception as error:
                    logger.exception("Import %s: row %s could not be saved", job.pk, plan.number)
                    row = rows[plan.number]
                    row.status = BulkImportRow.Status.ERROR
                    row.messages = [_msg("row", f"This row could not be saved ({type(error).__name__}); try it again.")]
                    BulkImportRow.objects.filter(pk=row.pk, post__isnull=True).update(
                        status=row.status, messages=row.messages
                    )
        done += len(chunk)
        progress(done)


# --- the job ------------------------------------------------------------------------------------


def membership_for(job: BulkImport) -> Membership:
    membership = Membership.objects.filter(workspace=job.workspace, user=job.uploaded_by).select_related("user").first()
    if membership is None:
        raise PermissionDenied("The person who uploaded this file is no longer a member of the workspace.")
    for right, what in (("write_posts", "write posts"), ("schedule_posts", "schedule posts")):
        if not membership.can(right):
            raise PermissionDenied(f"{membership.get_role_display()}s cannot {what}, so they cannot import posts.")
    return membership


def claim(job_id: int) -> BulkImport | None:
    """The import, now ours for a while; None when it is done or another worker has it."""
    now = timezone.now()
    with transaction.atomic():
        job = (
            BulkImport.objects.select_for_update(of=("self",))
            .select_related("workspace", "brand", "uploaded_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status in (BulkImport.Status.DONE, BulkImport.Status.FAILED):
            return None
        if job.status == BulkImport.Status.RUNNING and job.locked_until and job.locked_until > now:
            return None
        job.status, job.locked_until = BulkImport.Status.RUNNING, now + LEASE
        job.started_at = job.started_at or now
        job.save(update_fields=["status", "locked_until", "started_at"])
    return job


def run(job_id: int) -> BulkImport | None:
    """Check (and, unless a dry run, import) the rows of an import. Safe to run twice."""
    job = claim(job_id)
    if job is None:
        return None

    def progress(done: int, phase: str | None = None) -> None:
        changes = {"done_rows": done, "locked_until": timezone.now() + LEASE}
        if phase:
            changes["phase"] = phase
        BulkImport.objects.filter(pk=job.pk).update(**changes)

    try:
        membership = membership_for(job)
        parsed = parsed_content(job)
    except (PermissionDenied, FileError, ValueError) as error:
        _finish(job, error=str(error) or "This file cannot be read.")
        return job
    try:
        _check_and_write(job, membership, parsed, progress)
    except Exception:
        # (a time limit, the database gone for good...): the rows imported so far are posts,
        # the others are not; the page says so rather than "running" for ever
        logger.exception("Import %s stopped", job.pk)
        if not job.dry_run:
            BulkImportRow.objects.filter(job=job, status=BulkImportRow.Status.OK, post__isnull=True).update(
                status=BulkImportRow.Status.ERROR,
                messages=[_msg("row", "Not imported: the import stopped before this row. Upload it again.")],
            )
        _finish(
            job,
            error="The import stopped before the end: the rows marked Imported are posts, the others are not. "
            "Download the rows with errors and upload that file again.",
        )
        return job
    _finish(job)
    if not job.dry_run:
        _tell_approvers(job)
    return job


def _check_and_write(job: BulkImport, membership, parsed: Parsed, progress) -> None:
    imported = dict(BulkImportRow.objects.filter(job=job, post__isnull=False).values_list("number", "pk"))
    todo = [(n, cells) for n, cells in parsed.rows if n not in imported]
    parsed_todo = Parsed(
        header=parsed.header, columns=parsed.columns, rows=todo, notes=parsed.notes, problems=parsed.problems
    )
    notes = list(parsed.notes)
    if job.brand.paused:
        notes.append(f"{job.brand} is paused: its posts are held, and go out only once it is resumed.")
    BulkImport.objects.filter(pk=job.pk).update(total_rows=len(parsed.rows), notes=notes, phase="checking", done_rows=0)
    checker = Checker(job.workspace, job.brand, membership, store_media=not job.dry_run, job=job)
    checker.webhooks = _has_webhooks(job.workspace)
    results = check_all(checker, parsed_todo, progress=lambda n: progress(n))
    # Rows are stored before anything is written: each post is tied to its row.
    BulkImportRow.objects.filter(job=job, post__isnull=True).delete()
    rows = BulkImportRow.objects.bulk_create(
        [
            BulkImportRow(
                job=job,
                number=r.number,
                cells=r.cells,
                status=BulkImportRow.Status.OK if r.ok else BulkImportRow.Status.ERROR,
                messages=r.messages,
                warnings=r.warnings,
                scheduled_at=r.plan.when if r.ok else None,
                from_slot=bool(r.ok and r.plan.from_slot),
            )
            for r in results
        ],
        batch_size=1000,
    )
    ok = sum(1 for r in results if r.ok)
    BulkImport.objects.filter(pk=job.pk).update(ok_rows=ok + len(imported), error_rows=len(results) - ok)
    if not job.dry_run:
        plans = [r.plan for r in results if r.ok]
        progress(0, "importing")
        _write_all(checker, job, plans, {row.number: row for row in rows}, progress)
    job.needs_approval = checker.needs_approval


def _has_webhooks(workspace) -> bool:
    from smm.models_api import WebhookEndpoint

    return WebhookEndpoint.objects.filter(workspace=workspace, active=True).exists()


def _finish(job: BulkImport, error: str = "") -> None:
    job.refresh_from_db(fields=["total_rows", "notes", "media_map"])  # (written by updates meanwhile)
    counts = dict(BulkImportRow.objects.filter(job=job).order_by().values_list("status").annotate(n=Count("id")))
    imported = counts.get(BulkImportRow.Status.IMPORTED, 0)
    job.status = BulkImport.Status.FAILED if error else BulkImport.Status.DONE
    job.error = error
    job.ok_rows = counts.get(BulkImportRow.Status.OK, 0) + imported
    job.error_rows = counts.get(BulkImportRow.Status.ERROR, 0)
    job.imported_rows = imported
    job.finished_at = timezone.now()
    job.locked_until = None
    job.phase = ""
    job.save(
        update_fields=[
            "status",
            "error",
            "ok_rows",
            "error_rows",
            "imported_rows",
            "finished_at",
            "locked_until",
            "phase",
        ]
    )
    if not job.dry_run and imported:
        source = f"“{job.file_name}”" if job.file_name else "the API"
        AuditEvent.objects.create(
            workspace=job.workspace,
            actor=job.uploaded_by,
            verb="posts.imported",
            subject_type="posts.bulkimport",
            subject_id=str(job.pk),
            message=f"Imported {imported} post{'s' if imported != 1 else ''} for {job.brand} from {source}"[:500],
            data={"rows": job.total_rows, "errors": job.error_rows},
        )


def _tell_approvers(job: BulkImport) -> None:
    """One notice per approver for the whole import (not one per post)."""
    if not getattr(job, "needs_approval", False) or not job.imported_rows:
        return
    from posts.notifications import APPROVAL_EMAILS, _hand_to_worker

    roles = [role for role in Role if role_can(role, "approve_posts")]
    users = [
        m.user
        for m in Membership.objects.filter(workspace=job.workspace, role__in=roles)
        .exclude(user=job.uploaded_by)
        .select_related("user")
        if m.user.is_active
    ]
    if not users:
        return
    kind = Notification.Kind.APPROVAL_REQUESTED
    opted_out = set(
        UserProfile.objects.filter(user__in=users, **{APPROVAL_EMAILS[kind][1]: False}).values_list(
            "user_id", flat=True
        )
    )
    who = job.uploaded_by.get_full_name() or job.uploaded_by.get_username()
    count = job.imported_rows
    text = f"{who} imported {count} post{'s' if count != 1 else ''} for {job.brand} that wait for your approval."
    url = reverse("posts:list", kwargs={"ws": job.workspace.slug}) + "?status=pending_approval"
    notices = Notification.objects.bulk_create(
        [
            Notification(
                workspace=job.workspace,
                user=user,
                kind=kind,
                text=text,
                url=url,
                email=Notification.Email.PENDING
                if user.email and user.pk not in opted_out
                else Notification.Email.NONE,
            )
            for user in users
        ]
    )
    to_email = [n.pk for n in notices if n.email == Notification.Email.PENDING]
    if to_email:
        _hand_to_worker(to_email)


# --- starting one -------------------------------------------------------------------------------


def may_import(membership) -> bool:
    return membership.can("write_posts") and membership.can("schedule_posts")


def start(
    workspace,
    brand,
    membership,
    *,
    content: str,
    file_name: str,
    dry_run: bool,
    source=BulkImport.Source.CSV,
    checked_by=None,
    in_background: bool = True,
) -> BulkImport:
    """A new import, handed to a worker once committed (unless the caller runs it itself)."""
    if not may_import(membership):
        raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot import posts.")
    if brand.workspace_id != workspace.pk:
        raise ValidationError({"brand": ["That brand is not in this workspace."]})
    job = BulkImport.objects.create(
        workspace=workspace,
        brand=brand,
        uploaded_by=membership.user,
        source=source,
        file_name=file_name[:255],
        content=content,
        dry_run=dry_run,
        checked_by=checked_by,
    )
    if in_background:
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def as_json(job: BulkImport, rows: str = "all") -> dict:
    """An import and (once finished) its rows' results, as the API answers: each row's
    errors keyed by column (``row`` for the row as a whole)."""
    data = {
        "id": job.pk,
        "brand": job.brand_id,
        "dry_run": job.dry_run,
        "status": job.status,
        "phase": job.phase,
        "error": job.error,
        "notes": job.notes,
        "total_rows": job.total_rows,
        "done_rows": job.done_rows,
        "ok_rows": job.ok_rows,
        "error_rows": job.error_rows,
        "imported_rows": job.imported_rows,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }
    if job.finished and rows != "none":
        found = job.rows.order_by("number")
        if rows == "errors":
            found = found.filter(status=BulkImportRow.Status.ERROR)
        data["rows"] = []
        for row in found.values("number", "status", "messages", "warnings", "scheduled_at", "from_slot", "post_id"):
            errors: dict[str, list[str]] = {}
            for message in row["messages"]:
                errors.setdefault(message["field"], []).append(message["message"])
            data["rows"].append(
                {
                    "row": row["number"],
                    "status": row["status"],
                    "errors": errors,
                    "warnings": row["warnings"],
                    "scheduled_at": row["scheduled_at"],
                    "next_free_slot": row["from_slot"],
                    "post": row["post_id"],
                }
            )
    return data


def enqueue(job_id: int) -> None:
    from posts.tasks import run_bulk_import

    try:
        run_bulk_import.delay(job_id)
    except Exception:  # the broker is away: the page offers to start it again
        logger.exception("Could not hand import %s to a worker", job_id)
