"""Reader-question emails moved from comments/question_tasks.py to
comments/questions/tasks.py. The task queue stores each task's import path, so
tasks queued (or waiting to retry) before this release are pointed at the new one;
otherwise they would fail to import and their email would be lost."""

from django.db import migrations

OLD = "comments.question_tasks."
NEW = "comments.questions.tasks."


def move(apps, schema_editor, old=OLD, new=NEW):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for result in DBTaskResult.objects.filter(task_path__startswith=old):
        result.task_path = new + result.task_path.removeprefix(old)
        result.save(update_fields=["task_path"])


def move_back(apps, schema_editor):
    move(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0004_moderator_and_editor_groups"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(move, move_back)]
