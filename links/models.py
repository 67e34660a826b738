"""Tracked short links, their click log and the UTM presets applied at publish time.

A ``TrackedLink`` is one destination URL of one published target, served by SMM itself at
``/<SHORT_LINK_PREFIX>/<code>``; each visit through it is a ``Click`` row carrying the click
id that was appended to the destination (the key conversions will join on). A visitor's
address is never stored: only a hash salted per day, for unique counts.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse

from posts.models import Campaign, PostTarget
from smm.crypto import EncryptedJSONField
from smm.models import Brand, TenantQuerySet, Workspace

# Short codes: 8 characters of 62 (2e14 codes): distinct per target, not enumerable.
CODE_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_click_id() -> str:
    """The id appended to a destination (``smm_cid``): 16 URL-safe characters, 96 bits."""
    return secrets.token_urlsafe(12)


class UtmPreset(models.Model):
    """UTM values and link options at one level: the workspace (no brand, no campaign), a
    brand, or a campaign. A blank value inherits from the level above (campaign -> brand ->
    workspace -> built-in defaults); ``-`` leaves that parameter out. Values may use
    ``{network}``, ``{brand}``, ``{campaign}``, ``{post}``, ``{target}``, ``{account}``."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="utm_presets")
    brand = models.OneToOneField(Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="utm_preset")
    campaign = models.OneToOneField(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="utm_preset"
    )
    # None: as the level above
    add_utm = models.BooleanField(null=True, blank=True, help_text="Add UTM parameters to the post's links")
    short_links = models.BooleanField(
        null=True, blank=True, help_text="Serve links through SMM's own short links and count clicks"
    )
    override_existing = models.BooleanField(
        null=True, blank=True, help_text="Replace UTM parameters a link already carries"
    )
    source = models.CharField("utm_source", max_length=100, blank=True)
    medium = models.CharField("utm_medium", max_length=100, blank=True)
    campaign_name = models.CharField("utm_campaign", max_length=100, blank=True)
    content = models.CharField("utm_content", max_length=100, blank=True)
    term = models.CharField("utm_term", max_length=100, blank=True)
    # Extra query keys added to each link ({"ref": "social"}); "-" removes an inherited key
    custom = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"],
                condition=models.Q(brand__isnull=True, campaign__isnull=True),
                name="utm_preset_one_per_workspace",
            ),
            models.CheckConstraint(
                condition=~models.Q(brand__isnull=False, campaign__isnull=False), name="utm_preset_one_level"
            ),
        ]

    def __str__(self):
        return f"UTM preset for {self.campaign or self.brand or self.workspace}"

    @property
    def level(self) -> str:
        return "campaign" if self.campaign_id else "brand" if self.brand_id else "workspace"


class TrackedLinkQuerySet(TenantQuerySet):
    def with_counts(self):
        """Human clicks (bots left out) and unique visitors: the visitor hash changes
        every day, so distinct hashes are visitors per day, summed over the days."""
        human = models.Q(clicks__is_bot=False)
        return self.annotate(
            click_count=models.Count("clicks", filter=human),
            unique_count=models.Count("clicks__visitor", filter=human, distinct=True),
        )


class TrackedLink(models.Model):
    """One destination of one target, served at its own short code."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="tracked_links")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="tracked_links")
    target = models.ForeignKey(
        PostTarget, null=True, blank=True, on_delete=models.SET_NULL, related_name="tracked_links"
    )
    code = models.CharField(max_length=16, unique=True, default=new_code)
    # The URL as written in the post, and where the link leads now (UTM added; re-pointable)
    original_url = models.URLField(max_length=2000)
    destination = models.URLField(max_length=2000)
    paused = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrackedLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["target", "original_url"], name="one_link_per_target_url"),
        ]
        indexes = [models.Index(fields=["brand", "-created_at"], name="link_brand_recent_idx")]

    def __str__(self):
        return f"{self.short_url} -> {self.destination}"

    @property
    def short_url(self) -> str:
        return short_url(self.code)


def short_url(code: str) -> str:
    """The absolute short URL: on SHORT_LINK_DOMAIN when set, else on SITE_URL."""
    path = reverse("links_public:redirect", kwargs={"code": code})
    domain = settings.SHORT_LINK_DOMAIN or settings.SITE_URL
    base = domain if "://" in domain else f"https://{domain}"
    return f"{base.rstrip('/')}{path}"


class Device(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"
    DESKTOP = "desktop", "Desktop"
    BOT = "bot", "Bot"
    OTHER = "other", "Other"


class Click(models.Model):
    """One visit through a short link. No address, no user agent: a per-day salted hash
    (``visitor``) stands for the visitor, for unique counts within a day."""

    link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE, related_name="clicks")
    at = models.DateTimeField()
    click_id = models.CharField(max_length=32, unique=True)
    referrer_host = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=2, blank=True)
    device = models.CharField(max_length=10, choices=Device.choices, default=Device.OTHER)
    is_bot = models.BooleanField(default=False)
    visitor = models.CharField(max_length=32, blank=True)

    tenant_path = "link__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["link", "at"], name="click_link_at_idx")]

    def __str__(self):
        return f"{self.link_id} at {self.at:%Y-%m-%d %H:%M}"


class ClickLoss(models.Model):
    """Clicks that were redirected but could not be stored (neither the buffer nor the
    database answered), per workspace and day: shown on the operations page, never silent."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "day"], name="click_loss_per_day")]


# --- campaign ROI: money settings, conversions, spend ----------------------------------------

CURRENCY_HELP = "ISO 4217 code (EUR, USD, GBP...): every amount of this workspace is in it; nothing is converted"


class FiguresSource(models.TextChoices):
    SMM = "smm", "SMM conversions (signed API and CSV)"
    GA4 = "ga4", "Google Analytics 4"


class RoiSettings(models.Model):
    """A workspace's money settings: its one currency, the attribution window, and the secret
    that signs conversions sent to SMM (shown once when made, rotatable)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="roi_settings")
    currency = models.CharField(max_length=3, default="EUR", help_text=CURRENCY_HELP)
    attribution_days = models.PositiveSmallIntegerField(
        default=30, help_text="A conversion is credited to the last tracked click at most this many days before it"
    )
    secret = EncryptedJSONField(help_text="{'key': ...}: signs conversions sent to SMM")
    secret_made_at = models.DateTimeField(null=True, blank=True)
    figures_from = models.CharField(
        "Revenue and conversions from",
        max_length=3,
        default=FiguresSource.SMM,
        choices=FiguresSource.choices,
        help_text="Google Analytics 4: a campaign's conversions, revenue, ROAS, ROI and CPA use GA4's key events "
        "and purchase revenue instead of SMM's own conversions (never both: no double counting)",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    def __str__(self):
        return f"Money settings of {self.workspace}"

    @property
    def signing_secret(self) -> str:
        return self.secret.get("key", "")


class ConversionSource(models.TextChoices):
    API = "api", "Signed API call"
    CSV = "csv", "CSV import"
    GA4 = "ga4", "Google Analytics 4"


class Conversion(models.Model):
    """One order (or lead) credited, when it can be, to the last tracked click within the
    attribution window (its link, target and campaign), else to a campaign by utm_campaign.
    ``order_id`` is unique per workspace: a replayed order is counted once."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversions")
    order_id = models.CharField(max_length=200)
    click = models.ForeignKey(Click, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversions")
    link = models.ForeignKey(TrackedLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversions")
    target = models.ForeignKey(PostTarget, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversions")
    click_ref = models.CharField("click id sent", max_length=64, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=ConversionSource.choices)
    # How it was credited, in words ("click abc within 30 days", "utm_campaign spring-sale", ...)
    attribution = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["workspace", "order_id"], name="conversion_order_once")]
        indexes = [models.Index(fields=["campaign", "occurred_at"], name="conversion_campaign_idx")]

    def __str__(self):
        return f"{self.order_id}: {self.value} {self.currency}"


class SpendSource(models.TextChoices):
    MANUAL = "manual", "Typed in"
    CSV = "csv", "CSV import"


class Spend(models.Model):
    """Money spent on a campaign on a day (ads, boosts, agency hours...), in the workspace's currency."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="spend_entries")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="spend_entries")
    date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=8, choices=SpendSource.choices, default=SpendSource.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.campaign_id} {self.date}: {self.amount}"


# --- Google Analytics 4 (optional): the workspace's connection and the pulled figures -----------


class Ga4Connection(models.Model):
    """One GA4 property a workspace reads campaign sessions, key events and revenue from, with
    the service-account key that may read it. The key is encrypted at rest, never logged and
    never shown back: only its ``client_email`` and when it was added."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="ga4_connection")
    property_id = models.CharField(max_length=20, help_text="Digits, from GA4 Admin > Property details")
    key = EncryptedJSONField(help_text="The service account's JSON key")
    client_email = models.CharField(max_length=254, blank=True)
    key_added_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    # The last pull, in words ("1,234 rows for 3 May–4 May 2026" or what Google refused and why)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_pull_ok = models.BooleanField(null=True, blank=True)
    last_result = models.CharField(max_length=500, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Days up to this one were pulled once and are settled; the last few days are pulled again
    pulled_through = models.DateField(null=True, blank=True)
    # Rate limited or Google unreachable: not tried again before this moment
    retry_after = models.DateTimeField(null=True, blank=True)
    # The property's time zone (runReport's metadata.timeZone, stored at each pull): GA4's days
    # are its days, said beside GA4's figures when they are not the workspace's
    time_zone = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    def __str__(self):
        return f"GA4 property {self.property_id} of {self.workspace}"


class Ga4Row(models.Model):
    """GA4's figures for one day, one session campaign and one session source, as GA4 reports
    them. ``campaign`` is the SMM campaign the name matched (as ``links.roi.campaign_for_utm``
    matches utm_campaign); rows whose name matches none are kept with no campaign, and are
    matched again after each pull (a campaign made or renamed later picks them up)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="ga4_rows")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="ga4_rows")
    date = models.DateField()
    campaign_name = models.CharField(max_length=200)
    source = models.CharField(max_length=200)
    sessions = models.PositiveIntegerField(default=0)
    key_events = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    pulled_at = models.DateTimeField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "campaign_name", "source"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "date", "campaign_name", "source"], name="ga4_row_once"),
        ]
        indexes = [models.Index(fields=["campaign", "date"], name="ga4_row_campaign_idx")]

    def __str__(self):
        return f"{self.date} {self.campaign_name}/{self.source}: {self.sessions} sessions"
