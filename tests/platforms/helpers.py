"""Small builders and readers the adapter tests share (import them; fixtures live in conftest)."""

import json
from urllib.parse import parse_qs


def form(call) -> dict[str, str]:
    """The form body an adapter sent, one value per field."""
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


def sent_json(call):
    """The JSON body an adapter sent."""
    return json.loads(call.request.body)


def lifetime_insights(**values: int) -> dict:
    """A Graph API ``/insights`` answer with one lifetime value per metric, in the order given."""
    return {
        "data": [{"name": name, "period": "lifetime", "values": [{"value": value}]} for name, value in values.items()]
    }
