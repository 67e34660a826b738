"""Analytics pages: the brand/workspace KPI dashboard, the agency overview, exports
(CSV, PDF) and weekly report subscriptions. Thin: figures come from kpis/charts."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from analytics import charts, definitions, exports, filters, frames, kpis, money, pdf, reports
from analytics.models import ReportSubscription
from analytics.periods import PERIOD_KINDS, PeriodError, parse_period
from posts.models import PostMedia
from smm.models import Brand, Membership
from smm.platforms import registry
from smm.request_input import get_id
from smm.tenancy import scoped, scoped_or_404, workspace_view


class Filters:
    """What the URL asks for: period, brand, network. Invalid values are explained, not fatal."""

    def __init__(self, request, *, allow_brand=True):
        self.request = request
        self.workspace = request.workspace
        self.errors: list[str] = []
        self.brands = list(scoped(request, Brand))
        self.brand = None
        chosen = request.GET.get("brand", "").strip() if allow_brand else ""
        if chosen:
            # one brand at most here; picked from the workspace's brands read above
            try:
                self.brand = filters.chosen_brands([chosen], self.brands)[0]
            except filters.FilterProblem:
                raise Http404("No such brand") from None
        self.network = request.GET.get("network", "")
        try:
            filters.chosen_networks([self.network])
        except filters.FilterProblem as problem:
            self.errors.append(problem.explained)
            self.network = ""
        try:
            self.period = filters.chosen_period(request.GET, self.workspace.tz)
        except filters.FilterProblem as problem:
            self.errors.append(problem.explained)
            self.period = filters.chosen_period({}, self.workspace.tz)

    @property
    def brand_ids(self) -> list[int]:
        return [self.brand.pk] if self.brand else [b.pk for b in self.brands]

    def scope(self, by="network") -> kpis.Scope:
        return kpis.Scope(
            workspace=self.workspace, brand_ids=self.brand_ids, networks=[self.network] if self.network else None, by=by
        )

    def params(self, **override) -> dict:
        params = dict(self.period.query())
        if self.brand:
            params["brand"] = str(self.brand.pk)
        if self.network:
            params["network"] = self.network
        params.update({k: v for k, v in override.items() if v is not None})
        return {k: v for k, v in params.items() if v != ""}

    def query(self, **override) -> str:
        return urlencode(self.params(**override))

    def period_query(self, period) -> str:
        params = {k: v for k, v in self.params().items() if k not in ("period", "week", "start", "end")}
        params.update(period.query())
        return urlencode(params)

    @property
    def title(self) -> str:
        return self.brand.name if self.brand else f"All brands of {self.workspace.name}"


def _previews(entries) -> list[dict]:
    """Top/bottom posts with a thumbnail and their figures."""
    post_ids = [entry.post_id for entry in entries]
    thumbs = {}
    for row in PostMedia.objects.filter(post_id__in=post_ids).select_related("asset").order_by("order", "id"):
        asset = row.asset
        thumbs.setdefault(row.post_id, (asset.thumbnail or asset.file).url if (asset.thumbnail or asset.file) else "")
    previews = []
    for entry in entries:
        rate = definitions.post_rate(entry.engagements, entry.impressions)
        previews.append(
            {
                "entry": entry,
                "text": (entry.target.text or entry.post.text).strip(),
                "thumb": thumbs.get(entry.post_id, ""),
                "rate": frames.format_value(rate, "rate"),
                "engagements": frames.format_value(entry.engagements, "count"),
                "impressions": frames.format_value(entry.impressions, "count"),
                "network": entry.network,
                "network_label": registry.label(entry.network),
            }
        )
    return previews


def dashboard_context(request, filters: Filters) -> dict:
    scope = filters.scope()
    board = kpis.compute(scope, filters.period)
    top, bottom = kpis.top_and_bottom_posts(scope, filters.period, limit=5)
    bottom = [e for e in bottom if e not in top]
    previews = _previews([*top, *bottom])
    return {
        "filters": filters,
        "period": filters.period,
        "previous": filters.period.previous(),
        "board": board,
        "tiles": board.tiles(),
        "network_rows": board.network_rows(),
        "charts": charts.dashboard_charts(scope, filters.period),
        "top_posts": previews[: len(top)],
        "bottom_posts": previews[len(top) :],
        "period_kinds": PERIOD_KINDS,
        "networks": registry.choices_by_label(),
        "query": filters.query(),
        "prev_query": filters.period_query(filters.period.previous()),
        "next_query": filters.period_query(filters.period.next()),
        "columns": board.table_columns(),
        "period_params": urlencode(filters.period.query()),
        "plotly_js": settings.PLOTLY_JS,  # the static path of the plotly.js bundle
        "money": money.campaign_money(
            filters.workspace,
            start=filters.period.start_at,
            end=filters.period.end_at,
            brand_ids=[filters.brand.pk] if filters.brand else None,
        ),
    }


@workspace_view("view_analytics")
def dashboard(request, ws):
    filters = Filters(request)
    for error in filters.errors:
        messages.warning(request, error)
    return render(request, "analytics/dashboard.html", dashboard_context(request, filters))


@workspace_view("view_analytics")
def overview(request, ws):
    """Agency overview: every brand of this workspace, then every workspace of the user."""
    filters = Filters(request, allow_brand=False)
    for error in filters.errors:
        messages.warning(request, error)
    board = kpis.compute(filters.scope(by="brand"), filters.period)
    labels = {b.pk: b.name for b in filters.brands}
    brand_rows = board.network_rows(labels)
    for row in brand_rows:
        row["brand"] = next((b for b in filters.brands if b.pk == row["network"]), None)
    measured = [b for b in filters.brands if b.pk in board.table.index]
    comparison = charts.brand_comparison(
        [
            {
                "name": brand.name,
                "colour": brand.colour,
                "engagements": board.figure("engagements", brand.pk),
                "previous_engagements": board.figure("engagements", brand.pk, "prev"),
                "engagement_rate": board.figure("engagement_rate", brand.pk),
            }
            for brand in measured
        ]
    )
    workspaces = []
    memberships = [m for m in Membership.objects.for_user(request.user) if m.can("view_analytics")]
    for membership in memberships if len(memberships) > 1 else []:
        other = membership.workspace
        if other.pk == request.workspace.pk:
            # The by-brand table's total row is this workspace's total: no second computation.
            workspaces.append(
                {"workspace": other, "period": filters.period, "tiles": board.tiles(), "brands": len(filters.brands)}
            )
            continue
        try:
            period = parse_period(request.GET, other.tz)
        except PeriodError:
            period = parse_period({}, other.tz)
        brand_ids = list(Brand.objects.for_workspace(other).values_list("pk", flat=True))
        total = kpis.compute(kpis.Scope(workspace=other, brand_ids=brand_ids), period)
        workspaces.append({"workspace": other, "period": period, "tiles": total.tiles(), "brands": len(brand_ids)})
    return render(
        request,
        "analytics/overview.html",
        {
            "filters": filters,
            "period": filters.period,
            "previous": filters.period.previous(),
            "board": board,
            "brand_rows": brand_rows,
            "headline": [t for t in board.tiles() if t["key"] in HEADLINE],
            "workspaces": workspaces,
            "period_kinds": PERIOD_KINDS,
            "query": filters.query(),
            "prev_query": filters.period_query(filters.period.previous()),
            "next_query": filters.period_query(filters.period.next()),
            "columns": board.table_columns(),
            "period_params": urlencode(filters.period.query()),
            "headline_keys": HEADLINE,
            "charts": {"brands": comparison},
            "plotly_js": settings.PLOTLY_JS,
        },
    )


HEADLINE = ("impressions", "engagements", "engagement_rate", "follower_growth", "posts_published")


def _slug(filters: Filters) -> str:
    who = f"brand-{filters.brand.pk}" if filters.brand else filters.workspace.slug
    return f"{who}_{filters.period.start.isoformat()}_{filters.period.end.isoformat()}"


@workspace_view("view_analytics")
def export_figures(request, ws):
    filters = Filters(request)
    board = kpis.compute(filters.scope(), filters.period)
    rows = exports.figure_rows(board.table, kpis.KPI_DEFINITIONS, filters.period, filters.period.previous())
    return exports.csv_response(f"kpis_{_slug(filters)}.csv", exports.FIGURE_COLUMNS, rows, filters.workspace.tz)


@workspace_view("view_analytics")
def export_posts(request, ws):
    filters = Filters(request)
    values = kpis.post_metric_rows(filters.scope(), filters.period).values(*exports.POST_FIELDS)
    rows = exports.post_rows(values.iterator())
    return exports.csv_response(f"posts_{_slug(filters)}.csv", exports.POST_COLUMNS, rows, filters.workspace.tz)


@workspace_view("view_analytics")
def export_campaigns(request, ws):
    """The campaign money figures of the period (the dashboard card's rows, every column)."""
    filters = Filters(request)
    brand_ids = [filters.brand.pk] if filters.brand else None
    found = money.campaign_money(
        filters.workspace, start=filters.period.start_at, end=filters.period.end_at, brand_ids=brand_ids
    )
    rows = exports.money_rows(found["rows"] if found else [])
    return exports.csv_response(f"campaigns_{_slug(filters)}.csv", exports.MONEY_COLUMNS, rows, filters.workspace.tz)


@workspace_view("view_analytics")
def report(request, ws):
    """The dashboard as a printable report; ``?format=pdf`` returns it as a PDF file."""
    filters = Filters(request)
    context = dashboard_context(request, filters)
    context["generated_at"] = dt.datetime.now(filters.workspace.tz)
    if request.GET.get("format") != "pdf":
        context["plotly_src"] = None
        return render(request, "analytics/report.html", context)
    try:
        content = pdf.render_pdf("analytics/report.html", context, workspace_id=filters.workspace.pk)
    except pdf.PdfBusy as exc:
        busy = {"message": str(exc), "query": filters.query(), "retry_after": exc.retry_after}
        response = render(request, "analytics/pdf_busy.html", busy, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except pdf.PdfUnavailable as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('analytics:dashboard', kwargs={'ws': ws})}?{filters.query()}")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="report_{_slug(filters)}.pdf"'
    return response


# Every member who may read the figures (clients too) subscribes and unsubscribes
# themselves only: the subscriber is always the person logged in, never a posted field.


@workspace_view("view_analytics")
def subscriptions(request, ws):
    subs = scoped(request, ReportSubscription).filter(user=request.user).select_related("brand")
    return render(request, "analytics/subscriptions.html", {"subscriptions": subs, "brands": scoped(request, Brand)})


@require_POST
@workspace_view("view_analytics")
def subscribe(request, ws):
    brand_id = get_id(request.POST, "brand")
    brand = scoped_or_404(request, Brand, pk=brand_id) if brand_id else None
    if not request.user.email:
        messages.error(
            request, "Your account has no email address to send the report to. Ask whoever runs SMM to add one."
        )
        return redirect("analytics:subscriptions", ws=ws)
    _, created = ReportSubscription.objects.get_or_create(workspace=request.workspace, brand=brand, user=request.user)
    what = brand.name if brand else request.workspace.name
    if created:
        messages.success(
            request, f"You will get the weekly report of {what} every Monday morning ({request.workspace.time_zone})."
        )
    else:
        messages.info(request, f"You already get the weekly report of {what}.")
    return redirect("analytics:subscriptions", ws=ws)


@require_POST
@workspace_view("view_analytics")
def unsubscribe(request, ws, subscription_id):
    sub = scoped_or_404(request, ReportSubscription, pk=subscription_id, user=request.user)
    sub.delete()
    messages.success(request, "Unsubscribed from the weekly report.")
    return redirect("analytics:subscriptions", ws=ws)


# The link in each report email: no login, the signed token is the key. A GET only asks
# (mail scanners open links); the POST unsubscribes, from the page or straight from a
# mail program's one-click button, which sends no CSRF token.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_by_link(request, token):
    subscription_id = reports.subscription_id_from_token(token)
    if subscription_id is None:
        raise Http404("This unsubscribe link is not valid.")
    sub = ReportSubscription.objects.select_related("workspace", "brand", "user").filter(pk=subscription_id).first()
    context = {"sub": sub}
    if sub is not None:
        context["what"] = sub.brand.name if sub.brand_id else sub.workspace.name
        context["address"] = reports.masked_email(sub.user.email)
        if request.method == "POST":
            sub.delete()
            context["done"] = True
    return render(request, "analytics/unsubscribe.html", context)
