"""The networks' own post options in the composer: Mastodon's visibility, content warning,
sensitive media, language and poll; Bluesky's languages and who may reply; X's reply
settings and poll; Instagram's feed or story (and Reels kept to the Reels tab); Facebook's
feed video or Reel; YouTube's title, kids answer, privacy, category, tags and scheduling.

The composer gets one small group of fields per account (``opt_<account id>_<name>``);
``options_for`` turns what was typed into the plain dict the account's adapter cleans
(``Adapter.clean_options``) and checks (``Adapter.option_problems``), and that dict is
what ``PostTarget.options`` stores and the adapter sends. An account's defaults
(``SocialAccount.post_options``) fill a new post's fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from smm.models import SocialAccount, record_event
from smm.platforms import adapter_class
from smm.platforms.options import DEFAULT_POLL_MINUTES, POLL_DURATIONS

LANGUAGES = [
    ("en", "English"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("nl", "Dutch"),
    ("sv", "Swedish"),
    ("da", "Danish"),
    ("no", "Norwegian"),
    ("fi", "Finnish"),
    ("pl", "Polish"),
    ("cs", "Czech"),
    ("tr", "Turkish"),
    ("el", "Greek"),
    ("uk", "Ukrainian"),
    ("ru", "Russian"),
    ("ar", "Arabic"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zh", "Chinese"),
]
POLL_SLOTS = 4


# The composer has these fields for every account of the workspace (the picker shows one
# brand's, the others are hidden), so with many accounts Django's template-rendered widgets
# made the page several times slower (30 accounts: 0.8 s instead of 0.1 s). These render the
# same HTML in Python.
class FastTextInput(forms.TextInput):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], name, shown, flatatt(widget["attrs"]))


class FastCheckbox(forms.CheckboxInput):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        return format_html('<input type="checkbox" name="{}"{}>', name, flatatt(widget["attrs"]))


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], mark_safe(" selected") if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(widget["attrs"]), options)


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    pass


def _mastodon_fields() -> dict[str, forms.Field]:
    from smm.platforms.mastodon import VISIBILITIES

    return {
        "visibility": forms.ChoiceField(
            label="Who sees it", choices=list(VISIBILITIES.items()), required=False, widget=FastSelect
        ),
        "spoiler_text": forms.CharField(
            label="Content warning",
            required=False,
            max_length=500,
            widget=FastTextInput(attrs={"placeholder": "None: shown at once"}),
        ),
        "sensitive": forms.BooleanField(
            label="Mark images as sensitive (hidden until clicked)", required=False, widget=FastCheckbox
        ),
        "language": forms.ChoiceField(
            label="Language", choices=[("", "Account default"), *LANGUAGES], required=False, widget=FastSelect
        ),
        **_poll_fields(multiple=True),
    }


def _bluesky_fields() -> dict[str, forms.Field]:
    from smm.platforms.bluesky import REPLY_RULES

    return {
        "langs": forms.MultipleChoiceField(
            label="Languages (up to 3)",
            choices=LANGUAGES,
            required=False,
            widget=FastSelectMultiple(attrs={"size": 4}),
        ),
        "reply": forms.ChoiceField(
            label="Who may reply", choices=list(REPLY_RULES.items()), required=False, widget=FastSelect
        ),
    }


def _x_fields() -> dict[str, forms.Field]:
    from smm.platforms.x import REPLY_SETTINGS

    return {
        "reply_settings": forms.ChoiceField(
            label="Who may reply", choices=list(REPLY_SETTINGS.items()), required=False, widget=FastSelect
        ),
        **_poll_fields(multiple=False),
    }


def _instagram_fields() -> dict[str, forms.Field]:
    from smm.platforms.instagram import KINDS

    return {
        "kind": forms.ChoiceField(label="Post as", choices=list(KINDS.items()), required=False, widget=FastSelect),
        "reels_only": forms.BooleanField(
            label="Show a Reel only in the Reels tab, not in the main feed", required=False, widget=FastCheckbox
        ),
    }


def _facebook_fields() -> dict[str, forms.Field]:
    from smm.platforms.facebook import KINDS

    return {
        "kind": forms.ChoiceField(
            label="Post a video as", choices=list(KINDS.items()), required=False, widget=FastSelect
        )
    }


def _pinterest_fields() -> dict[str, forms.Field]:
    return {
        "board": forms.ChoiceField(label="Board", choices=[("", "Choose a board")], required=False, widget=FastSelect),
        "title": forms.CharField(
            label="Pin title (up to 100 characters)",
            required=False,
            widget=FastTextInput(attrs={"placeholder": "Optional", "maxlength": 100}),
        ),
    }


def _pinterest_account_fields(account) -> dict[str, forms.Field]:
    """The board list is the account's own (read from Pinterest, kept in its limits)."""
    from smm.platforms.pinterest import PinterestAdapter

    boards = PinterestAdapter().apply_limits(account.limits).board_choices()
    choices = [("", "Choose a board" if boards else "No boards found: add one on Pinterest"), *boards]
    return {"board": forms.ChoiceField(label="Board", choices=choices, required=False, widget=FastSelect)}


def _tiktok_fields() -> dict[str, forms.Field]:
    from smm.platforms.tiktok import PRIVACY

    return {
        "privacy_level": _tiktok_privacy(list(PRIVACY.items())),
        "photo_title": forms.CharField(
            label="Photo post title (up to 90 characters)",
            required=False,
            widget=FastTextInput(attrs={"placeholder": "Optional", "maxlength": 90}),
        ),
        # TikTok's rules: no interaction is on unless the person turns it on.
        "allow_comment": forms.BooleanField(label="Allow comments", required=False, widget=FastCheckbox),
        "allow_duet": forms.BooleanField(label="Allow duets (videos)", required=False, widget=FastCheckbox),
        "allow_stitch": forms.BooleanField(label="Allow stitches (videos)", required=False, widget=FastCheckbox),
        "brand_organic": forms.BooleanField(label="Promotes our own brand", required=False, widget=FastCheckbox),
        "brand_content": forms.BooleanField(
            label="Paid partnership (branded content)", required=False, widget=FastCheckbox
        ),
        "is_aigc": forms.BooleanField(label="Made with AI", required=False, widget=FastCheckbox),
        "auto_add_music": forms.BooleanField(label="Add music to photos", required=False, widget=FastCheckbox),
    }


def _tiktok_privacy(choices, label="Who can see it") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=[("", "Choose (TikTok asks each time)"), *choices], required=False, widget=FastSelect
    )


def _tiktok_account_fields(account) -> dict[str, forms.Field]:
    """Exactly the privacy levels the account's creator info offers (kept in its limits);
    an app TikTok has not audited may post only as "Only me", and the label says so."""
    from smm.platforms.tiktok import TikTokAdapter

    choices = TikTokAdapter.privacy_choices(account.limits)
    notice = TikTokAdapter.account_notice(account.limits)
    label = "Who can see it (only “Only me” until TikTok reviews SMM's app)" if notice else "Who can see it"
    return {"privacy_level": _tiktok_privacy(choices, label)}


def _poll_fields(*, multiple: bool) -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {
        f"poll_{n}": forms.CharField(
            label=f"Poll answer {n}",
            required=False,
            max_length=200,
            widget=FastTextInput(attrs={"placeholder": "Optional" if n > 2 else f"Answer {n}"}),
        )
        for n in range(1, POLL_SLOTS + 1)
    }
    fields["poll_duration"] = forms.TypedChoiceField(
        label="Poll runs for",
        choices=POLL_DURATIONS,
        coerce=int,
        required=False,
        initial=DEFAULT_POLL_MINUTES,
        widget=FastSelect,
    )
    if multiple:
        fields["poll_multiple"] = forms.BooleanField(
            label="People may pick several answers", required=False, widget=FastCheckbox
        )
    return fields


class _TagsInput(FastTextInput):
    """Tags kept as a list, typed comma-separated."""

    def format_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else super().format_value(value)


class _UtcTimeInput(FastTextInput):
    """A time typed in the browser's picker (minutes), kept as ISO 8601 in UTC."""

    input_type = "datetime-local"

    def format_value(self, value):
        text = super().format_value(value)
        return text[:16] if isinstance(text, str) and len(text) >= 16 else text


def _youtube_fields() -> dict[str, forms.Field]:
    from smm.platforms.youtube import CATEGORIES, DEFAULT_CATEGORY, MADE_FOR_KIDS, PRIVACY, SCHEDULE_WITH

    categories = sorted(CATEGORIES.items(), key=lambda item: item[1])
    default = CATEGORIES[DEFAULT_CATEGORY]
    return {
        "title": forms.CharField(
            label="Video title",
            required=False,
            widget=FastTextInput(attrs={"placeholder": "Up to 100 characters", "maxlength": 100}),
        ),
        "made_for_kids": forms.ChoiceField(
            label="Made for kids?",
            choices=[("", "Choose (YouTube requires it)"), *MADE_FOR_KIDS.items()],
            required=False,
            widget=FastSelect,
        ),
        "privacy": forms.ChoiceField(
            label="Who can watch", choices=list(PRIVACY.items()), required=False, widget=FastSelect
        ),
        "category": forms.ChoiceField(
            label="Category",
            choices=[("", f"{default} (default)"), *[c for c in categories if c[0] != DEFAULT_CATEGORY]],
            required=False,
            widget=FastSelect,
        ),
        "tags": forms.CharField(
            label="Tags (comma-separated)",
            required=False,
            widget=_TagsInput(attrs={"placeholder": "Optional"}),
        ),
        "schedule_with": forms.ChoiceField(
            label="Scheduling", choices=list(SCHEDULE_WITH.items()), required=False, widget=FastSelect
        ),
        "publish_at": forms.CharField(
            label="YouTube makes it public at (UTC)",
            required=False,
            widget=_UtcTimeInput(),
        ),
    }


FIELDS = {
    "mastodon": _mastodon_fields,
    "bluesky": _bluesky_fields,
    "x": _x_fields,
    "instagram": _instagram_fields,
    "facebook": _facebook_fields,
    "pinterest": _pinterest_fields,
    "tiktok": _tiktok_fields,
    "youtube": _youtube_fields,
}
# What each network's fields are for, in a few words: the composer's hint says it before
# any account is picked (``hint``). A network given fields above needs its line here.
SUMMARIES = {
    "mastodon": "who sees the post, a content warning, its language or a poll",
    "bluesky": "its languages and who may reply",
    "x": "who may reply or a poll",
    "instagram": "a story instead of a feed post, and Reels kept to the Reels tab",
    "facebook": "a video as a Reel",
    "pinterest": "the Pin's board and title",
    "tiktok": "who can see it, comments, duets and stitches, and branded content",
    "youtube": "the video's title, audience, privacy, category, tags and scheduling",
}


def hint() -> str:
    """The Network options card's words before an account is picked: every network of the
    registry, in its order, with what its options are for (or that it has none)."""
    from smm.platforms.registry import NETWORKS

    with_options = [f"{row.label}: {SUMMARIES[name]}" for name, row in NETWORKS.items() if name in FIELDS]
    without = [row.label for name, row in NETWORKS.items() if name not in FIELDS]
    text = "Pick an account to set what only its network offers. " + "; ".join(with_options) + "."
    if without:
        names = without[0] if len(without) == 1 else ", ".join(without[:-1]) + " and " + without[-1]
        text += f" {names} posts have no options of their own."
    return text


# Fields whose choices belong to one account (its Pinterest boards): built per account,
# replacing the network's shared field of the same name.
ACCOUNT_FIELDS = {"pinterest": _pinterest_account_fields, "tiktok": _tiktok_account_fields}


@cache
def _names(network: str) -> tuple[str, ...]:
    return tuple(FIELDS[network]())


def has_options(account) -> bool:
    return account.network in FIELDS


def field_name(account, name: str) -> str:
    return f"opt_{account.pk}_{name}"


def add_fields(form: forms.Form, accounts) -> None:
    """One group of option fields per account whose network has options, plus the
    "remember as this account's defaults" box. The accounts of one network share their
    field objects (a field holds no data of its own; the form binds each name), so a
    workspace with many accounts builds each network's fields once per form."""
    built: dict[str, dict[str, forms.Field]] = {}
    remember = forms.BooleanField(label="Start new posts on this account with these options", required=False)
    for account in accounts:
        if not has_options(account):
            continue
        if account.network not in built:
            built[account.network] = FIELDS[account.network]()
        for name, field in built[account.network].items():
            form.fields[field_name(account, name)] = field
        if account.network in ACCOUNT_FIELDS:
            for name, field in ACCOUNT_FIELDS[account.network](account).items():
                form.fields[field_name(account, name)] = field
        form.fields[field_name(account, "remember")] = remember


def options_for(form: forms.Form, account) -> dict:
    """What was typed for ``account``, as its adapter cleans it."""
    if not has_options(account):
        return {}
    data = getattr(form, "cleaned_data", {}) or {}

    def value(name):
        return data.get(field_name(account, name))

    raw: dict = {}
    for name in _names(account.network):
        if name.startswith("poll_"):
            continue
        raw[name] = value(name)
    if field_name(account, "poll_1") in form.fields:
        answers = [value(f"poll_{n}") or "" for n in range(1, POLL_SLOTS + 1)]
        raw["poll"] = {
            "options": answers,
            "duration_minutes": value("poll_duration") or DEFAULT_POLL_MINUTES,
            "multiple": bool(value("poll_multiple")),
        }
    return adapter_class(account.network).clean_options(raw)


def initial_for(account, options: dict | None) -> dict:
    """Field values showing ``options`` (a target's, or the account's defaults)."""
    if not has_options(account):
        return {}
    options = adapter_class(account.network).clean_options(options or {})
    initial = {}
    for name, value in options.items():
        if name == "poll":
            for n, answer in enumerate(value.get("options", [])[:POLL_SLOTS], start=1):
                initial[field_name(account, f"poll_{n}")] = answer
            initial[field_name(account, "poll_duration")] = value.get("duration_minutes")
            initial[field_name(account, "poll_multiple")] = bool(value.get("multiple"))
        else:
            initial[field_name(account, name)] = value
    return initial


def wants_remembered(form: forms.Form, account) -> bool:
    return bool((getattr(form, "cleaned_data", {}) or {}).get(field_name(account, "remember")))


def remember_defaults(account: SocialAccount, options: dict, actor) -> None:
    """Make ``options`` the ones new posts on ``account`` start with. A poll is never a
    default: it belongs to one post."""
    defaults = {k: v for k, v in adapter_class(account.network).clean_options(options).items() if k != "poll"}
    if defaults == account.post_options:
        return
    account.post_options = defaults
    account.save(update_fields=["post_options"])
    record_event(
        account.brand.workspace, actor, "account.post_options", account, f"New posts on {account} start with {defaults}"
    )


@dataclass
class OptionGroup:
    """One account's option fields, for the composer's "Network options" card."""

    account: object
    fields: list
    poll: list
    remember: object
    checked: bool

    @property
    def body(self):
        """The group's fields as HTML, rendered here rather than by the template engine:
        the card repeats for every account of the workspace."""
        plain = [f for f in self.fields if not isinstance(f.field.widget, forms.CheckboxInput)]
        boxes = [f for f in self.fields if isinstance(f.field.widget, forms.CheckboxInput)]
        # at most four fields a row: a network with many (YouTube) wraps instead of squeezing them
        parts = [
            format_html('<div class="grid">{}</div>', _join(_labelled(f) for f in plain[start : start + 4]))
            for start in range(0, max(len(plain), 1), 4)
        ]
        parts.extend(_check(f) for f in boxes)
        if self.poll:
            answers = [f for f in self.poll if isinstance(f.field.widget, forms.TextInput)]
            rest = [f for f in self.poll if not isinstance(f.field.widget, forms.TextInput)]
            parts.append(
                format_html(
                    '<details class="poll"{}><summary>Poll</summary><div class="grid">{}</div>'
                    '<div class="grid">{}</div><small class="muted">Leave the answers empty for no poll. '
                    "A poll cannot go together with images on {}.</small></details>",
                    mark_safe(" open") if any(f.value() for f in answers) else "",
                    _join(_labelled(f) for f in answers),
                    _join(_check(f) if isinstance(f.field.widget, forms.CheckboxInput) else _labelled(f) for f in rest),
                    self.account.network_label,
                )
            )
        return _join(parts)


def _join(pieces):
    return mark_safe("".join(str(piece) for piece in pieces))


def _labelled(bound):
    errors = format_html_join("", "<li>{}</li>", ((e,) for e in bound.errors))
    return format_html(
        "<label>{} {}{}</label>",
        bound.label,
        bound.as_widget(),
        format_html('<ul class="errorlist">{}</ul>', errors) if bound.errors else "",
    )


def _check(bound):
    return format_html('<label class="option-check">{} {}</label>', bound.as_widget(), bound.label)


class Groups(list):
    @property
    def any_checked(self) -> bool:
        return any(group.checked for group in self)

    @property
    def hint(self) -> str:
        return hint()


def groups(form: forms.Form, accounts, chosen: set[str]) -> Groups:
    out = Groups()
    for account in accounts:
        if not has_options(account):
            continue
        names = _names(account.network)
        plain = [form[field_name(account, n)] for n in names if not n.startswith("poll_")]
        poll = [form[field_name(account, n)] for n in names if n.startswith("poll_")]
        out.append(
            OptionGroup(
                account=account,
                fields=plain,
                poll=poll,
                remember=form[field_name(account, "remember")],
                checked=str(account.pk) in chosen,
            )
        )
    return out
