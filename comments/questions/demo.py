"""Demo reader questions (called from the discussion's demo loader).

The seed article's "Reader Question" becomes an approved question, featured in the
article's slot; a pending one waits in the admin; one on the sanctions explainer is
already answered in its FAQ, so the answered-questions page has something to show.
Idempotent: questions that exist are left alone.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles.models import Article

from . import services
from .models import ReaderQuestion

DEMO_ARTICLE = "ukraine-peace-talks-miami"
ANSWERED_ARTICLE = "europe-sanctions-debate-explained"
PENDING_TEXT = "Why was Miami chosen as the venue for these talks?"
ANSWERED_TEXT = "How quickly could sanctions be lifted if a peace deal is signed?"
ANSWERED_ANSWER = (
    "Not quickly. EU sanctions are renewed every six months by unanimity, so lifting "
    "them needs all member states to agree, and most packages tie relief to "
    "verifiable steps on the ground. Expect a phased approach over months or years, "
    "with some measures (such as asset freezes linked to reparations) kept longest."
)


def load(*, stdout=None) -> list[dict]:
    from articles.management.commands.demo import ensure_demo_user

    login = ensure_demo_user(
        email="asker@example.com",
        display_name="Lena Fischer",
        role="Reader (questions)",
    )
    asker = login["user"]
    EmailAddress.objects.get_or_create(
        user=asker,
        email=asker.email,
        defaults={"verified": True, "primary": True},
    )
    article = Article.objects.filter(slug=DEMO_ARTICLE).first()
    if article is not None and article.reader_question:
        featured, _ = ReaderQuestion.objects.get_or_create(
            article=article,
            text=article.reader_question,
            defaults={
                "author": asker,
                "is_anonymous": True,
                "status": ReaderQuestion.Status.APPROVED,
                "reviewed_at": timezone.now(),
            },
        )
        if not ReaderQuestion.objects.filter(
            article=article, is_featured=True
        ).exists():
            services.question_feature(question=featured)
        ReaderQuestion.objects.get_or_create(
            article=article, text=PENDING_TEXT, defaults={"author": asker}
        )
    other = Article.objects.filter(slug=ANSWERED_ARTICLE).first()
    editor = get_user_model().objects.filter(email="editor@example.com").first()
    if other is not None:
        answered, created = ReaderQuestion.objects.get_or_create(
            article=other,
            text=ANSWERED_TEXT,
            defaults={
                "author": asker,
                "status": ReaderQuestion.Status.APPROVED,
                "answer": ANSWERED_ANSWER,
            },
        )
        if created:
            with transaction.atomic():
                # The demo asker needs no email about it: mark it as told.
                services.question_promote(question=answered, editor=editor)
                ReaderQuestion.objects.filter(pk=answered.pk).update(
                    asker_notified_at=timezone.now()
                )
    if stdout is not None:
        stdout.write(
            f"Reader questions: {ReaderQuestion.objects.count()} "
            "(one featured on the demo article)."
        )
    return [login]
