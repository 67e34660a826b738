"""The OpenAPI generator: every operation also documents the errors any call can get."""

from drf_spectacular.openapi import AutoSchema

ERROR_BODY = {
    "type": "object",
    "description": "{detail: message} or, for 400, {field: [messages]} with non_field_errors for the rest",
    "additionalProperties": True,
}
COMMON_ERRORS = {
    "400": "The request is invalid (field errors)",
    "401": "No valid token or session",
    "403": "Your role cannot do this",
    "404": "Not found in this workspace (or an invalid cursor)",
    "429": "Too many requests; see Retry-After",
}


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in COMMON_ERRORS.items():
            if code in responses:
                continue
            responses[code] = {
                "content": {"application/json": {"schema": ERROR_BODY}},
                "description": description,
            }
        return responses
