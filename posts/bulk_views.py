"""Pages of the bulk import (/w/<ws>/posts/import/...): upload a CSV, follow its check or
import, read each row's result, download the rows with errors, get the template. Thin:
the work is posts.bulk's, run by a worker."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from posts import bulk
from posts.models import BulkImport, BulkImportRow
from smm.models import Brand
from smm.tenancy import require, scoped, workspace_view

ROWS_PER_PAGE = 100
STUCK_AFTER = 120  # seconds a queued import may wait before the page offers to start it again


class UploadForm(forms.Form):
    brand = forms.ModelChoiceField(queryset=Brand.objects.none(), empty_label=None)
    file = forms.FileField(
        label="CSV file", help_text="UTF-8, separated by commas or semicolons; the first row names the columns."
    )
    dry_run = forms.BooleanField(
        label="Dry run: check every row, create nothing",
        required=False,
        initial=True,
        help_text="Untick to create the posts of the valid rows straight away.",
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = Brand.objects.for_workspace(workspace)


def _csv_response(text: str, name: str) -> HttpResponse:
    # A BOM, so that Excel opens the UTF-8 file as UTF-8 (accents, emojis).
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@workspace_view("write_posts")
def upload(request, ws):
    require(request, "schedule_posts")
    form = UploadForm(request.POST or None, request.FILES or None, workspace=request.workspace)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                content, parsed = bulk.read_upload(form.cleaned_data["file"])
            except bulk.FileError as error:
                form.add_error("file", str(error))
            else:
                job = bulk.start(
                    request.workspace,
                    form.cleaned_data["brand"],
                    request.membership,
                    content=content,
                    file_name=form.cleaned_data["file"].name or "import.csv",
                    dry_run=form.cleaned_data["dry_run"],
                )
                return redirect(job.get_absolute_url())
        status = 400
    jobs = scoped(request, BulkImport).select_related("brand", "uploaded_by").defer("content")[:10]
    return render(
        request,
        "posts/bulk_upload.html",
        {
            "form": form,
            "jobs": jobs,
            "guide": bulk.COLUMN_GUIDE,
            "max_rows": f"{bulk.max_rows():,}",
            "max_mb": f"{bulk.max_bytes() / 1048576:g}",
        },
        status=status,
    )


def _job(request, job_id) -> BulkImport:
    return get_object_or_404(
        scoped(request, BulkImport).select_related("brand", "uploaded_by", "checked_by").defer("content"), pk=job_id
    )


def _progress(job: BulkImport) -> dict:
    total = job.total_rows or 0
    if job.phase == "importing":
        total = job.ok_rows or total
    stuck = job.status == BulkImport.Status.QUEUED and (timezone.now() - job.created_at).total_seconds() > STUCK_AFTER
    return {"job": job, "total": total, "stuck": stuck}


@workspace_view("write_posts")
def job_page(request, ws, job_id):
    job = _job(request, job_id)
    rows = job.rows.select_related("post").order_by("number")
    show = request.GET.get("show", "")
    if show == "errors":
        rows = rows.filter(status=BulkImportRow.Status.ERROR)
    elif show == "warnings":
        rows = rows.exclude(warnings=[])
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    for row in page:
        row.preview = next((v for k, v in row.cells.items() if bulk.column_of(k) == "text"), "")
    context = {
        **_progress(job),
        "page": page,
        "show": show,
        "warned": job.rows.exclude(warnings=[]).count() if job.finished else 0,
        "real_run": job.imports.order_by("-created_at").first() if job.dry_run else None,
    }
    return render(request, "posts/bulk_job.html", context)


@never_cache
@require_GET
@workspace_view("write_posts")
def job_live(request, ws, job_id):
    """The job page asks here every 2 s while the import runs: its progress, and once it is
    finished a full reload (HX-Refresh) to show the results."""
    job = _job(request, job_id)
    if job.finished:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "posts/_bulk_progress.html", _progress(job))


@require_GET
@workspace_view("write_posts")
def job_errors(request, ws, job_id):
    job = get_object_or_404(scoped(request, BulkImport), pk=job_id)
    stem = (job.file_name.rsplit(".", 1)[0] or "import")[:80]
    return _csv_response(bulk.errors_csv(job), f"{stem}-errors.csv")


@require_GET
@workspace_view("write_posts")
def template(request, ws):
    return _csv_response(bulk.template_csv(), "smm-import-template.csv")


@require_POST
@workspace_view("write_posts")
def job_import(request, ws, job_id):
    """From a dry run: import the same file for real (each row is checked again: time has
    passed, slots may have been taken)."""
    require(request, "schedule_posts")
    checked = get_object_or_404(scoped(request, BulkImport), pk=job_id)
    if not checked.dry_run or not checked.finished or checked.status == BulkImport.Status.FAILED:
        messages.error(request, "Only a finished dry run can be imported.")
        return redirect(checked.get_absolute_url())
    try:
        job = bulk.start(
            request.workspace,
            checked.brand,
            request.membership,
            content=checked.content,
            file_name=checked.file_name,
            dry_run=False,
            source=checked.source,
            checked_by=checked,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(checked.get_absolute_url())
    return redirect(job.get_absolute_url())


@require_POST
@workspace_view("write_posts")
def job_restart(request, ws, job_id):
    """Hand an import that waits too long to a worker again (the broker was away)."""
    job = _job(request, job_id)
    if job.status == BulkImport.Status.QUEUED:
        bulk.enqueue(job.pk)
        messages.info(request, "Handed to a worker again.")
    return redirect(job.get_absolute_url())
