"""The community digest: a weekly issue drafted by itself, sent by an editor.

`draft_digest_when_due()` is a periodic job of the task worker
(TASKS_PERIODIC_JOBS, every TASKS_MAINTENANCE_SECONDS, in every worker). Each time
it asks: has this week's moment come (DigestSettings: weekday and hour in the
site's time zone, default Friday 09:00) and is there no digest for this week yet?
Then it drafts one, covering the seven days before that moment (or since the last
digest, if it was drafted more recently):

- **stories**: the front page's lead and top stories as it shows them now,
  published in the week; then the published articles with the most approved
  comments posted in the week (at least `min_comments`);
- **editors' picks** made in the week whose authors consent to be quoted
  (`accounts.User.share_picks_in_digest`, off by default): `quotable_picks`;
- **reader questions** answered in an article's FAQ in the week.

Once a week, never twice: a week is one DigestRun row, unique by the Monday of
the week, inserted in the same transaction as the draft, so a second worker (or
the next minute's run) fails on the constraint and drafts nothing. Deleting the
draft does not bring it back. A week with nothing at all to say is skipped: the
run records why, and the settings page shows it.

Nothing is sent automatically: the draft waits for an editor, who edits it in
the admin and sends it like any issue. The consent rule is applied again
whenever the issue is rendered (preview, test, each batch sent): a pick whose
author withdrew consent, or that is no longer an approved pick on a published
article, is left out.
"""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from articles.front_page import front_page_stories
from articles.models import Article
from comments.models import Comment
from comments.questions.models import ReaderQuestion

from .models import (
    DigestRun,
    DigestSettings,
    Issue,
    IssueArticle,
    IssuePick,
    IssueQuestion,
)

QUIET_WEEK = (
    "Nothing to say this week: no story published, no editors' pick that may be "
    "quoted and no reader question answered between {start} and {end}. No draft "
    "was made."
)
DRAFTED = (
    "Drafted “{subject}”: {stories} stories, {picks} picks, {questions} questions."
)
PREHEADER = "Top stories, the comments our editors picked, and your questions answered."


def quotable_picks(comments: QuerySet[Comment] | None = None) -> QuerySet[Comment]:
    """Editors' picks the digest may quote: the one place of the consent rule.

    Still an approved editor's pick, on an article readers can see, by a reader
    who has agreed to be quoted in the digest (and still has an account).
    """
    comments = Comment.objects.all() if comments is None else comments
    return comments.approved().filter(
        is_editors_pick=True,
        author__share_picks_in_digest=True,
        author__is_active=True,
        article__in=Article.objects.published(),
    )


def scheduled_moment(conf: DigestSettings, now: datetime.datetime) -> datetime.datetime:
    """The latest moment at or before `now` that the digest was due (weekday and
    hour in the site's time zone; an hour a clock change skips is read as
    Django's make_aware reads it)."""
    zone = timezone.get_default_timezone()
    local = timezone.localtime(now, zone)
    day = local.date() - datetime.timedelta(days=(local.weekday() - conf.weekday) % 7)
    moment = _at(day, conf.hour)
    if moment > now:
        moment = _at(day - datetime.timedelta(days=7), conf.hour)
    return moment


def next_moment(conf: DigestSettings, now: datetime.datetime) -> datetime.datetime:
    """When the next digest is due (after `now`)."""
    moment = scheduled_moment(conf, now)
    day = timezone.localtime(moment, timezone.get_default_timezone()).date()
    return _at(day + datetime.timedelta(days=7), conf.hour)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(hour)),
        timezone.get_default_timezone(),
    )


def week_of(moment: datetime.datetime) -> datetime.date:
    """The Monday of the (site time zone) week a moment falls in."""
    day = timezone.localtime(moment, timezone.get_default_timezone()).date()
    return day - datetime.timedelta(days=day.weekday())


@dataclass
class DigestContent:
    stories: list[Article] = field(default_factory=list)
    picks: list[Comment] = field(default_factory=list)
    questions: list[ReaderQuestion] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.stories or self.picks or self.questions)


def gather(
    conf: DigestSettings, start: datetime.datetime, end: datetime.datetime
) -> DigestContent:
    """What the week from `start` to `end` (excluded) has to say."""
    content = DigestContent()
    front = front_page_stories()
    for article in [front.lead, *front.top]:
        if len(content.stories) >= conf.top_stories:
            break
        if article is not None and start <= article.published_at < end:
            content.stories.append(article)
    chosen = [article.pk for article in content.stories]
    week_comments = Q(
        comments__status=Comment.Status.APPROVED,
        comments__created__gte=start,
        comments__created__lt=end,
    )
    if conf.most_discussed:
        # Published at any time: an older story discussed this week counts.
        discussed = (
            Article.objects.published()
            .exclude(pk__in=chosen)
            .annotate(week_comments=Count("comments", filter=week_comments))
            .filter(week_comments__gte=max(conf.min_comments, 1))
            .order_by("-week_comments", "-published_at", "-pk")
        )
        content.stories += list(discussed[: conf.most_discussed])
    if conf.max_picks:
        content.picks = list(
            quotable_picks()
            .filter(picked_at__gte=start, picked_at__lt=end)
            .order_by("picked_at", "pk")[: conf.max_picks]
        )
    if conf.max_questions:
        content.questions = list(
            ReaderQuestion.objects.answered()
            .filter(answered_at__gte=start, answered_at__lt=end)
            .order_by("answered_at", "pk")[: conf.max_questions]
        )
    return content


def digest_subject(conf: DigestSettings, end: datetime.datetime) -> str:
    local = timezone.localtime(end, timezone.get_default_timezone())
    return f"{conf.subject}: the week to {local.day} {local:%B}"


def _period_start(moment: datetime.datetime, conf: DigestSettings) -> datetime.datetime:
    """Seven days before, or the end of the last digest if that is later (the
    schedule was moved): nothing is in two digests."""
    start = _at(
        timezone.localtime(moment, timezone.get_default_timezone()).date()
        - datetime.timedelta(days=7),
        conf.hour,
    )
    previous = (
        DigestRun.objects.filter(period_end__lte=moment)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    return max(start, previous) if previous else start


def draft_digest_when_due(now: datetime.datetime | None = None) -> DigestRun | None:
    """Draft this week's community digest if it is due and not drafted yet.

    Returns the week's new DigestRun (drafted or skipped), or None when there is
    nothing to do: switched off, no newsletter chosen, not due (or due before it
    was switched on), or done already (by this worker or another). Safe to run
    every minute in every worker.
    """
    now = now or timezone.now()
    conf = DigestSettings.load()
    if not conf.enabled or conf.newsletter_id is None:
        return None
    moment = scheduled_moment(conf, now)
    if moment < conf.active_since:
        return None  # due before the digest was switched on: wait for the next
    if DigestRun.objects.filter(week_of=week_of(moment)).exists():
        return None
    return draft_week(conf, moment, now=now)


def draft_week(
    conf: DigestSettings, moment: datetime.datetime, *, now: datetime.datetime
) -> DigestRun | None:
    """Draft (or skip) the digest due at `moment`, unless that week has one.

    The week's DigestRun is inserted first, in the draft's transaction: a second
    worker waits on it and then fails on the unique week, before doing any of
    the work, and drafts nothing (None).
    """
    start = _period_start(moment, conf)
    try:
        with transaction.atomic():
            run = DigestRun.objects.create(
                week_of=week_of(moment),
                scheduled_for=moment,
                period_start=start,
                period_end=moment,
                created=now,
            )
            content = gather(conf, start, moment)
            if content.is_empty():
                run.skipped = True
                run.note = QUIET_WEEK.format(start=_when(start), end=_when(moment))
            else:
                run.issue = _draft(conf, content, moment, now)
                run.note = DRAFTED.format(
                    subject=run.issue.subject,
                    stories=len(content.stories),
                    picks=len(content.picks),
                    questions=len(content.questions),
                )
            run.save(update_fields=["issue", "skipped", "note"])
    except IntegrityError:
        return None  # another worker drafted this week's digest
    return run


def _when(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}"


def _draft(
    conf: DigestSettings,
    content: DigestContent,
    moment: datetime.datetime,
    now: datetime.datetime,
) -> Issue:
    issue = Issue.objects.create(
        newsletter_id=conf.newsletter_id,
        subject=digest_subject(conf, moment),
        preheader=PREHEADER,
        intro=conf.intro,
        created=now,
    )
    IssueArticle.objects.bulk_create(
        IssueArticle(issue=issue, article=article, position=position)
        for position, article in enumerate(content.stories, start=1)
    )
    IssuePick.objects.bulk_create(
        IssuePick(issue=issue, comment=comment, position=position)
        for position, comment in enumerate(content.picks, start=1)
    )
    IssueQuestion.objects.bulk_create(
        IssueQuestion(issue=issue, question=question, position=position)
        for position, question in enumerate(content.questions, start=1)
    )
    return issue


def issue_picks(issue: Issue) -> list[Comment]:
    """The issue's picks that may still be quoted, in the editor's order (one
    query)."""
    return list(
        quotable_picks()
        .filter(newsletter_placements__issue=issue)
        .select_related("author", "article")
        .order_by("newsletter_placements__position", "newsletter_placements__pk")
    )


def issue_questions(issue: Issue) -> list[ReaderQuestion]:
    """The issue's reader questions still answered in a published article's FAQ,
    in the editor's order (one query)."""
    return list(
        ReaderQuestion.objects.answered()
        .filter(newsletter_placements__issue=issue)
        .select_related("author", "article", "faq_item")
        .order_by("newsletter_placements__position", "newsletter_placements__pk")
    )
