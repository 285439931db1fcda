"""The "Moderator" and "Editor" groups and their permissions.

Permissions are created by a post_migrate signal, which has not run yet for a fresh
database when this migration runs, so create_permissions is called first for every
app involved. Re-running adds what is missing and never removes a permission an
administrator granted by hand.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR = {
    "comments": [
        "view_comment",
        "change_comment",
        "moderate_comments",
        "view_dashboard",
        "view_report",
        "change_report",
        "view_reaction",
        "add_wordrule",
        "change_wordrule",
        "delete_wordrule",
        "view_wordrule",
        "view_moderationdecision",
        "view_moderationsettings",
        "view_readerquestion",
        "change_readerquestion",
    ],
    # Readers' moderation fields only: the user admin shows nothing else to
    # non-superusers and refuses to change staff accounts.
    "accounts": ["view_user", "change_user"],
}

EDITOR = {
    "articles": [
        f"{action}_{model}"
        for model in ["article", "faqitem", "furtherreading", "section", "tag", "author"]
        for action in ["add", "change", "delete", "view"]
    ],
    "comments": ["view_readerquestion", "change_readerquestion", "view_dashboard"],
    "newsletter": [
        "add_issue",
        "change_issue",
        "view_issue",
        "view_newsletter",
        "view_delivery",
    ],
}


def create_groups(apps, schema_editor):
    for label in ["accounts", "articles", "comments", "newsletter"]:
        app_config = apps.get_app_config(label)
        # Migration state app configs have no models module; create_permissions
        # only checks that it is set.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in [("Moderator", MODERATOR), ("Editor", EDITOR)]:
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codenames in grants.items():
            perms = Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
            missing = set(codenames) - set(perms.values_list("codename", flat=True))
            if missing:
                raise RuntimeError(f"Missing permissions for {app_label}: {missing}")
            group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("articles", "0002_search_index"),
        ("newsletter", "0002_default_newsletters"),
        ("comments", "0003_moderation_workspace"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
