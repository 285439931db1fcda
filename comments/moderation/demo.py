"""The demo's moderation: a moderator, two-factor for demo staff, a queue to clear.

Called from comments/demo_data.py after the discussion. Idempotent: the moderator
is created once, an authenticator is added only where none exists (its secret is
read back and printed every time, so the demo stays usable), and the queue is
filled only if its first item is missing.
"""

import datetime
import random

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from articles.cache import article_changed
from articles.models import Article

from ..markdown import render_comment
from ..models import Comment, ModerationDecision, Report
from ..services import HOLD_FIRST, HOLD_LINKS, HOLD_REPORTED, HOLD_WORD
from . import queue

MODERATOR = ("moderator@example.com", "Demo Moderator")
QUEUE_ARTICLE = "europe-sanctions-debate-explained"
# (who, rule, hold reason, body). "regular": a reader with approved comments behind
# them (from the demo discussion); any other value names an account made today, so
# held as a first comment unless an earlier rule (links, a word) caught it first.
HELD = [
    ("regular", "links", HOLD_LINKS.format(limit=2),
     "Full list of the measures here: https://x.example/annex https://y.example/"
     "list https://z.example/faq"),
    ("Lucía Moreno", "first-comments", HOLD_FIRST,
     "Is there a timeline for the next package?"),
    ("Tom Brennan", "first-comments", HOLD_FIRST,
     "Great explainer, bookmarked it for my students."),
    ("Aylin Kaya", "first-comments", HOLD_FIRST,
     "The unanimity rule is the whole story, isn't it?"),
    ("regular", "word-rule", HOLD_WORD,
     "Only a clown would believe these sanctions work on their own."),
    ("Péter Szabó", "first-comments", HOLD_FIRST,
     "Hungary's veto threat gets one sentence. It deserved a section."),
    ("Watch Outlet", "links", HOLD_LINKS.format(limit=2),
     "BUY CHEAP WATCHES https://spam.example https://spam.example/2 https://s.example"),
    ("Nora Haddad", "first-comments", HOLD_FIRST,
     "Could you explain the oil price cap next?"),
    ("Jonas Berg", "first-comments", HOLD_FIRST,
     "Frozen assets: who decides what happens to them?"),
    ("Chloé Bernard", "first-comments", HOLD_FIRST,
     "I think the article is fair to both sides, which is rarer than it should be."),
    ("Owen Price", "first-comments", HOLD_FIRST,
     "Sanctions hurt ordinary people first. Always."),
    ("Mei Tanaka", "first-comments", HOLD_FIRST,
     "Thanks, this cleared up a lot for me."),
]  # fmt: skip
REPORTED = [
    ("This is propaganda and the author knows it.", "misinformation", 3),
    ("You lot never check your facts, do you?", "abuse", 2),
    ("Visit my channel for the real story!", "spam", 1),
]


def totp_secret(user) -> str:
    """The user's authenticator secret, created once (staff need two-factor)."""
    authenticator = Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).first()
    if authenticator is None:
        authenticator = TOTP.activate(user, generate_totp_secret()).instance
    return decrypt(authenticator.data["secret"])


def load(*, stdout) -> list[dict]:
    from articles.management.commands.demo import ensure_demo_user

    User = get_user_model()
    login = ensure_demo_user(
        email=MODERATOR[0],
        display_name=MODERATOR[1],
        role="Moderator (2FA above)",
        is_staff=True,
    )
    moderator = login["user"]
    EmailAddress.objects.get_or_create(
        user=moderator,
        email=moderator.email,
        defaults={"verified": True, "primary": True},
    )
    group = Group.objects.filter(name="Moderator").first()
    if group is not None:
        moderator.groups.add(group)
    stdout.write(
        "\nDemo staff sign in with two-factor authentication. Add these secrets to "
        "an authenticator app (type the key in, time-based), then enter its code "
        "after the password:"
    )
    for user in User.objects.filter(
        email__in=["editor@example.com", MODERATOR[0]]
    ).order_by("email"):
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        stdout.write(f"  TOTP secret for {user.email}: {totp_secret(user)}")
    _queue(moderator, stdout)
    return [login]


def _newcomer(name: str, *, joined):
    """A reader who signed up today (their first comment is held as such)."""
    from articles.management.commands.demo import ensure_demo_user

    handle = name.split()[0].lower().translate(str.maketrans("íéóáú", "ieoau"))
    user = ensure_demo_user(
        email=f"{handle}.new@example.com", display_name=name, role="Demo newcomer"
    )["user"]
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    get_user_model().objects.filter(pk=user.pk).update(date_joined=joined)
    return user


def _queue(moderator, stdout) -> None:
    article = Article.objects.filter(slug=QUEUE_ARTICLE).first()
    # Regulars: readers with published comments behind them (the demo discussion).
    regulars = list(
        get_user_model()
        .objects.filter(
            email__endswith="@example.com",
            is_staff=False,
            comments__status=Comment.Status.APPROVED,
        )
        .exclude(email__in=["commenter@example.com", "asker@example.com"])
        .distinct()
        .order_by("email")
    )
    if article is None or len(regulars) < 6:
        return
    if Comment.objects.filter(article=article, body=HELD[0][3]).exists():
        stdout.write("Demo moderation queue: already there.")
        _print_counts(stdout)
        return
    rng = random.Random(7)  # noqa: S311 - demo data
    now = timezone.now()
    with transaction.atomic():
        for i, (who, rule, reason, body) in enumerate(HELD):
            created = now - datetime.timedelta(minutes=5 * (len(HELD) - i) + 3)
            if who == "regular":
                author = regulars[i % len(regulars)]
            else:
                author = _newcomer(who, joined=created - datetime.timedelta(hours=2))
            Comment.objects.create(
                article=article,
                author=author,
                body=body,
                status=Comment.Status.PENDING,
                hold_reason=reason,
                hold_rule=_word_rule() if rule == "word-rule" else rule,
                created=created,
            )
        for i, (body, reason, reports) in enumerate(REPORTED):
            author = regulars[(i + 5) % len(regulars)]
            hidden = reports >= 3
            comment = Comment(
                article=article,
                author=author,
                body=body,
                body_html=render_comment(body),
                status=Comment.Status.PENDING if hidden else Comment.Status.APPROVED,
                hold_reason=HOLD_REPORTED if hidden else "",
                hold_rule="reports" if hidden else "",
                created=now - datetime.timedelta(hours=2 + i),
            )
            comment.save()
            reporters = [r for r in regulars if r.pk != author.pk][:reports]
            for reporter in reporters:
                Report.objects.create(
                    user=reporter,
                    comment=comment,
                    reason=reason,
                    note="Please look at this." if reporter == reporters[0] else "",
                )
        # A month of decisions, so the dashboard has something to show.
        approved = list(
            Comment.objects.filter(status=Comment.Status.APPROVED, decided_by=None)
            .exclude(article=article)
            .order_by("pk")[:40]
        )
        for comment in approved:
            decided = comment.created + datetime.timedelta(minutes=rng.randint(4, 240))
            ModerationDecision.objects.create(
                comment=comment,
                article_id=comment.article_id,
                author=comment.author,
                moderator=moderator,
                outcome=ModerationDecision.Outcome.APPROVED,
                reason="Approved by a moderator.",
                status_before="pending",
                status_after="approved",
                created=decided,
            )
            Comment.objects.filter(pk=comment.pk).update(
                decided_by=moderator, decided_at=decided
            )
        count = Article.objects.filter(pk=article.pk)
        count.update(
            comment_count=Comment.objects.approved().filter(article=article).count()
        )
        transaction.on_commit(lambda: article_changed(article.pk))
    _print_counts(stdout)


def queue_summary() -> str:
    """The queue as its tabs count it (the demo prints this, so the two agree)."""
    counts = queue.counts()
    by_reports = counts["pending"] - counts["held"]
    return (
        f"Pending {counts['pending']} ({counts['held']} held by a rule, "
        f"{by_reports} hidden by readers' reports), "
        f"Held by rule {counts['held']}, Reported {counts['reported']} "
        "(comments with open reports, published or hidden)"
    )


def _print_counts(stdout) -> None:
    stdout.write(f"Demo moderation queue (admin → Moderation): {queue_summary()}.")


def _word_rule() -> str:
    from ..models import WordRule

    rule, _ = WordRule.objects.get_or_create(
        phrase="clown", defaults={"action": WordRule.Action.HOLD}
    )
    return f"word-rule:{rule.pk}:clown"[:40]
