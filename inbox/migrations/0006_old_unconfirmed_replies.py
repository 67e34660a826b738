"""Replies whose outcome was unknown used to be stored as failed, with a message saying so,
and a failed reply offers "Try again", which sends it blindly. They become "Not confirmed",
so a person answers "it is there" or "send it again" like for any unconfirmed reply."""

from django.db import migrations

OLD_MESSAGE = "We could not tell whether this reply went out. Check on the network before retrying."
NEW_MESSAGE = "We could not confirm this reply was sent. Check on the network whether it is there."


def failed_to_unknown(apps, schema_editor):
    InboxReply = apps.get_model("inbox", "InboxReply")
    InboxReply.objects.filter(state="failed", error_message=OLD_MESSAGE).update(
        state="unknown", error_message=NEW_MESSAGE
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0005_reply_unknown_and_safe_links"),
    ]

    operations = [migrations.RunPython(failed_to_unknown, migrations.RunPython.noop)]
