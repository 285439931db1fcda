"""The two newsletters the site starts with."""

from django.db import migrations

NEWSLETTERS = [
    {
        "slug": "daily-briefing",
        "name": "Daily briefing",
        "description": "The day's most important stories, every weekday morning.",
        "is_default": True,
        "position": 0,
    },
    {
        "slug": "weekly-analysis",
        "name": "Weekly analysis",
        "description": "Our correspondents' long reads and analysis, every Saturday.",
        "is_default": False,
        "position": 1,
    },
]


def create_newsletters(apps, schema_editor):
    Newsletter = apps.get_model("newsletter", "Newsletter")
    for data in NEWSLETTERS:
        Newsletter.objects.get_or_create(slug=data["slug"], defaults=data)


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0001_initial")]

    operations = [migrations.RunPython(create_newsletters, migrations.RunPython.noop)]
