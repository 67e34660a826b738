"""Errors as JSON: the rule modules' ValidationError (plain words, keyed by field when they
know the field) becomes a 400 with field errors; a missing right a 403."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from inbox.actions import InboxError
from posts.states import IllegalTransition
from smm.request_input import BadParameter


def as_field_errors(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {("non_field_errors" if key == "__all__" else key): value for key, value in error.message_dict.items()}
    return {"non_field_errors": error.messages}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_field_errors(exc))
    elif isinstance(exc, BadParameter):
        exc = exceptions.ValidationError({exc.field or "non_field_errors": [exc.message]})
    elif isinstance(exc, InboxError | IllegalTransition):
        exc = exceptions.ValidationError({"non_field_errors": [str(exc)]})
    return drf_exception_handler(exc, context)
