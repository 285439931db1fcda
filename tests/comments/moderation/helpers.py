"""Moderators, editors and queues for the moderation tests."""

from django.contrib.auth.models import Group, Permission

from comments import services
from tests.accounts.factories import StaffUserFactory
from tests.comments.factories import VerifiedUserFactory

MODERATOR_PERMS = {
    "comments": [
        "view_comment",
        "change_comment",
        "moderate_comments",
        "view_dashboard",
        "view_moderationdecision",
        "view_wordrule",
        "change_wordrule",
        "add_wordrule",
        "view_moderationsettings",
    ],
    "accounts": ["view_user", "change_user"],
}


def group(name: str) -> Group:
    """The group from the data migration (transactional tests flush it: rebuild)."""
    found = Group.objects.filter(name=name).first()
    if found is not None and found.permissions.exists():
        return found
    from importlib import import_module

    migration = import_module("comments.migrations.0004_moderator_and_editor_groups")
    grants = dict(migration.MODERATOR if name == "Moderator" else migration.EDITOR)
    if name == "Editor":  # and what later migrations gave editors
        front_page = import_module(
            "comments.migrations.0007_editors_arrange_the_front_page"
        )
        imports = import_module("imports.migrations.0004_editors_run_imports")
        digest = import_module("newsletter.migrations.0005_community_digest_newsletter")
        policy = import_module(
            "comments.migrations.0010_editors_set_the_community_policy"
        )
        grants = {
            **grants,
            "comments": [*grants.get("comments", []), *policy.EDITOR_POLICY],
            "articles": [*grants["articles"], *front_page.EDITOR_FRONT_PAGE],
            "imports": imports.EDITOR_IMPORTS,
            "newsletter": [*grants["newsletter"], *digest.EDITOR_DIGEST],
        }
    found, _ = Group.objects.get_or_create(name=name)
    for app_label, codenames in grants.items():
        found.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
    return found


def moderator(**kwargs):
    kwargs.setdefault("display_name", "Mo Derator")
    user = StaffUserFactory(is_superuser=False, **kwargs)
    user.groups.add(group("Moderator"))
    return user


def editor(**kwargs):
    kwargs.setdefault("display_name", "Ed Itor")
    user = StaffUserFactory(is_superuser=False, **kwargs)
    user.groups.add(group("Editor"))
    return user


def held_comments(article, count: int, **kwargs):
    """`count` comments held for review (new readers' first comments)."""
    return [
        services.comment_create(
            article=article,
            author=VerifiedUserFactory(),
            body=f"Held comment number {i}.",
            **kwargs,
        )
        for i in range(count)
    ]
