"""Replies whose outcome is unknown wait for a person ("Not confirmed"); and links a network
handed us before only http(s) ones were kept (inbox items and replies, account avatars,
published posts) are dropped, as ingest now drops them (smm.network_urls)."""

from django.db import migrations, models
from django.db.models import Q

from smm.network_urls import http_url

# (app, model, field) of every stored URL that came from a network.
NETWORK_URLS = [
    ("inbox", "InboxItem", "url"),
    ("inbox", "InboxItem", "author_avatar"),
    ("inbox", "InboxReply", "url"),
    ("smm", "SocialAccount", "avatar_url"),
    ("posts", "PostTarget", "remote_url"),
]


def drop_unsafe_links(apps, schema_editor):
    for app, model_name, field in NETWORK_URLS:
        model = apps.get_model(app, model_name)
        # Nearly every row starts with http(s)://, a scheme that is safe to link; only the
        # others need a look (whitespace in front of "javascript:" included).
        suspects = model.objects.exclude(**{field: ""}).exclude(
            Q(**{f"{field}__istartswith": "http://"}) | Q(**{f"{field}__istartswith": "https://"})
        )
        unsafe = [pk for pk, value in suspects.values_list("pk", field).iterator() if not http_url(value)]
        for start in range(0, len(unsafe), 500):
            model.objects.filter(pk__in=unsafe[start : start + 500]).update(**{field: ""})


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0004_inbound_webhooks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="inboxreply",
            name="state",
            field=models.CharField(
                choices=[
                    ("queued", "Sending"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("unknown", "Not confirmed"),
                ],
                default="queued",
                max_length=10,
            ),
        ),
        migrations.RunPython(drop_unsafe_links, migrations.RunPython.noop),
    ]
