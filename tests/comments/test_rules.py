"""Automatic moderation: the rules run in a fixed order, each decision recorded."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from comments import rules, services
from comments.models import Comment, ModerationDecision, WordRule
from tests.accounts.factories import UserFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db


def post(article, author, body="A fair point about the talks.", **kwargs):
    return services.comment_create(article=article, author=author, body=body, **kwargs)


def refused_rule(article, author, body="A fair point about the talks.", **kwargs):
    with pytest.raises(services.CommentError) as excinfo:
        post(article, author, body, **kwargs)
    return excinfo.value


def test_unverified_email_is_refused_first(article):
    """Only readers with a confirmed email address take part."""
    error = refused_rule(article, UserFactory())
    assert error.message == services.NOT_VERIFIED
    assert not Comment.objects.exists()


def test_closed_discussion_is_refused_before_anything_else(article, veteran):
    """Rule 1: a closed discussion refuses even a suspended reader's comment."""
    article.discussion_mode = Article.DiscussionMode.CLOSED
    article.save()
    veteran.commenting_suspended_forever = True
    veteran.save()
    assert refused_rule(article, veteran).message == services.DISCUSSION_CLOSED


def test_discussion_past_its_close_date_is_closed(article, veteran):
    """Rule 1: the automatic close date closes the discussion."""
    article.discussion_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    article.save()
    assert refused_rule(article, veteran).message == services.DISCUSSION_CLOSED


def test_suspended_reader_is_told_until_when(article, veteran):
    """Rule 2: a suspension refuses the comment and says until when, and why."""
    until = timezone.now() + datetime.timedelta(days=2)
    veteran.commenting_suspended_until = until
    veteran.suspension_reason = "Personal attacks."
    veteran.save()
    WordRule.objects.create(phrase="talks", action=WordRule.Action.REJECT)
    error = refused_rule(article, veteran, honeypot="bot")  # later rules lose
    assert error.rule == "suspended"
    assert "suspended until" in error.message
    assert timezone.localtime(until).strftime("%-d %B %Y") in error.message
    assert "Personal attacks." in error.message


def test_rate_limit_per_minute(article, veteran, settings):
    """Rule 3: more than N comments a minute are refused (counted in the DB)."""
    settings.COMMENTS_RATE_PER_MINUTE = 2
    post(article, veteran, "First thought.")
    post(article, veteran, "Second thought.")
    # Also a duplicate with a filled honeypot: the rate limit speaks first.
    error = refused_rule(article, veteran, "Second thought.", honeypot="filled")
    assert error.message == services.RATE_MINUTE


def test_rate_limit_per_day(article, veteran, settings):
    """Rule 3: the daily limit counts the last 24 hours."""
    settings.COMMENTS_RATE_PER_DAY = 2
    CommentFactory(author=veteran, created=timezone.now() - datetime.timedelta(hours=2))
    post(article, veteran, "Another thought.")
    error = refused_rule(article, veteran, "Yet another.")
    assert error.message == services.RATE_DAY.format(limit=2)


def test_exact_duplicate_of_own_recent_comment(article, veteran):
    """Rule 4: the same text twice is refused before the honeypot is looked at."""
    post(article, veteran, "Exactly this.")
    error = refused_rule(article, veteran, "  Exactly this.  ", honeypot="bot")
    assert error.message == services.DUPLICATE
    assert Comment.objects.filter(body="Exactly this.").count() == 1


def test_duplicates_are_looked_for_over_the_whole_window(article, veteran):
    """Rule 4 sees a day's comments back, and not further (24 hours by default)."""
    CommentFactory(
        author=veteran,
        body="Said it yesterday.",
        created=timezone.now() - datetime.timedelta(hours=23),
    )
    CommentFactory(
        author=veteran,
        body="Said it long ago.",
        created=timezone.now() - datetime.timedelta(hours=25),
    )
    assert refused_rule(article, veteran, "Said it yesterday.").rule == "duplicate"
    assert post(article, veteran, "Said it long ago.").status == "approved"


def test_word_rule_changes_apply_to_the_next_post(article, veteran):
    """Rules are kept in memory, yet a new, paused or deleted rule counts at once."""
    post(article, veteran, "The mediators met again.")  # rules now in memory
    rule = WordRule.objects.create(phrase="mediators", action=WordRule.Action.REJECT)
    assert refused_rule(article, veteran, "The mediators spoke.").rule.startswith(
        "word-rule:"
    )
    rule.is_active = False
    rule.save()
    assert post(article, veteran, "The mediators left.").status == "approved"
    rule.is_active = True
    rule.save()
    refused_rule(article, veteran, "The mediators came back.")
    rule.delete()
    assert post(article, veteran, "The mediators returned.").status == "approved"


def test_honeypot_before_word_rules(article, veteran):
    """Rule 5: a filled honeypot is refused, even if a word rule would also."""
    WordRule.objects.create(phrase="scam", action=WordRule.Action.REJECT)
    error = refused_rule(article, veteran, "What a scam", honeypot="http://spam")
    assert error.message == services.HONEYPOT


def test_word_rule_reject_is_case_and_accent_insensitive(article, veteran):
    """Rule 6: a reject rule matches whole words whatever the case or accents."""
    WordRule.objects.create(phrase="cafe crook", action=WordRule.Action.REJECT)
    error = refused_rule(article, veteran, "He is a CAFÉ  crook, frankly.")
    assert error.message == services.WORD_REJECTED
    # Whole words only: a longer word containing the phrase passes.
    assert post(article, veteran, "The cafe crookery opened.").status == "approved"


def test_reject_beats_hold(article, veteran):
    """A reject rule wins over a hold rule for the same comment."""
    WordRule.objects.create(phrase="idiot", action=WordRule.Action.HOLD)
    WordRule.objects.create(phrase="moron", action=WordRule.Action.REJECT)
    assert refused_rule(article, veteran, "idiot moron").message == (
        services.WORD_REJECTED
    )


def test_refusals_are_recorded_with_their_reason(article, veteran):
    """Every refusal leaves a decision with the rule and the message."""
    article.discussion_mode = Article.DiscussionMode.CLOSED
    article.save()
    refused_rule(article, veteran)
    decision = ModerationDecision.objects.get()
    assert decision.outcome == "refused"
    assert decision.rule == "closed"
    assert decision.reason == services.DISCUSSION_CLOSED
    assert decision.author == veteran


def test_word_rule_hold(article, veteran):
    """Hold 1: a hold rule keeps the comment for review, with the reason."""
    WordRule.objects.create(
        phrase="ceasefire", action=WordRule.Action.HOLD, match=WordRule.Match.PHRASE
    )
    comment = post(
        article, veteran, "No real CEASEFIREs here. https://a https://b https://c"
    )
    assert comment.status == Comment.Status.PENDING
    assert comment.hold_reason == services.HOLD_WORD
    article.refresh_from_db()
    assert article.comment_count == 0


def test_too_many_links_are_held(article, veteran, settings):
    """Hold 2: more than N links waits for review; N itself passes."""
    settings.COMMENTS_HOLD_LINKS_OVER = 2
    newcomer = VerifiedUserFactory()
    held = post(article, newcomer, "https://a.example https://b.example https://c.x")
    assert held.hold_reason == services.HOLD_LINKS.format(limit=2)  # before "first"
    two = post(article, veteran, "See https://a.example and www.b.example")
    assert two.status == Comment.Status.APPROVED
    three = post(
        article, veteran, "https://a.example https://b.example [c](https://c.example)"
    )
    assert three.status == Comment.Status.PENDING
    assert three.hold_reason == services.HOLD_LINKS.format(limit=2)


def test_first_comment_is_held(article):
    """Hold 3: a new reader's first comment waits until one has been approved."""
    newcomer = VerifiedUserFactory(premoderated=True)
    comment = post(article, newcomer)
    assert comment.status == Comment.Status.PENDING
    assert comment.hold_reason == services.HOLD_FIRST  # before "pre-moderated"
    newcomer.premoderated = False
    newcomer.save()
    services.comment_approve(comment=comment)
    assert post(article, newcomer, "And another.").status == Comment.Status.APPROVED


@pytest.mark.parametrize("approved_needed", [0, 2])
def test_first_comments_hold_counts_as_many_as_configured(
    article, settings, approved_needed
):
    """The hold lasts until N comments are approved; 0 turns it off."""
    settings.COMMENTS_HOLD_FIRST_APPROVED = approved_needed
    reader = VerifiedUserFactory()
    for n in range(approved_needed):
        comment = post(article, reader, f"Thought number {n}.")
        assert comment.hold_reason == services.HOLD_FIRST
        CommentFactory(author=reader, status=Comment.Status.REJECTED)  # not counted
        services.comment_approve(comment=comment)
    assert post(article, reader, "Now I am known.").status == Comment.Status.APPROVED


def test_premoderated_author_is_held(article, veteran):
    """Hold 4: a pre-moderated reader's comments wait."""
    veteran.premoderated = True
    veteran.save()
    article.discussion_mode = Article.DiscussionMode.PREMODERATED
    article.save()
    comment = post(article, veteran)  # the author's flag is named before the article
    assert (comment.status, comment.hold_reason) == ("pending", services.HOLD_AUTHOR)


def test_premoderated_article_holds_every_comment(article, veteran):
    """Hold 5: on a pre-moderated article every comment waits."""
    article.discussion_mode = Article.DiscussionMode.PREMODERATED
    article.save()
    comment = post(article, veteran)
    assert (comment.status, comment.hold_reason) == ("pending", services.HOLD_ARTICLE)
    assert ModerationDecision.objects.filter(
        comment=comment, outcome="held", rule="article-premoderated"
    ).exists()


def test_trusted_readers_skip_holds(article):
    """Trusted readers publish at once, links and all, even on a pre-moderated
    article (and before any comment of theirs was approved)."""
    article.discussion_mode = Article.DiscussionMode.PREMODERATED
    article.save()
    WordRule.objects.create(phrase="ceasefire", action=WordRule.Action.HOLD)
    trusted = VerifiedUserFactory(trusted=True)
    comment = post(article, trusted, "truce https://a https://b https://c")
    assert comment.status == Comment.Status.APPROVED


def test_a_trusted_readers_comment_with_a_held_word_is_still_held(article):
    """Word rules are the newsroom's call on content: trust does not skip them."""
    WordRule.objects.create(phrase="ceasefire", action=WordRule.Action.HOLD)
    trusted = VerifiedUserFactory(trusted=True)
    comment = post(article, trusted, "On the ceasefire talks")
    assert comment.status == Comment.Status.PENDING
    assert comment.hold_reason == rules.HOLD_WORD


def test_trusted_readers_do_not_skip_refusals(article):
    """Trust skips holds, never the reject rules."""
    WordRule.objects.create(phrase="moron", action=WordRule.Action.REJECT)
    trusted = VerifiedUserFactory(trusted=True)
    assert refused_rule(article, trusted, "moron").message == services.WORD_REJECTED


def test_otherwise_published_and_recorded(article, veteran):
    """No rule applies: the comment is published and the decision recorded."""
    comment = post(article, veteran)
    assert comment.status == Comment.Status.APPROVED
    assert ModerationDecision.objects.get(comment=comment).outcome == "published"
    article.refresh_from_db()
    assert article.comment_count == 1


def test_empty_and_whitespace_are_refused(article, veteran):
    assert refused_rule(article, veteran, "   \n\t ").message == services.EMPTY


def test_over_long_is_refused(article, veteran, settings):
    settings.COMMENTS_MAX_LENGTH = 10
    error = refused_rule(article, veteran, "x" * 11)
    assert error.message == services.TOO_LONG.format(limit=10, length=11)
    assert post(article, veteran, "x" * 10).status == "approved"


def test_reply_to_another_articles_comment_is_refused(article, veteran):
    other = CommentFactory()
    error = refused_rule(article, veteran, parent=other)
    assert error.message == services.REPLY_OTHER_ARTICLE


@pytest.mark.parametrize("status", ["pending", "removed", "rejected", "deleted"])
def test_reply_to_unpublished_comment_is_refused(article, veteran, status):
    parent = CommentFactory(article=article, status=status)
    error = refused_rule(article, veteran, parent=parent)
    assert error.message == services.REPLY_NOT_PUBLISHED


def test_replies_nest_three_levels_then_attach_with_a_mention(article, veteran):
    """A reply to a level-3 comment becomes its sibling, 'in reply to' its author."""
    top = post(article, veteran, "Level one.")
    two = post(article, veteran, "Level two.", parent=top)
    three = post(article, veteran, "Level three.", parent=two)
    four = post(article, veteran, "Level four?", parent=three)
    assert [top.depth, two.depth, three.depth, four.depth] == [1, 2, 3, 3]
    assert four.parent_id == two.pk and four.reply_to_id == three.pk
    assert {c.root_id for c in (two, three, four)} == {top.pk}


def test_a_suspended_reader_cannot_rewrite_a_published_comment(article, veteran):
    """Suspension also stops edits inside the edit window (no abuse by rewrite)."""
    comment = post(article, veteran, "A measured first take.")
    assert comment.status == "approved"
    veteran.commenting_suspended_until = timezone.now() + datetime.timedelta(days=1)
    veteran.save()
    with pytest.raises(services.CommentError) as excinfo:
        services.comment_edit(comment=comment, user=veteran, body="Something abusive.")
    assert "suspended until" in excinfo.value.message
    comment.refresh_from_db()
    assert comment.body == "A measured first take."


def test_no_edits_once_the_discussion_is_closed(article, veteran):
    comment = post(article, veteran, "Before the close.")
    article.discussion_mode = Article.DiscussionMode.CLOSED
    article.save()
    with pytest.raises(services.CommentError) as excinfo:
        services.comment_edit(comment=comment, user=veteran, body="After the close.")
    assert excinfo.value.message == services.DISCUSSION_CLOSED


# --- Who may take part: one rule for writes, the read side and questions -----------

LATER = timezone.now() + datetime.timedelta(days=3)


@pytest.mark.parametrize(
    ("reader", "discussion", "refused_as"),
    [
        ("anonymous", "open", "not-verified"),
        ("unverified", "open", "not-verified"),
        ("verified", "open", None),
        ("suspended", "open", "suspended"),
        ("verified", "closed", "closed"),
        ("suspended", "closed", "closed"),
    ],
)
def test_who_may_take_part(article, reader, discussion, refused_as):
    from django.contrib.auth.models import AnonymousUser

    from comments.rules import take_part_refusal

    user = {
        "anonymous": lambda: AnonymousUser(),
        "unverified": lambda: UserFactory(),
        "verified": lambda: VerifiedUserFactory(),
        "suspended": lambda: VerifiedUserFactory(commenting_suspended_until=LATER),
    }[reader]()
    if discussion == "closed":
        article.discussion_mode = Article.DiscussionMode.CLOSED
        article.save()
    refusal = take_part_refusal(user, article=article)
    assert (refusal.rule if refusal else None) == refused_as
    # The article page offers the comment form exactly when the rule allows it.
    from django.test import RequestFactory

    from comments.discussion import discussion_for

    request = RequestFactory().get(article.get_absolute_url())
    request.user = user
    assert (discussion_for(request, article).form is not None) == (refused_as is None)
