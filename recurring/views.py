"""Pages of repeating series and evergreen categories under /w/<ws>/recurring/. Thin:
every change is a recurring.actions / recurring.evergreen function."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from posts.forms import ComposerForm
from posts.media import store_upload
from posts.models import Post
from posts.views import _composer_context, _errors_onto
from recurring import actions, evergreen, rules
from recurring.forms import CategoryForm, RepeatForm
from recurring.models import Category, EvergreenEntry, Series
from smm.models import Brand
from smm.request_input import get_id
from smm.tenancy import require, scoped, scoped_or_404, workspace_view

X_DUPLICATES = (
    "X refuses a post whose text it has already seen: the same text every time may be refused there. "
    "Vary the text on X (edit a coming post by hand: the series keeps it), or leave X out."
)


def _summary(series: Series) -> str:
    return rules.summary(rules.recurrence_of(series.rule, series.starts_on, series.at, series.time_zone))


@workspace_view()
def series_list(request, ws):
    rows = [(s, _summary(s)) for s in scoped(request, Series).select_related("brand", "created_by")]
    return render(request, "recurring/series_list.html", {"rows": rows})


@workspace_view()
def series_detail(request, ws, series_id):
    series = get_object_or_404(scoped(request, Series).select_related("brand", "created_by"), pk=series_id)
    now = timezone.now()
    occurrences = list(series.occurrences.select_related("post"))
    upcoming = [o for o in occurrences if o.due_at > now and o.status in ("planned", "kept")]
    past = [o for o in occurrences if o.due_at <= now and o.status in ("planned", "kept")][::-1][:50]
    other = [o for o in occurrences if o.status not in ("planned", "kept")][::-1][:50]
    later = []
    if series.active:
        later = rules.next_dates(
            series.rule,
            series.starts_on,
            series.at,
            series.time_zone,
            after=max([now, *[o.due_at for o in occurrences]]),
            n=3,
        )
    return render(
        request,
        "recurring/series_detail.html",
        {
            "series": series,
            "summary": _summary(series),
            "upcoming": upcoming,
            "past": past,
            "other": other,
            "later": [f"{r.local:%a %d %b %Y, %H:%M} in {series.time_zone}" for _, r in later],
            "can_change": request.membership.can("schedule_posts") and series.stopped_at is None,
            "accounts": list(series.accounts.all()),
            "x_warning": X_DUPLICATES if series.accounts.filter(network="x").exists() else "",
        },
    )


def _repeat_or_errors(form, repeat_form, brand):
    """The Recurrence the two forms describe, or None with the errors put on the forms."""
    data = form.cleaned_data
    if not data.get("date") or not data.get("time"):
        form.add_error("date", "Pick the date and time of the first post of the series.")
        return None
    if not repeat_form.cleaned_data.get("repeat"):
        repeat_form.add_error("repeat", "Pick how often it repeats.")
        return None
    try:
        return rules.check(repeat_form.recurrence(data["date"], data["time"], brand.time_zone))
    except rules.RuleError as error:
        for key, message in error.errors.items():
            repeat_form.add_error(key if key in repeat_form.fields else None, message)
        return None


def _content(form) -> dict:
    data = form.cleaned_data
    return {
        "text": data["text"],
        "accounts": list(data["accounts"]),
        "variants": form.variants(),
        "options": form.target_options(),
        "link": data["link"],
        "media": list(data["media"]),
        "campaign": data["campaign"],
    }


@require_POST
@workspace_view("write_posts")
def series_new(request, ws):
    """The composer's "Save as repeating series" button posts the whole composer here."""
    data = request.POST.copy()
    upload_error = None
    if request.FILES.get("upload"):  # an image chosen in the composer goes to the library, as there
        try:
            asset = store_upload(
                request.workspace, request.FILES["upload"], alt_text=data.get("upload_alt", ""), user=request.user
            )
            data.appendlist("media", str(asset.pk))
            messages.info(request, f"{asset.original_name} was added to the media library.")
        except ValidationError as error:
            upload_error = error
    form = ComposerForm(data, workspace=request.workspace)
    repeat_form = RepeatForm(data)
    if upload_error is not None:
        form.is_valid()
        repeat_form.is_valid()
        form.add_error("upload", upload_error)
    elif form.is_valid() & repeat_form.is_valid():
        rec = _repeat_or_errors(form, repeat_form, form.cleaned_data["brand"])
        if rec is not None:
            try:
                series = actions.create_series(
                    request.workspace,
                    form.cleaned_data["brand"],
                    request.user,
                    _content(form),
                    rec,
                    membership=request.membership,
                )
            except ValidationError as error:
                _split_errors(form, repeat_form, error)
            else:
                messages.success(request, f"Repeating series saved: {rules.summary(rec)}.")
                if any(a.network == "x" for a in form.cleaned_data["accounts"]):
                    messages.warning(request, X_DUPLICATES)
                return redirect(series.get_absolute_url())
    context = _composer_context(request, form, None)
    context["repeat_form"] = repeat_form
    return render(request, "posts/composer.html", context, status=422)


def _split_errors(form, repeat_form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for key, errors in error.message_dict.items():
            if key in repeat_form.fields:
                repeat_form.add_error(key, errors)
            else:
                _errors_onto(form, ValidationError({key: errors}))
    else:
        form.add_error(None, error.messages)


@workspace_view("write_posts")
def series_edit(request, ws, series_id):
    series = get_object_or_404(scoped(request, Series).select_related("brand"), pk=series_id)
    if series.stopped_at is not None:
        messages.error(request, "This series was stopped; start a new one instead.")
        return redirect(series.get_absolute_url())
    if request.method == "POST":
        data = request.POST.copy()
        data["brand"] = str(series.brand_id)
        form = ComposerForm(data, workspace=request.workspace)
        repeat_form = RepeatForm(data)
        if form.is_valid() & repeat_form.is_valid():
            rec = _repeat_or_errors(form, repeat_form, series.brand)
            if rec is not None:
                content = _content(form)
                # what this page does not show stays as it was
                content["variants"] = {int(k): v for k, v in series.variants.items()}
                content["media"] = list(series.workspace.media_assets.filter(pk__in=series.media_ids))
                content["campaign"] = series.campaign
                content["options"] = {int(k): v for k, v in series.options.items()}
                try:
                    counts = actions.edit_series(series, request.user, content, rec, membership=request.membership)
                except ValidationError as error:
                    _split_errors(form, repeat_form, error)
                else:
                    note = f"Series changed from now on: {counts['withdrawn']} coming post(s) rewritten"
                    if counts["kept"]:
                        note += f"; {counts['kept']} edited by hand kept as they are"
                    messages.success(request, note + ".")
                    return redirect(series.get_absolute_url())
        status = 422
    else:
        rec = rules.recurrence_of(series.rule, series.starts_on, series.at, series.time_zone)
        form = ComposerForm(
            initial={
                "brand": series.brand,
                "text": series.text,
                "link": series.link,
                "accounts": list(series.accounts.all()),
                "date": series.starts_on,
                "time": series.at,
            },
            workspace=request.workspace,
        )
        repeat_form = RepeatForm(initial=RepeatForm.initial_for(rec))
        status = 200
    accounts = [a for a in form.account_list if a.brand_id == series.brand_id]
    chosen = {str(v) for v in (form["accounts"].value() or [])}
    return render(
        request,
        "recurring/series_edit.html",
        {
            "series": series,
            "form": form,
            "repeat_form": repeat_form,
            "account_rows": [(a, str(a.pk) in chosen) for a in accounts],
        },
        status=status,
    )


@require_POST
@workspace_view("write_posts")
def series_action(request, ws, series_id, name):
    series = scoped_or_404(request, Series, pk=series_id)
    do = {"pause": actions.pause, "resume": actions.resume, "stop": actions.stop}.get(name)
    if do is None:
        return redirect(series.get_absolute_url())
    try:
        do(series, request.user, membership=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = {
            "pause": "Paused: its coming posts were withdrawn; nothing more is planned until you resume it.",
            "resume": "Resumed: from now on. Nothing that fell in the pause is posted late.",
            "stop": "Stopped: its coming posts were withdrawn. Published posts stay as they are.",
        }
        messages.success(request, done[name])
    return redirect(series.get_absolute_url())


@require_GET
@workspace_view("write_posts")
def preview(request, ws):
    """The Repeat section's live summary and next dates, computed by the same code."""
    brand = scoped(request, Brand).filter(pk=get_id(request.GET, "brand") or 0).first()
    repeat_form = RepeatForm(request.GET)
    form_dates = ComposerForm(request.GET, workspace=request.workspace)
    form_dates.is_valid()
    day, at = form_dates.cleaned_data.get("date"), form_dates.cleaned_data.get("time")
    errors = {}
    if brand is None:
        errors["brand"] = "Pick a brand."
    if day is None or at is None:
        errors["date"] = "Pick the date and time of the first post."
    if not repeat_form.is_valid():
        errors.update({k: " ".join(v) for k, v in repeat_form.errors.items()})
    if errors or not repeat_form.cleaned_data.get("repeat"):
        return JsonResponse({"summary": "", "next": [], "errors": errors})
    try:
        rec = rules.check(repeat_form.recurrence(day, at, brand.time_zone))
    except rules.RuleError as error:
        return JsonResponse({"summary": "", "next": [], "errors": error.errors})
    upcoming = rules.next_dates(rec.rule(), day, at, rec.zone, after=timezone.now(), n=5)
    return JsonResponse(
        {
            "summary": rules.summary(rec),
            "rule": rec.rule(),
            "next": [f"{r.local:%a %d %b %Y, %H:%M} {r.local.tzname()}" for _, r in upcoming],
            "notes": [r.note for _, r in upcoming if r.note],
            "errors": {} if upcoming else {"repeat": "No date left in the future: change the start or the end."},
        }
    )


# --- evergreen ------------------------------------------------------------------------------


@workspace_view()
def categories(request, ws):
    form = CategoryForm(workspace=request.workspace)
    if request.method == "POST":
        require(request, "write_posts")
        form = CategoryForm(request.POST, workspace=request.workspace)
        if form.is_valid():
            category = form.save(commit=False)
            category.workspace = request.workspace
            category.save()
            messages.success(request, f"Evergreen category {category} added for {category.brand}.")
            return redirect("recurring:categories", ws=ws)
    rows = []
    for category in scoped(request, Category).select_related("brand"):
        entries = list(
            EvergreenEntry.objects.filter(category=category).select_related("post").order_by("last_recycled_at")
        )
        rows.append((category, entries))
    return render(
        request,
        "recurring/categories.html",
        {"form": form, "rows": rows, "can_write": request.membership.can("write_posts")},
        status=422 if form.errors else 200,
    )


@workspace_view("write_posts")
def add_to_category(request, ws, post_id):
    post = get_object_or_404(scoped(request, Post).select_related("brand"), pk=post_id)
    choices = scoped(request, Category).filter(brand=post.brand)
    error = ""
    if request.method == "POST":
        category = choices.filter(pk=get_id(request.POST, "category") or 0).first()
        if category is None:
            error = "Pick one of this brand's categories."
        else:
            try:
                evergreen.add_entry(category, post, request.user, membership=request.membership)
            except ValidationError as refusal:
                error = " ".join(refusal.messages)
            except PermissionDenied as refusal:
                error = str(refusal)
            else:
                messages.success(request, f"Added to {category}: it recycles into free posting slots.")
                return redirect(post.get_absolute_url())
    return render(
        request,
        "recurring/add_to_category.html",
        {"post": post, "choices": choices, "error": error},
        status=422 if error else 200,
    )
