"""Earned trust: earning and losing it at the edge of each condition of the bar,
locked trust, and what trust does (and does not) let a reader skip."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments import conf, services
from comments.models import (
    Comment,
    ModerationDecision,
    ModerationSettings,
    Report,
    WordRule,
)
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.moderation.helpers import moderator

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def bar(settings):
    """3 approved comments over 10 days, 90% approved, nothing against them in 30."""
    settings.COMMENTS_TRUST_MIN_APPROVED = 3
    settings.COMMENTS_TRUST_MIN_DAYS = 10
    settings.COMMENTS_TRUST_MIN_APPROVAL_PERCENT = 90
    settings.COMMENTS_TRUST_CLEAN_DAYS = 30
    settings.COMMENTS_HOLD_FIRST_APPROVED = 1


@pytest.fixture(autouse=True)
def counted(article):
    """The comments below are saved directly, without counting: start the
    article's count high enough for the decisions that take some down."""
    Article.objects.filter(pk=article.pk).update(comment_count=1000)


def history(reader, article, *, approved: int, first_days_ago: int, rejected=0):
    """`approved` approved comments, the first `first_days_ago` days ago, and
    `rejected` rejected ones (each a moderator's decision, as the queue makes)."""
    for n in range(approved):
        CommentFactory(
            article=article,
            author=reader,
            created=NOW - datetime.timedelta(days=first_days_ago if n == 0 else 1),
        )
    for _ in range(rejected):
        CommentFactory(
            article=article,
            author=reader,
            status=Comment.Status.REJECTED,
            created=NOW - datetime.timedelta(days=2),
        )


def post(article, reader, body="A fair point, well made."):
    return services.comment_create(article=article, author=reader, body=body)


def trust_decisions(reader):
    return list(
        ModerationDecision.objects.filter(
            author=reader,
            outcome__in=[
                ModerationDecision.Outcome.TRUSTED,
                ModerationDecision.Outcome.UNTRUSTED,
            ],
        ).values_list("outcome", "reason")
    )


# --- Earning ------------------------------------------------------------------------


def test_the_comment_that_completes_the_record_earns_trust_and_says_why(article):
    reader = VerifiedUserFactory()
    history(reader, article, approved=2, first_days_ago=10)
    comment = post(article, reader)
    assert comment.status == Comment.Status.APPROVED
    reader.refresh_from_db()
    assert reader.trusted
    assert reader.trust_reason == "earned: 3 approved over 10 days, 100%"
    assert trust_decisions(reader) == [
        ("trusted", "Earned: 3 approved over 10 days, 100%")
    ]


def test_one_approved_comment_short_of_the_bar_earns_nothing(article):
    reader = VerifiedUserFactory()
    history(reader, article, approved=1, first_days_ago=40)
    post(article, reader)  # 2 of 3
    reader.refresh_from_db()
    assert not reader.trusted
    assert trust_decisions(reader) == []


def test_a_day_short_of_the_bar_earns_nothing(article):
    reader = VerifiedUserFactory()
    history(reader, article, approved=2, first_days_ago=9)
    post(article, reader)
    reader.refresh_from_db()
    assert not reader.trusted


@pytest.mark.parametrize(
    "approved, rejected, earns",
    # with the comment posted: 9 of 10 (90%), 10 of 11 (90.9%), 9 of 11 (81.8%)
    [(8, 1, True), (9, 1, True), (8, 2, False)],
)
def test_the_approval_rate_bar(article, approved, rejected, earns):
    reader = VerifiedUserFactory()
    history(reader, article, approved=approved, first_days_ago=20, rejected=rejected)
    post(article, reader)
    reader.refresh_from_db()
    assert reader.trusted is earns


@pytest.mark.parametrize("days_ago, earns", [(29, False), (31, True)])
def test_an_upheld_report_keeps_trust_away_for_the_clean_period(
    article, days_ago, earns
):
    reader = VerifiedUserFactory()
    history(reader, article, approved=12, first_days_ago=60)
    reported = CommentFactory(article=article, author=reader)
    Report.objects.create(comment=reported, user=VerifiedUserFactory(), reason="abuse")
    services.comment_reject(comment=reported, moderator=moderator(), reason="abuse")
    ModerationDecision.objects.filter(comment=reported).update(
        created=NOW - datetime.timedelta(days=days_ago)
    )
    post(article, reader)
    reader.refresh_from_db()
    assert reader.trusted is earns


def test_a_moderators_approval_can_earn_trust_too(article):
    reader = VerifiedUserFactory()
    history(reader, article, approved=2, first_days_ago=15)
    held = CommentFactory(article=article, author=reader, status="pending")
    services.comment_approve(comment=held, moderator=moderator())
    reader.refresh_from_db()
    assert reader.trusted


def test_earned_trust_is_off_when_the_bar_asks_for_no_comments(article, settings):
    settings.COMMENTS_TRUST_MIN_APPROVED = 0
    reader = VerifiedUserFactory()
    history(reader, article, approved=30, first_days_ago=300)
    post(article, reader)
    reader.refresh_from_db()
    assert not reader.trusted


def test_a_suspended_or_premoderated_reader_does_not_earn_it(article):
    reader = VerifiedUserFactory(premoderated=True)
    history(reader, article, approved=5, first_days_ago=60)
    held = post(article, reader)
    services.comment_approve(comment=held, moderator=moderator())
    reader.refresh_from_db()
    assert not reader.trusted


# --- Losing -------------------------------------------------------------------------


def test_a_rejection_that_drops_the_rate_below_the_bar_loses_trust(article):
    reader = VerifiedUserFactory(trusted=True, trust_reason="earned: …")
    history(reader, article, approved=8, first_days_ago=60)
    comment = CommentFactory(article=article, author=reader)
    services.comment_reject(comment=comment, moderator=moderator(), reason="off-topic")
    reader.refresh_from_db()
    assert not reader.trusted  # 8 of 9: 88%
    reason = f"lost: rejected comment #{comment.pk} (88% approved, below 90%)"
    assert reader.trust_reason == reason
    assert trust_decisions(reader) == [("untrusted", "L" + reason[1:])]


def test_a_rejection_that_leaves_the_record_above_the_bar_keeps_trust(article):
    reader = VerifiedUserFactory(trusted=True)
    history(reader, article, approved=20, first_days_ago=60)
    comment = CommentFactory(article=article, author=reader)
    services.comment_reject(comment=comment, moderator=moderator(), reason="off-topic")
    reader.refresh_from_db()
    assert reader.trusted  # 20 of 21: 95%


def test_an_upheld_report_loses_trust_at_once(article):
    reader = VerifiedUserFactory(trusted=True)
    history(reader, article, approved=40, first_days_ago=200)
    comment = CommentFactory(article=article, author=reader)
    Report.objects.create(comment=comment, user=VerifiedUserFactory(), reason="abuse")
    services.comment_remove(comment=comment, moderator=moderator(), note="Insults.")
    reader.refresh_from_db()
    assert not reader.trusted
    assert f"a report upheld on comment #{comment.pk}" in reader.trust_reason


def test_a_suspension_loses_trust(article):
    reader = VerifiedUserFactory(trusted=True)
    history(reader, article, approved=40, first_days_ago=200)
    services.reader_suspend(
        reader=reader,
        moderator=moderator(),
        reason="Insults.",
        until=NOW + datetime.timedelta(days=3),
    )
    reader.refresh_from_db()
    assert not reader.trusted
    assert reader.trust_reason.startswith("lost: suspended until")


# --- Locked trust, by hand ------------------------------------------------------------


def test_locked_trust_is_never_lost_automatically(article):
    reader = VerifiedUserFactory(trusted=True, trust_locked=True)
    comment = CommentFactory(article=article, author=reader)
    services.comment_reject(comment=comment, moderator=moderator(), reason="off-topic")
    reader.refresh_from_db()
    assert reader.trusted


def test_a_locked_untrusted_reader_never_earns_it(article):
    reader = VerifiedUserFactory(trust_locked=True)
    history(reader, article, approved=10, first_days_ago=60)
    post(article, reader)
    reader.refresh_from_db()
    assert not reader.trusted


def test_moderators_grant_and_lock_trust_in_the_readers_page_and_it_is_recorded(
    client, article
):
    client.force_login(moderator())
    reader = VerifiedUserFactory()
    response = client.post(
        reverse("admin:accounts_user_change", args=[reader.pk]),
        {"trusted": "on", "trust_locked": "on"},
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.trusted and reader.trust_locked
    assert reader.trust_reason == "granted by a moderator"
    outcomes = set(
        ModerationDecision.objects.filter(author=reader).values_list(
            "outcome", flat=True
        )
    )
    assert outcomes == {"trusted", "trust-locked"}


# --- What trust skips -----------------------------------------------------------------


def test_a_trusted_reader_skips_the_link_and_premoderation_holds(article):
    article.discussion_mode = "premoderated"
    article.save()
    reader = VerifiedUserFactory(trusted=True)
    comment = post(article, reader, "See https://a.example https://b.example https://c")
    assert comment.status == Comment.Status.APPROVED
    decision = ModerationDecision.objects.get(comment=comment)
    assert decision.rule == "trusted:links"  # the dashboard counts what trust saved


def test_a_trusted_readers_comment_with_a_held_word_is_still_held(article):
    WordRule.objects.create(phrase="ceasefire", action=WordRule.Action.HOLD)
    reader = VerifiedUserFactory(trusted=True)
    comment = post(article, reader, "The ceasefire will not hold.")
    assert comment.status == Comment.Status.PENDING


def test_the_bar_is_set_on_the_moderation_settings_page(article, settings):
    del settings.COMMENTS_TRUST_MIN_APPROVED
    ModerationSettings.objects.update_or_create(
        pk=1, defaults={"trust_min_approved": 2}
    )
    conf.settings_changed()
    reader = VerifiedUserFactory()
    history(reader, article, approved=1, first_days_ago=11)
    post(article, reader)
    reader.refresh_from_db()
    assert reader.trusted


# --- What readers see ------------------------------------------------------------


def test_trusted_readers_carry_a_badge_that_explains_itself(client, article):
    trusted = VerifiedUserFactory(trusted=True, display_name="Priya Shah")
    plain = VerifiedUserFactory(display_name="Tom Evans")
    CommentFactory(article=article, author=trusted, body="From the trusted.")
    CommentFactory(article=article, author=plain, body="From the rest.")
    page = client.get(article.get_absolute_url()).content.decode()
    assert page.count('class="badge badge-trusted"') == 1
    header = page[page.index("<b>Priya Shah</b>") :][:400]
    assert 'href="/discussion/guidelines/#trusted"' in header
    assert 'title="A trusted commenter' in header
    guidelines = client.get("/discussion/guidelines/").content.decode()
    assert 'id="trusted"' in guidelines
    assert "at least 3 approved comments over at least 10 days" in guidelines


def test_the_settings_page_says_where_the_reader_stands(client, article):
    reader = VerifiedUserFactory()
    history(reader, article, approved=2, first_days_ago=4)
    client.force_login(reader)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "Your standing in the discussion" in page
    assert "Your record: 2 approved comments, 100% approved" in page
    assert "still to come: 1 more approved comment." in page
    post(article, reader)  # the third: but over 4 days, not 10
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "still to come: 6 more days of taking part." in page
    User = reader.__class__
    User.objects.filter(pk=reader.pk).update(
        trusted=True, trust_reason="earned: 3 approved over 10 days, 100%"
    )
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "You are a trusted commenter." in page
    assert "Why: earned: 3 approved over 10 days, 100%." in page


def test_readers_consent_to_the_digest_on_their_settings_page(client):
    reader = VerifiedUserFactory(display_name="Priya Shah")
    client.force_login(reader)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert 'name="share_picks_in_digest"' in page
    assert 'name="share_picks_in_digest" checked' not in page  # off by default
    response = client.post(
        reverse("accounts:settings"),
        {"display_name": "Priya Shah", "bio": "", "share_picks_in_digest": "on"},
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.share_picks_in_digest


# --- What the review found ----------------------------------------------------------


def test_a_lost_trust_takes_the_badge_off_cached_pages(
    client, article, django_capture_on_commit_callbacks
):
    reader = VerifiedUserFactory(trusted=True, display_name="Priya Shah")
    history(reader, article, approved=2, first_days_ago=60)
    url = article.get_absolute_url()
    assert 'class="badge badge-trusted"' in client.get(url).content.decode()
    comment = CommentFactory(article=article, author=reader)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_reject(
            comment=comment, moderator=moderator(), reason="off-topic"
        )
    reader.refresh_from_db()
    assert not reader.trusted  # 3 of 4 approved: 75%
    assert 'class="badge badge-trusted"' not in client.get(url).content.decode()


def test_deleting_a_rejected_comment_does_not_clean_the_record(article):
    reader = VerifiedUserFactory()
    history(reader, article, approved=8, first_days_ago=60)
    rejected = CommentFactory(article=article, author=reader, status="pending")
    services.comment_reject(comment=rejected, moderator=moderator(), reason="abuse")
    rejected.refresh_from_db()
    services.comment_delete(comment=rejected, user=reader)
    post(article, reader)  # 9 approved of 10 decided: 90%, on the bar
    reader.refresh_from_db()
    assert reader.trusted
    assert reader.trust_reason == "earned: 9 approved over 60 days, 90%"


def test_trust_a_moderator_removed_is_not_earned_back_by_the_next_comment(article):
    reader = VerifiedUserFactory(trusted=True)
    history(reader, article, approved=30, first_days_ago=200)
    services.reader_set_trusted(reader=reader, moderator=moderator(), on=False)
    post(article, reader)
    reader.refresh_from_db()
    assert not reader.trusted
    # (a moderator may grant it again)
    services.reader_set_trusted(reader=reader, moderator=moderator(), on=True)
    reader.refresh_from_db()
    assert reader.trusted


def test_with_earned_trust_off_a_suspension_still_ends_trust(article, settings):
    settings.COMMENTS_TRUST_MIN_APPROVED = 0
    reader = VerifiedUserFactory(trusted=True)
    comment = CommentFactory(article=article, author=reader)
    services.comment_reject(comment=comment, moderator=moderator(), reason="links")
    reader.refresh_from_db()
    assert reader.trusted  # automation off: a rejection alone changes nothing
    services.reader_suspend(
        reader=reader,
        moderator=moderator(),
        reason="Insults.",
        until=NOW + datetime.timedelta(days=3),
    )
    reader.refresh_from_db()
    assert not reader.trusted
