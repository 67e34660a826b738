"""The API's bulk import: the CSV's rows as JSON. Up to posts.bulk.SYNC_ROWS rows are
checked (and imported) in the request; more run as a job whose results are read at
…/posts/bulk/<id>/. posts.bulk does the work, with the composer's rules."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api import openapi
from api import serializers as s
from api.idempotency import idempotent
from api.views.base import WorkspaceScoped
from posts import bulk
from posts.models import BulkImport


class BulkImportView(WorkspaceScoped, GenericAPIView):
    model = BulkImport
    serializer_class = s.BulkImportWriteSerializer
    rights = {"post": "write_posts"}

    @openapi.posts_bulk
    @idempotent
    def post(self, request, ws):
        body = s.BulkImportWriteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if not request.membership.can("schedule_posts"):
            raise ValidationError({"non_field_errors": ["Your role cannot schedule posts, so it cannot import them."]})
        try:
            parsed = bulk.rows_from_json(data["rows"])
        except bulk.FileError as error:
            raise ValidationError({"rows": [str(error)]}) from None
        small = len(parsed.rows) <= bulk.SYNC_ROWS
        job = bulk.start(
            request.workspace,
            data["brand"],
            request.membership,
            content=bulk.json_content(data["rows"]),
            file_name="",
            dry_run=data["dry_run"],
            source=BulkImport.Source.API,
            in_background=not small,
        )
        if not small:
            return Response(bulk.as_json(job), status=status.HTTP_202_ACCEPTED)
        bulk.run(job.pk)
        job.refresh_from_db()
        code = status.HTTP_201_CREATED if job.imported_rows else status.HTTP_200_OK
        return Response(bulk.as_json(job), status=code)


class BulkImportDetailView(WorkspaceScoped, GenericAPIView):
    model = BulkImport
    serializer_class = s.BulkImportSerializer
    rights = {"get": "write_posts"}

    @openapi.posts_bulk_detail
    def get(self, request, ws, job_id):
        job = get_object_or_404(BulkImport.objects.for_workspace(request.workspace).defer("content"), pk=job_id)
        rows = request.query_params.get("rows", "all")
        if rows not in ("all", "errors", "none"):
            raise ValidationError({"rows": ["all, errors or none."]})
        return Response(bulk.as_json(job, rows))
