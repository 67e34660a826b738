"""The campaign page (budget, spend vs budget, funnel, figures with their definitions, per
network and per post, spend entries, conversions), its forms, the order import and the
workspace's money settings (currency, attribution window, conversion secret)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from links import ga4, ga4_views, roi
from links.models import Conversion, FiguresSource, RoiSettings, Spend
from posts import roi_definitions as d
from posts.models import Campaign
from smm.request_input import get_id
from smm.tenancy import scoped, scoped_or_404, workspace_view


class SpendForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.CharField(max_length=20, help_text="In the workspace's currency, e.g. 120.50")
    note = forms.CharField(max_length=200, required=False)


class BudgetForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["budget"]
        help_texts = {"budget": "In the workspace's currency; blank: no budget"}


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file")


class MoneySettingsForm(forms.ModelForm):
    class Meta:
        model = RoiSettings
        fields = ["currency", "attribution_days", "figures_from"]
        widgets = {"figures_from": forms.RadioSelect}

    def clean_currency(self):
        value = self.cleaned_data["currency"].strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise ValidationError("Give a three-letter ISO 4217 code, like EUR or USD.")
        before = self.instance.currency
        if value != before:
            workspace = self.instance.workspace
            if Conversion.objects.for_workspace(workspace).exists() or Spend.objects.for_workspace(workspace).exists():
                raise ValidationError(
                    f"This workspace already holds conversions or spend in {before}; SMM converts nothing, "
                    "so the currency cannot change once amounts are recorded."
                )
        return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Absent from a post (a form or script from before the choice existed): unchanged
        self.fields["figures_from"].required = False

    def clean_figures_from(self):
        value = self.cleaned_data["figures_from"] or self.instance.figures_from
        if value == FiguresSource.GA4 and ga4.connection_for(self.instance.workspace) is None:
            raise ValidationError("Connect a Google Analytics 4 property below first.")
        return value

    def clean_attribution_days(self):
        value = self.cleaned_data["attribution_days"]
        if not 1 <= value <= 365:
            raise ValidationError("Between 1 and 365 days.")
        return value


def _shown(row: dict, currency: str) -> dict:
    keys = [key for key, _, _ in d.FIGURES]
    return {key: d.display(key, row.get(key), currency) for key in keys}


@workspace_view("view_analytics")
def campaign(request, ws, campaign_id, *, spend_form=None, budget_form=None, upload_errors=None):
    item = scoped_or_404(request, Campaign, pk=campaign_id)
    settings = roi.settings_for(request.workspace)
    currency = settings.currency
    row = roi.campaign_rows(request.workspace, campaign_ids=[item.pk])[0]
    cost = row["cost"] or Decimal("0")
    budget_share = None
    if item.budget:
        budget_share = min(100, int(cost * 100 / item.budget)) if item.budget > 0 else None
    funnel = [
        ("Impressions", d.display("clicks", row["impressions"]), None),
        ("Clicks", d.display("clicks", row["clicks"]), ("CTR", d.display("own_ctr", row["own_ctr"]))),
        (
            "Conversions",
            d.display("conversions", row["conversions"]),
            ("Conversion rate", d.display("conversion_rate", row["conversion_rate"])),
        ),
        ("Revenue", d.display("revenue", row["revenue"], currency), None),
    ]
    figures_from_ga4 = settings.figures_from == FiguresSource.GA4
    # The formulas stay; with GA4 chosen their inputs are GA4's, and the words say so
    figures = [
        {"key": key, "label": label, "definition": text, "value": d.display(key, row.get(key), currency)}
        for key, label, text in d.figures_for(settings.figures_from)
    ]
    can_manage = request.membership.can("manage_brands")
    context = {
        "campaign": item,
        "row": row,
        "currency": currency,
        "cost": cost,
        "budget_share": budget_share,
        "over_budget": bool(item.budget is not None and cost > item.budget),
        "funnel": funnel,
        "figures": figures,
        "networks": [{**r, "shown": _shown(r, currency)} for r in roi.breakdown(request.workspace, item, "network")],
        "posts": [{**r, "shown": _shown(r, currency)} for r in roi.breakdown(request.workspace, item, "post")],
        "spend": scoped(request, Spend).filter(campaign=item)[:100],
        "conversions": scoped(request, Conversion).filter(campaign=item).select_related("target__account")[:100],
        "rule": roi.attribution_rule(settings),
        "figures_from_ga4": figures_from_ga4,
        **_ga4_figures(request.workspace, item, currency),
        "can_manage": can_manage,
        "spend_form": spend_form or SpendForm(),
        "budget_form": budget_form or BudgetForm(instance=item),
        "upload_form": UploadForm(),
        "upload_errors": upload_errors,
    }
    status = 400 if (spend_form is not None or budget_form is not None) else 200
    return render(request, "links/campaign.html", context, status=status)


def _ga4_figures(workspace, item, currency: str) -> dict:
    """Google Analytics 4's figures for the campaign, per session source, beside our own."""
    connection = ga4.connection_for(workspace)
    sources = ga4.by_source(workspace, item) if connection is not None else []
    total = {
        "sessions": sum(r["sessions"] for r in sources),
        "key_events": sum((r["key_events"] for r in sources), Decimal("0")),
        "revenue": sum((r["revenue"] for r in sources), Decimal("0")),
    }

    def shown(r):
        return {
            "sessions": d.display("clicks", r["sessions"]),
            "key_events": d.display("clicks", r["key_events"]),
            "revenue": d.display("revenue", r["revenue"], currency),
        }

    return {
        "ga4": connection,
        "ga4_sources": [{**r, "shown": shown(r)} for r in sources],
        "ga4_total": shown(total),
        "ga4_definitions": ga4.DEFINITIONS,
        "ga4_days": ga4.days_note(connection, workspace),
    }


@require_POST
@workspace_view("manage_brands")
def spend_add(request, ws, campaign_id):
    item = scoped_or_404(request, Campaign, pk=campaign_id)
    form = SpendForm(request.POST)
    if form.is_valid():
        try:
            entry = roi.add_spend(request.workspace, item, form.cleaned_data)
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, f"Spend of {entry.amount} on {entry.date:%d %b %Y} added.")
            return redirect("links:campaign", ws=ws, campaign_id=item.pk)
    return campaign(request, ws, campaign_id, spend_form=form)


@require_POST
@workspace_view("manage_brands")
def spend_delete(request, ws, campaign_id):
    item = scoped_or_404(request, Campaign, pk=campaign_id)
    spend_id = get_id(request.POST, "spend")
    entry = scoped(request, Spend).filter(pk=spend_id, campaign=item).first() if spend_id is not None else None
    if entry is None:
        messages.error(request, "That spend entry is gone already.")
    else:
        entry.delete()
        messages.success(request, f"Spend of {entry.amount} on {entry.date:%d %b %Y} removed.")
    return redirect("links:campaign", ws=ws, campaign_id=item.pk)


@require_POST
@workspace_view("manage_brands")
def budget(request, ws, campaign_id):
    item = scoped_or_404(request, Campaign, pk=campaign_id)
    form = BudgetForm(request.POST, instance=item)
    if form.is_valid():
        if form.cleaned_data["budget"] is not None and form.cleaned_data["budget"] < 0:
            form.add_error("budget", "A budget cannot be negative.")
        else:
            form.save()
            messages.success(request, "Budget saved.")
            return redirect("links:campaign", ws=ws, campaign_id=item.pk)
    return campaign(request, ws, campaign_id, budget_form=form)


@require_POST
@workspace_view("manage_brands")
def spend_import(request, ws, campaign_id):
    item = scoped_or_404(request, Campaign, pk=campaign_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV file to upload.")
        return redirect("links:campaign", ws=ws, campaign_id=item.pk)
    try:
        result = roi.import_spend(request.workspace, form.cleaned_data["file"], campaign=item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("links:campaign", ws=ws, campaign_id=item.pk)
    messages.success(request, f"{result.imported} spend row{'s' if result.imported != 1 else ''} imported.")
    if result.errors:
        return campaign(request, ws, campaign_id, upload_errors=result.errors)
    return redirect("links:campaign", ws=ws, campaign_id=item.pk)


@workspace_view("manage_brands")
def orders_import(request, ws):
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = roi.import_orders(request.workspace, form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", " ".join(error.messages))
    return render(
        request,
        "links/orders_import.html",
        {"form": form, "result": result, "currency": roi.settings_for(request.workspace).currency},
        status=400 if request.method == "POST" and (form.errors or (result and result.errors)) else 200,
    )


@workspace_view("manage_brands")
def money(request, ws, *, ga4_form=None):
    """Currency, attribution window, where the money figures come from, the conversion secret
    (shown once after a rotation) and the Google Analytics 4 connection (links.ga4_views)."""
    if ga4_form is not None:  # the GA4 section was refused: the rest of the page as it stands
        settings = roi.settings_for(request.workspace)
        return render(
            request,
            "links/money.html",
            {
                "form": MoneySettingsForm(instance=settings),
                "settings": settings,
                "new_secret": None,
                "rule": roi.attribution_rule(settings),
                **ga4_views.section(request, ga4_form),
            },
            status=400,
        )
    settings = roi.settings_for(request.workspace)
    form = MoneySettingsForm(request.POST or None, instance=settings)
    new_secret = None
    if request.method == "POST" and request.POST.get("rotate") == "1":
        new_secret = roi.rotate_secret(request.workspace)
        form = MoneySettingsForm(instance=roi.settings_for(request.workspace))
        messages.success(request, "A new conversion secret was made: copy it now, it is shown once.")
    elif request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Money settings saved.")
        return redirect("links:money", ws=ws)
    return render(
        request,
        "links/money.html",
        {
            "form": form,
            "settings": settings,
            "new_secret": new_secret,
            "rule": roi.attribution_rule(settings),
            **ga4_views.section(request),
        },
    )
