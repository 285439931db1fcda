"""The "Community digest" newsletter, its settings (Friday 09:00), and what editors
may do with it. Idempotent: running it again changes nothing, and an editor's own
changes to the newsletter or the settings are kept.

Editors manage the digest (its settings; the picks, questions and articles of an
issue: reorder and remove). Moderators get nothing here.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DIGEST = {
    "slug": "community-digest",
    "name": "Community digest",
    "description": "Every Friday: the week's top stories, the comments our editors "
    "picked from the discussion, and your questions answered.",
    "is_default": False,
    "position": 2,
}

EDITOR_DIGEST = [
    "view_digestsettings",
    "change_digestsettings",
    *(
        f"{action}_{model}"
        for model in ["issuepick", "issuequestion"]
        for action in ["view", "change", "delete"]
    ),
    *(f"{action}_issuearticle" for action in ["add", "view", "change", "delete"]),
]


def create_digest(apps, schema_editor):
    Newsletter = apps.get_model("newsletter", "Newsletter")
    DigestSettings = apps.get_model("newsletter", "DigestSettings")
    newsletter, _ = Newsletter.objects.get_or_create(
        slug=DIGEST["slug"], defaults=DIGEST
    )
    DigestSettings.objects.get_or_create(pk=1, defaults={"newsletter": newsletter})

    app_config = apps.get_app_config("newsletter")
    app_config.models_module = True  # see comments/0004: create_permissions checks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editor")
    perms = Permission.objects.filter(
        content_type__app_label="newsletter", codename__in=EDITOR_DIGEST
    )
    if perms.count() != len(EDITOR_DIGEST):
        raise RuntimeError("Missing permissions for the community digest")
    group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0004_community_digest"),
        ("comments", "0004_moderator_and_editor_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_digest, migrations.RunPython.noop)]
