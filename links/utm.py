"""UTM presets: what applies to a post's links (campaign -> brand -> workspace -> defaults),
and adding the parameters to one URL without disturbing what it already carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from django.db.models import Q
from django.utils.text import slugify

# What a workspace without any preset gets: links as written until an owner or manager turns
# UTM and short links on (Links > Link settings), with these values ready. A value may name
# a placeholder.
DEFAULTS = {
    "add_utm": False,
    "short_links": False,
    "override_existing": False,
    "source": "{network}",
    "medium": "social",
    "campaign_name": "{campaign}",
    "content": "post-{post}",
    "term": "",
}
PARAMETERS = {
    "source": "utm_source",
    "medium": "utm_medium",
    "campaign_name": "utm_campaign",
    "content": "utm_content",
    "term": "utm_term",
}
FLAGS = ("add_utm", "short_links", "override_existing")
PLACEHOLDERS = ("network", "brand", "campaign", "post", "target", "account")
# Typed as a value: leave this parameter out even if a level above sets it.
OMIT = "-"


@dataclass
class LinkPolicy:
    """The effective settings for one post's links, and which level set each value."""

    add_utm: bool
    short_links: bool
    override_existing: bool
    values: dict[str, str]  # utm_source... and custom keys -> template
    origin: dict[str, str] = field(default_factory=dict)  # key -> "workspace" | "brand" | "campaign" | "default"

    def parameters(self, context: dict[str, object]) -> list[tuple[str, str]]:
        """The query pairs for one link: placeholders filled in, empty values left out."""
        pairs = []
        for key, template in self.values.items():
            value = fill(template, context)
            if value and value != OMIT:
                pairs.append((key, value))
        return pairs


class _Blank(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def fill(template: str, context: dict[str, object]) -> str:
    """``{network}`` and friends replaced; an unknown placeholder stays as typed."""
    if "{" not in template:
        return template.strip()
    try:
        return template.format_map(_Blank({k: "" if v is None else str(v) for k, v in context.items()})).strip()
    except (ValueError, IndexError):  # a stray brace: the text as typed
        return template.strip()


def placeholders(*, network: str, brand=None, campaign=None, post=None, target=None, account=None) -> dict:
    return {
        "network": network,
        "brand": slugify(brand.name) if brand is not None else "",
        "campaign": slugify(campaign.name) if campaign is not None else "",
        "post": getattr(post, "pk", post) or "",
        "target": getattr(target, "pk", target) or "",
        "account": slugify(str(getattr(account, "handle", account) or "").lstrip("@")),
    }


def presets_for(workspace, brand=None, campaign=None) -> list:
    """The presets that apply, general first (workspace, brand, campaign)."""
    from links.models import UtmPreset

    levels = Q(brand__isnull=True, campaign__isnull=True)
    if brand is not None:
        levels |= Q(brand=brand)
    if campaign is not None:
        levels |= Q(campaign=campaign)
    found = list(UtmPreset.objects.for_workspace(workspace).filter(levels))
    return sorted(found, key=lambda preset: {"workspace": 0, "brand": 1, "campaign": 2}[preset.level])


def policy_for(workspace, brand=None, campaign=None, *, presets: list | None = None) -> LinkPolicy:
    """Merge the levels: a value set (not blank) at a more specific level wins."""
    values = {name: DEFAULTS[name] for name in PARAMETERS}
    flags = {name: DEFAULTS[name] for name in FLAGS}
    origin = dict.fromkeys([*PARAMETERS, *FLAGS], "default")
    custom: dict[str, str] = {}
    for preset in presets if presets is not None else presets_for(workspace, brand, campaign):
        for name in FLAGS:
            if getattr(preset, name) is not None:
                flags[name], origin[name] = getattr(preset, name), preset.level
        for name in PARAMETERS:
            value = getattr(preset, name).strip()
            if value:
                values[name], origin[name] = value, preset.level
        for key, value in (preset.custom or {}).items():
            custom[key] = str(value)
            origin[key] = preset.level
    query = {PARAMETERS[name]: value for name, value in values.items()}
    query.update(custom)
    origin.update({PARAMETERS[name]: origin.pop(name) for name in PARAMETERS})
    return LinkPolicy(values=query, origin=origin, **flags)


def has_utm(url: str) -> bool:
    return any(key.lower().startswith("utm_") for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True))


def add_parameters(url: str, pairs: list[tuple[str, str]], *, override: bool = False) -> str:
    """``url`` with ``pairs`` added to its query. A URL that already carries UTM keys is
    returned as it is, unless ``override``: then the keys we set replace its own. The rest
    of the query keeps its own spelling and order; the fragment stays last."""
    if not pairs:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return url
    if has_utm(url) and not override:
        return url
    ours = {key for key, _ in pairs}
    kept = [piece for piece in parts.query.split("&") if piece and _key(piece) not in ours]
    added = [f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in pairs]
    return urlunsplit(parts._replace(query="&".join(kept + added)))


def _key(piece: str) -> str:
    key = piece.split("=", 1)[0]
    return parse_qsl(f"{key}=", keep_blank_values=True)[0][0] if key else key
