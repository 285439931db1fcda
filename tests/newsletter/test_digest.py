"""The community digest (issue 19): drafted by itself once a week, sent by an editor.

What goes in (the week's top stories, the editors' picks whose authors consent,
the reader questions answered in an FAQ), the consent rule at drafting and again
at every render, the schedule in the site's time zone, once a week however often
and in however many workers the job runs, and what the editor does with the draft.
"""

import datetime
import re
import threading
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as global_apps
from django.core import mail
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, FaqItem, FrontPage, TopStory
from comments.models import Comment
from comments.questions.models import ReaderQuestion
from newsletter import services
from newsletter.digest import (
    QUIET_WEEK,
    draft_digest_when_due,
    draft_week,
    scheduled_moment,
)
from newsletter.emails import personalise, render_issue
from newsletter.models import (
    Delivery,
    DigestRun,
    DigestSettings,
    Issue,
    IssuePick,
    Newsletter,
)
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory
from tests.comments.moderation.helpers import editor, moderator
from tests.comments.questions.factories import ReaderQuestionFactory
from tests.newsletter.factories import SubscriberFactory, daily
from tests.newsletter.test_emails import assert_newsletter_email

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def digest_newsletter() -> Newsletter:
    """The newsletter from the data migration (made again after a flush)."""
    newsletter, _ = Newsletter.objects.get_or_create(
        slug="community-digest", defaults={"name": "Community digest", "position": 2}
    )
    return newsletter


@pytest.fixture
def conf(settings) -> DigestSettings:
    """The settings as the migration leaves them, switched on a month ago (so
    this week's digest is due), in a time zone that is not UTC."""
    settings.TIME_ZONE = "Europe/London"
    row = DigestSettings.load()
    row.newsletter = digest_newsletter()
    row.active_since = timezone.now() - 30 * DAY
    row.save()
    return row


@pytest.fixture
def moment(conf) -> datetime.datetime:
    """This week's moment: the latest Friday 09:00 (London) before now."""
    return scheduled_moment(conf, timezone.now())


def consenting(name: str):
    return UserFactory(display_name=name, share_picks_in_digest=True)


def pick(*, author, at, article=None, body="A comment worth reading.") -> Comment:
    return CommentFactory(
        author=author,
        article=article or ArticleFactory(published_at=at - 3 * DAY),
        body=body,
        is_editors_pick=True,
        picked_at=at,
        created=at - DAY,
    )


def answered(*, at, article=None, question="Will the bridge reopen?") -> ReaderQuestion:
    article = article or ArticleFactory(published_at=at - 3 * DAY)
    faq = FaqItem.objects.create(
        article=article, question=question, answer="Yes, in the spring."
    )
    return ReaderQuestionFactory(
        article=article,
        text=question,
        status=ReaderQuestion.Status.ANSWERED,
        faq_item=faq,
        answer="Yes, in the spring.",
        answered_at=at,
    )


def discuss(article, count: int, *, at, status=Comment.Status.APPROVED) -> None:
    for _ in range(count):
        CommentFactory(article=article, created=at, status=status)


def email_for(issue: Issue):
    subscriber = SubscriberFactory(newsletters=[issue.newsletter])
    return personalise(render_issue(issue), subscriber)


# --- Out of the box -------------------------------------------------------------


def test_the_community_digest_exists_out_of_the_box_and_readers_can_choose_it(client):
    """The data migration made the newsletter and its settings (Friday 09:00, on);
    the newsletter page offers it beside the others."""
    newsletter = Newsletter.objects.get(slug="community-digest")
    assert newsletter.name == "Community digest"
    assert not newsletter.is_default  # readers choose it; it is not ticked for them
    conf = DigestSettings.load()
    assert (conf.enabled, conf.weekday, conf.hour) == (True, 4, 9)
    assert conf.newsletter == newsletter
    html = client.get(reverse("newsletter:index")).content.decode()
    assert f'value="{newsletter.pk}"' in html
    assert "Community digest" in html


def test_the_data_migration_can_run_again_and_keeps_an_editors_changes():
    """Idempotent: no second newsletter, the editor's schedule is kept."""
    DigestSettings.objects.filter(pk=1).update(weekday=0, hour=7)
    migration = import_module("newsletter.migrations.0005_community_digest_newsletter")
    migration.create_digest(global_apps, None)
    assert Newsletter.objects.filter(slug="community-digest").count() == 1
    assert DigestSettings.objects.count() == 1
    assert (DigestSettings.load().weekday, DigestSettings.load().hour) == (0, 7)


# --- What goes in ---------------------------------------------------------------


def test_the_draft_holds_the_weeks_top_stories_and_most_discussed(conf, moment):
    """The front page's lead and top stories published in the week, then the
    articles with the most approved comments that week; never a draft, an
    article scheduled for later, last week's story or next week's."""
    lead = ArticleFactory(title="Lead of the week", published_at=moment - 2 * DAY)
    top = ArticleFactory(title="Top story of the week", published_at=moment - DAY)
    old = ArticleFactory(title="Last week's top story", published_at=moment - 9 * DAY)
    draft = ArticleFactory(title="A draft", status=Article.Status.DRAFT)
    later = ArticleFactory(
        title="Scheduled for later",
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() + DAY,
    )
    after = ArticleFactory(title="Published after the digest", published_at=moment)
    page = FrontPage.current()
    page.lead = lead
    page.save()
    for position, article in enumerate([old, top, draft, later], start=1):
        TopStory.objects.create(front_page=page, article=article, position=position)
    # Discussed this week: an older article with 4 approved comments, one with 3;
    # one with 2 (under the bar of 3) and one with many held comments.
    busy = ArticleFactory(title="Busy older story", published_at=moment - 30 * DAY)
    discuss(busy, 4, at=moment - DAY)
    quieter = ArticleFactory(title="Quieter story", published_at=moment - 4 * DAY)
    discuss(quieter, 3, at=moment - DAY)
    discuss(ArticleFactory(title="Two comments"), 2, at=moment - DAY)
    held = ArticleFactory(title="Held comments", published_at=moment - 4 * DAY)
    discuss(held, 6, at=moment - DAY, status=Comment.Status.PENDING)
    discuss(old, 5, at=moment - 8 * DAY)  # discussed last week

    run = draft_digest_when_due()

    issue = run.issue
    assert issue.status == Issue.Status.DRAFT
    assert issue.newsletter == conf.newsletter
    titles = [article.title for article in issue.ordered_articles()]
    assert titles == [
        "Lead of the week",
        "Top story of the week",
        "Busy older story",
        "Quieter story",
    ]
    assert after.title not in titles
    local = timezone.localtime(moment)
    assert issue.subject == f"Community digest: the week to {local.day} {local:%B}"
    assert issue.intro == conf.intro


def test_only_picks_whose_authors_consent_are_quoted(conf, moment):
    """Consent is off by default: a pick by a reader who never agreed is not in
    the draft; nor are picks from another week, unpicked or removed comments."""
    ada = consenting("Ada Lovelace")
    quoted = pick(author=ada, at=moment - DAY, body="Bridges are **civic** trust.")
    pick(author=UserFactory(display_name="Never asked"), at=moment - DAY)
    pick(author=consenting("Last week"), at=moment - 8 * DAY)
    removed = pick(author=consenting("Removed"), at=moment - DAY)
    Comment.objects.filter(pk=removed.pk).update(status=Comment.Status.REMOVED)

    issue = draft_digest_when_due().issue

    assert [p.comment for p in issue.picks.all()] == [quoted]
    message = email_for(issue)
    html = message.alternatives[0][0]
    assert "Ada Lovelace" in html and "Ada Lovelace" in message.body
    assert "<strong>civic</strong>" in html  # the comment's own rendering
    assert ada.email not in html + message.body  # the public name, never the email
    permalink = f"https://news.example.com{quoted.get_absolute_url()}"
    assert f'href="{permalink}"' in html and permalink in message.body
    for name in ("Never asked", "Last week", "Removed"):
        assert name not in html


def test_a_pick_is_left_out_once_its_author_withdraws_consent(conf, moment, run_tasks):
    """Withdrawn after the draft was made: the pick stays in the draft (marked
    as left out on the admin page) but is not in the preview or the email sent."""
    ada = consenting("Ada Lovelace")
    pick(author=ada, at=moment - DAY, body="My words, my choice.")
    pick(author=consenting("Grace Hopper"), at=moment - DAY, body="Still quoted.")
    issue = draft_digest_when_due().issue
    assert "My words, my choice." in email_for(issue).alternatives[0][0]

    ada.share_picks_in_digest = False
    ada.save()

    assert issue.picks.count() == 2  # the draft is not rewritten
    SubscriberFactory(email="reader@example.com", newsletters=[issue.newsletter])
    run_tasks(services.issue_send, issue=issue)
    (sent,) = [m for m in mail.outbox if m.to == ["reader@example.com"]]
    assert "Still quoted." in sent.body
    assert "My words, my choice." not in sent.body + sent.alternatives[0][0]
    assert "Ada Lovelace" not in sent.body + sent.alternatives[0][0]


def test_the_weeks_answered_reader_questions_are_in_the_digest(conf, moment):
    """Questions promoted into a published article's FAQ that week, linked to
    the answer; not those answered another week or only approved."""
    article = ArticleFactory(title="The bridge", published_at=moment - 5 * DAY)
    question = answered(at=moment - DAY, article=article)
    answered(at=moment - 8 * DAY, question="Answered last week?")
    ReaderQuestionFactory(text="Approved, not answered?", article=article)

    issue = draft_digest_when_due().issue

    assert [q.question for q in issue.questions.all()] == [question]
    message = email_for(issue)
    html = message.alternatives[0][0]
    assert "Will the bridge reopen?" in html and "Yes, in the spring." in html
    answer_url = f"https://news.example.com{question.faq_url}"
    assert f'href="{answer_url}"' in html and answer_url in message.body
    assert "Answered last week?" not in html
    assert "Approved, not answered?" not in html


def test_the_digest_email_has_both_parts_headers_and_descriptive_links(conf, moment):
    """Like every issue: HTML and text, one-click unsubscribe headers; and every
    link says where it goes (no repeated "Read more")."""
    article = ArticleFactory(title="The bridge", published_at=moment - DAY)
    pick(author=consenting("Ada"), at=moment - DAY, article=article)
    pick(author=consenting("Grace"), at=moment - DAY, article=article)
    answered(at=moment - DAY, article=article, question="When?")
    answered(at=moment - DAY, article=article, question="How much?")

    message = email_for(draft_digest_when_due().issue)

    assert_newsletter_email(message)
    html = message.alternatives[0][0]
    links = re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', html, re.S)
    texts: dict[str, str] = {}
    for href, text in links:
        assert "read more" not in text.lower()
        assert texts.setdefault(text, href) == href, f"'{text}' goes to two places"
    assert "Ada's comment on “The bridge”" in texts
    assert "Grace's comment on “The bridge”" in texts
    for heading in ("Top stories", "editors' picks", "Your questions, answered"):
        assert heading in html


def test_rendering_a_digest_takes_the_same_queries_whatever_it_holds(
    conf, moment, django_assert_max_num_queries
):
    """Articles, picks and questions: one query each, for 1 or 8 of each."""
    counts = []
    for size in (1, 8):
        conf.top_stories = conf.max_picks = conf.max_questions = size
        conf.most_discussed = 0
        for i in range(size):
            ArticleFactory(published_at=moment - DAY)
            pick(author=consenting(f"Reader {size}-{i}"), at=moment - DAY)
            answered(at=moment - DAY, question=f"Question {size}-{i}?")
        DigestRun.objects.all().delete()
        run = draft_week(conf, moment, now=timezone.now())
        issue = Issue.objects.select_related("newsletter").get(pk=run.issue_id)
        assert issue.picks.count() == size and issue.questions.count() == size
        with django_assert_max_num_queries(3) as captured:
            render_issue(issue)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_quiet_week_is_skipped_with_a_message_for_the_editor(
    conf, moment, admin_client
):
    """Nothing published, picked or answered: no draft, and the settings page
    says why."""
    old = ArticleFactory(published_at=moment - 30 * DAY)
    pick(author=UserFactory(share_picks_in_digest=False), at=moment - DAY, article=old)

    run = draft_digest_when_due()

    assert run.skipped and run.issue is None
    assert not Issue.objects.filter(newsletter=conf.newsletter).exists()
    page = admin_client.get(reverse("admin:newsletter_digestsettings_change", args=[1]))
    assert "Nothing to say this week" in page.content.decode()
    assert QUIET_WEEK.split(":")[0] in run.note
    assert draft_digest_when_due() is None  # and not tried again every minute


# --- Once a week, on schedule ---------------------------------------------------


def london(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=ZoneInfo("Europe/London"))


def test_due_at_the_hour_in_the_sites_time_zone_and_once_a_week(conf):
    """Friday 09:00 in London (08:00 UTC in summer): not at 08:59, at 09:00; run
    every minute after that, one digest; the next week, the next one."""
    conf.active_since = london(2026, 6, 6, 0, 0)  # after the Friday before
    conf.save()
    assert draft_digest_when_due(london(2026, 6, 12, 8, 59)) is None  # Friday
    assert not DigestRun.objects.filter(week_of=datetime.date(2026, 6, 8)).exists()
    run = draft_digest_when_due(london(2026, 6, 12, 9, 0))
    assert run.week_of == datetime.date(2026, 6, 8)
    assert run.scheduled_for == datetime.datetime(
        2026, 6, 12, 8, 0, tzinfo=datetime.UTC
    )
    for minute in range(1, 30):
        assert draft_digest_when_due(london(2026, 6, 12, 9, minute)) is None
    assert draft_digest_when_due(london(2026, 6, 15, 10, 0)) is None  # Monday
    assert draft_digest_when_due(london(2026, 6, 19, 9, 0)).week_of == datetime.date(
        2026, 6, 15
    )
    assert DigestRun.objects.count() == 2


def test_the_week_spans_a_clock_change(conf):
    """The week to Friday 30 October 2026 09:00 GMT starts Friday 23 October
    09:00 BST: 169 hours, from 09:00 to 09:00 on the reader's clock."""
    conf.active_since = london(2026, 10, 1, 0, 0)
    conf.save()
    run = draft_digest_when_due(london(2026, 10, 30, 9, 30))
    assert timezone.localtime(run.period_start).hour == 9
    assert timezone.localtime(run.period_end).hour == 9
    utc = datetime.UTC
    length = run.period_end.astimezone(utc) - run.period_start.astimezone(utc)
    assert length == datetime.timedelta(hours=169)


def test_switched_off_or_newly_switched_on_drafts_nothing_late(conf, admin_client):
    """Off: nothing. Switched on again on a Wednesday: last Friday's digest is
    not drafted late; next Friday's is."""
    conf.enabled = False
    conf.save()
    assert draft_digest_when_due(london(2026, 6, 12, 9, 0)) is None
    conf.enabled = True
    conf.active_since = london(2026, 6, 17, 12, 0)  # a Wednesday
    conf.save()
    assert draft_digest_when_due(london(2026, 6, 17, 12, 1)) is None
    assert draft_digest_when_due(london(2026, 6, 19, 9, 0)) is not None


def test_a_late_worker_drafts_the_weeks_digest_when_it_comes_back(conf):
    """No worker ran on Friday: Saturday's first run drafts the week's digest."""
    conf.active_since = london(2026, 6, 1, 0, 0)
    conf.save()
    run = draft_digest_when_due(london(2026, 6, 13, 15, 0))
    assert run.scheduled_for == london(2026, 6, 12, 9, 0)


def test_the_week_is_claimed_before_the_work_so_a_second_worker_drafts_nothing(
    conf, moment
):
    """Two workers that both saw no digest for the week: the second one's insert
    fails on the unique week and it drafts nothing (the constraint, not luck)."""
    ArticleFactory(published_at=moment - DAY)
    first = draft_week(conf, moment, now=timezone.now())
    second = draft_week(conf, moment, now=timezone.now())
    assert first.issue is not None and second is None
    assert Issue.objects.filter(newsletter=conf.newsletter).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        DigestRun.objects.create(
            week_of=first.week_of,
            scheduled_for=moment,
            period_start=moment,
            period_end=moment,
        )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_moment_draft_one_digest(settings):
    """Two threads (two connections) run the job at once: one digest."""
    settings.TIME_ZONE = "Europe/London"
    conf = DigestSettings.load()
    conf.newsletter = digest_newsletter()
    conf.active_since = timezone.now() - 30 * DAY
    conf.save()
    ArticleFactory(published_at=scheduled_moment(conf, timezone.now()) - DAY)
    barrier = threading.Barrier(4)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(draft_digest_when_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([run for run in results if run is not None]) == 1
    assert DigestRun.objects.count() == 1
    assert Issue.objects.filter(newsletter=conf.newsletter).count() == 1


# --- The editor and the draft ---------------------------------------------------


def test_nothing_is_sent_until_an_editor_sends_it(conf, moment, run_tasks):
    """The job only drafts: no delivery, no email; the editor's send goes to the
    digest's subscribers alone, through the usual sending."""
    ArticleFactory(title="The bridge", published_at=moment - DAY)
    digest_reader = SubscriberFactory(newsletters=[conf.newsletter])
    SubscriberFactory(newsletters=[daily()])
    issue = run_tasks(draft_digest_when_due).issue
    assert not Delivery.objects.exists() and mail.outbox == []
    assert issue.status == Issue.Status.DRAFT

    run_tasks(services.issue_send, issue=issue)

    assert [m.to for m in mail.outbox] == [[digest_reader.email]]
    assert mail.outbox[0].subject == issue.subject


def test_a_digest_of_picks_and_questions_alone_can_be_sent(conf, moment, run_tasks):
    """No story that week, but picks: the draft is made and the send is allowed."""
    old = ArticleFactory(published_at=moment - 30 * DAY)
    pick(author=consenting("Ada"), at=moment - DAY, article=old)
    issue = draft_digest_when_due().issue
    assert not issue.items.exists()
    services.issue_check_sendable(issue)  # no "no articles" refusal


@pytest.fixture
def editor_client(client):
    client.force_login(editor())
    return client


def test_an_editor_reorders_removes_and_rewrites_the_draft(conf, moment, editor_client):
    """Subject and intro edited, the second pick moved first, a question removed."""
    first = pick(author=consenting("First"), at=moment - 2 * DAY)
    second = pick(author=consenting("Second"), at=moment - DAY)
    answered(at=moment - DAY)
    issue = draft_digest_when_due().issue
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    page = editor_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "drafted automatically" in html and "Quoted" in html
    placements = list(issue.picks.all())
    (question,) = issue.questions.all()
    data = {
        "newsletter": issue.newsletter_id,
        "subject": "Our community this week",
        "preheader": issue.preheader,
        "intro": "Hello from the desk.",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "picks-TOTAL_FORMS": "2",
        "picks-INITIAL_FORMS": "2",
        "picks-0-id": placements[0].pk,
        "picks-0-issue": issue.pk,
        "picks-0-position": "2",
        "picks-1-id": placements[1].pk,
        "picks-1-issue": issue.pk,
        "picks-1-position": "1",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "1",
        "questions-0-id": question.pk,
        "questions-0-issue": issue.pk,
        "questions-0-position": "1",
        "questions-0-DELETE": "on",
    }
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    issue.refresh_from_db()
    assert issue.subject == "Our community this week"
    assert [p.comment for p in issue.picks.all()] == [second, first]
    assert not issue.questions.exists()
    body = email_for(issue).body
    assert body.index("Second") < body.index("First")
    assert "Will the bridge reopen?" not in body


def test_the_admin_marks_a_pick_left_out_for_want_of_consent(
    conf, moment, editor_client
):
    author = consenting("Changed Mind")
    pick(author=author, at=moment - DAY)
    issue = draft_digest_when_due().issue
    UserFactory._meta.model.objects.filter(pk=author.pk).update(
        share_picks_in_digest=False
    )
    html = editor_client.get(
        reverse("admin:newsletter_issue_change", args=[issue.pk])
    ).content.decode()
    assert "Left out: its author no longer agrees to be quoted" in html


def test_editors_set_the_schedule_and_moderators_cannot(conf, client):
    """The settings page: editors change the day and hour; moderators get 403."""
    url = reverse("admin:newsletter_digestsettings_change", args=[1])
    client.force_login(moderator())
    assert client.get(url).status_code == 403
    client.force_login(editor())
    page = client.get(url)
    assert page.status_code == 200
    assert "Next draft" in page.content.decode()
    assert client.get(reverse("admin:newsletter_digestsettings_changelist")).url == url
    data = {
        "enabled": "on",
        "weekday": "0",
        "hour": "7",
        "newsletter": conf.newsletter_id,
        "top_stories": "4",
        "most_discussed": "3",
        "min_comments": "3",
        "max_picks": "5",
        "max_questions": "5",
        "subject": "Community digest",
        "intro": "Hello.",
    }
    assert client.post(url, data).status_code == 302
    conf.refresh_from_db()
    assert (conf.weekday, conf.hour) == (0, 7)


def test_a_deleted_draft_is_not_made_again(conf, moment, admin_client):
    ArticleFactory(published_at=moment - DAY)
    run = draft_digest_when_due()
    run.issue.delete()
    assert draft_digest_when_due() is None
    html = admin_client.get(
        reverse("admin:newsletter_digestsettings_change", args=[1])
    ).content.decode()
    assert "the draft has since been deleted" in html
    assert not IssuePick.objects.exists()
