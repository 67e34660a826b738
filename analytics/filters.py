"""What a request for figures asks for: the brands, the networks and the period.

The dashboard and the API read their parameters here, so both understand the same things;
each decides how to answer a problem: the dashboard explains it and shows a default in its
place, the API refuses the request with a field error."""

from __future__ import annotations

from analytics.periods import Period, PeriodError, parse_period
from smm.platforms import registry
from smm.request_input import as_id


class FilterProblem(ValueError):
    """A parameter that cannot be used: its ``field``, what is wrong (``message``) and, for
    a page that shows something else instead, the same said with what it shows (``explained``)."""

    def __init__(self, field: str, message: str, explained: str = ""):
        super().__init__(message)
        self.field, self.message, self.explained = field, message, explained or message


def chosen_brands(values: list[str], brands) -> list:
    """The brands among ``brands`` (the workspace's) that ``values`` name, in id order; all
    of them when ``values`` is empty."""
    brands = list(brands)
    if not values:
        return brands
    ids = [as_id(value) for value in values]
    if None in ids:
        raise FilterProblem("brand", "Give brand ids (numbers).")
    by_id = {brand.pk: brand for brand in brands}
    if any(pk not in by_id for pk in ids):
        raise FilterProblem("brand", "No such brand in this workspace.")
    return [by_id[pk] for pk in sorted(set(ids))]


def chosen_networks(values: list[str]) -> list[str] | None:
    """The networks ``values`` name (None: every network)."""
    names = [value for value in values if value]
    for name in names:
        if name not in registry.NETWORKS:
            unknown = f"Unknown network {name!r}"
            raise FilterProblem("network", f"{unknown}.", f"{unknown}; showing all networks.")
    return names or None


def chosen_period(params, tz) -> Period:
    """The period ``params`` ask for (default: the last complete ISO week in ``tz``)."""
    try:
        return parse_period(params, tz)
    except PeriodError as exc:
        raise FilterProblem("period", str(exc), f"{exc} Showing the last complete week instead.") from None
