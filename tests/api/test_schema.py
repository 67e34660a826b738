"""The OpenAPI schema and docs, and Schemathesis against the schema: with a seeded
workspace and an owner token, no endpoint answers 5xx and every answer conforms."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import checks

from tests.html import external_resources

pytestmark = pytest.mark.django_db

# tus uploads (PATCH /media/uploads/<id>/) send raw bytes under their own media type
schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=2048))

# No 5xx, and status codes, headers, content types and bodies as documented. Not
# "positive data is accepted": a schema-valid body can still break a rule (a taken
# campaign name, a post that is not scheduled) and is rightly a 400.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


def test_schema_documents_every_endpoint_with_examples(client):
    schema = client.get("/api/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method != "parameters"
    ]
    assert len(operations) >= 30
    missing = []
    for path, method, op in operations:
        has_example = any(
            "examples" in content
            for response in op.get("responses", {}).values()
            for content in response.get("content", {}).values()
        ) or any("examples" in content for content in op.get("requestBody", {}).get("content", {}).values())
        if not has_example and method != "delete":
            missing.append(f"{method.upper()} {path}")
    assert missing == []


def test_docs_page_uses_local_assets(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert external_resources(page) == []
    assert client.get("/api/docs/?script=").status_code == 200


@pytest.fixture
def api_schema(world, token_for, settings):
    from django.core.wsgi import get_wsgi_application

    from inbox.models import InboxItem
    from posts import actions
    from posts.models import PostingSlot

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "100000/min"}}
    PostingSlot.objects.create(brand=world["brand"], weekday=1, time=dt.time(10, 0))
    post = actions.create_post(world["ws"], world["brand"], world["owner"], "Seeded", world["accounts"])
    actions.schedule_post(post, timezone.now() + dt.timedelta(days=1), world["owner"])
    InboxItem.objects.create(
        workspace=world["ws"], account=world["accounts"][0], kind="comment", remote_id="r1", text="hi",
        created_at=timezone.now(),
    )  # fmt: skip
    _, raw = token_for(world["owner"], world["ws"])
    settings.SCHEMATHESIS_TOKEN = raw
    # As Django's test client does: a request must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_api_conforms_to_its_schema(api_schema, settings):
    """Positive cases per operation: no 5xx, status codes, content types and bodies as documented."""
    token = settings.SCHEMATHESIS_TOKEN
    problems = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
        )
        def check(case):
            # Explore the seeded workspace (another slug is a 404, which conforms too).
            if case.path_parameters and "ws" in case.path_parameters and case.path_parameters["ws"] != "other":
                case.path_parameters["ws"] = "acme"
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        try:
            check()
        except BaseException as exc:  # collect every operation's failure (groups too), report them together
            if isinstance(exc, KeyboardInterrupt):
                raise
            problems.append(f"{operation.label}: {str(exc)[:1500]}")
    assert problems == [], "\n\n".join(problems)
