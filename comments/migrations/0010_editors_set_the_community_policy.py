"""Editors set the community policy on the moderation settings page: the holds
and limits, earned trust, the rota and its holidays (the groups live here: see
0004). Moderators keep reading it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_POLICY = [
    "view_moderationsettings",
    "change_moderationsettings",
    "view_rotashift",
    "add_rotashift",
    "change_rotashift",
    "delete_rotashift",
    "view_rotaexception",
    "add_rotaexception",
    "change_rotaexception",
    "delete_rotaexception",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("comments")
    app_config.models_module = True  # see 0004: create_permissions checks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editor")
    perms = Permission.objects.filter(
        content_type__app_label="comments", codename__in=EDITOR_POLICY
    )
    if perms.count() != len(EDITOR_POLICY):
        raise RuntimeError("Missing permissions for the moderation settings")
    group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [("comments", "0009_rejection_reasons_that_can_be_mended")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
