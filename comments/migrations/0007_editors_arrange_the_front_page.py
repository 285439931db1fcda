"""Editors arrange the front page (the groups live here: see 0004)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_FRONT_PAGE = [
    "view_frontpage",
    "change_frontpage",
    "view_topstory",
    "add_topstory",
    "change_topstory",
    "delete_topstory",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("articles")
    app_config.models_module = True  # see 0004: create_permissions checks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editor")
    perms = Permission.objects.filter(
        content_type__app_label="articles", codename__in=EDITOR_FRONT_PAGE
    )
    if perms.count() != len(EDITOR_FRONT_PAGE):
        raise RuntimeError("Missing permissions for the front page")
    group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0006_imported_commenters"),
        ("articles", "0004_front_page"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
