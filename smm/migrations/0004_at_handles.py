"""Bluesky, Instagram and Threads handles are written with their "@", like X and Mastodon.

Accounts connected before stored the bare username; this adds the "@" to those.
Reversing leaves the handles as they are (the "@" is right either way).
"""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat, Length

AT_NETWORKS = ["bluesky", "instagram", "threads"]


def add_at(apps, schema_editor):
    SocialAccount = apps.get_model("smm", "SocialAccount")
    (
        SocialAccount.objects.filter(network__in=AT_NETWORKS)
        .annotate(length=Length("handle"))
        .filter(length__gt=0, length__lt=191)  # room for the "@"
        .exclude(handle__startswith="@")
        .update(handle=Concat(Value("@"), F("handle")))
    )


class Migration(migrations.Migration):
    dependencies = [("smm", "0003_socialaccount_limits")]

    operations = [migrations.RunPython(add_at, migrations.RunPython.noop)]
