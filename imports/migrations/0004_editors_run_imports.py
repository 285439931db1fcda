"""Editors bring archives in: they may upload and run imports and read their
reports. Moderators may not; old links and source ids stay with superusers."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_IMPORTS = ["add_importrun", "view_importrun", "run_import"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("imports")
    app_config.models_module = True  # see comments/0004: create_permissions checks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editor")
    perms = Permission.objects.filter(
        content_type__app_label="imports", codename__in=EDITOR_IMPORTS
    )
    if perms.count() != len(EDITOR_IMPORTS):
        raise RuntimeError("Missing permissions for imports")
    group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_import_runs"),
        ("comments", "0004_moderator_and_editor_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
