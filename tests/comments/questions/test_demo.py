"""The demo's reader questions: the seed question is featured, and reruns change
nothing."""

import pytest
from django.core import mail

from articles.importer import import_article_files
from articles.management.commands import demo
from comments.questions import demo as question_demo
from comments.questions.models import ReaderQuestion

pytestmark = pytest.mark.django_db


def test_seed_question_is_featured_and_the_loader_is_idempotent(
    tmp_path, monkeypatch, client, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(demo, "LOGINS_FILE", tmp_path / "logins.json")
    import_article_files(sorted(demo.DEMO_CONTENT.glob("*.md")))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        question_demo.load()
    assert callbacks  # the promotion queued its email task (which sends nothing)
    state = list(ReaderQuestion.objects.values_list("text", "status", "is_featured"))
    question_demo.load()
    assert (
        list(ReaderQuestion.objects.values_list("text", "status", "is_featured"))
        == state
    )
    featured = ReaderQuestion.objects.get(is_featured=True)
    assert featured.text == (
        "What role will international organizations like the UN play in the future "
        "of this conflict?"
    )
    assert featured.status == ReaderQuestion.Status.APPROVED
    html = client.get(featured.article.get_absolute_url()).content.decode()
    assert "Asked by a reader" in html and "Answer in the discussion" in html
    assert ReaderQuestion.objects.answered().count() == 1
    assert not mail.outbox  # the demo asker is not emailed about the seed answer
