"""axe on the pages no other browser test covers, in light and dark colour schemes:
reader questions (answers, asking, one's own), the newsletter page, a public
profile with comments, the no-JavaScript discussion pages, the discussion filtered
to answers, a nameless reader's article page, search with results, and the 404."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.questions import services as qs
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.questions.factories import ReaderQuestionFactory
from tests.newsletter.factories import daily, weekly

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site():
    """One article with a discussion, a featured question with an answer, an
    answered (promoted) question, and two readers: one named, one without a name."""
    daily(), weekly()  # data-migration rows, flushed by transactional tests
    article = ArticleFactory(title="Ceasefire talks resume in Miami")
    named = VerifiedUserFactory(
        display_name="Noor Named", bio="Reads every day.", trusted=True
    )
    nameless = VerifiedUserFactory(display_name="")
    editor = VerifiedUserFactory(is_staff=True, display_name="Eda Editor")
    earlier = timezone.now() - datetime.timedelta(days=2)
    top = CommentFactory(
        article=article, author=named, body="A *long* view.", created=earlier
    )
    CommentFactory(article=article, parent=top, root=top, depth=2, body="Agreed.")
    CommentFactory(article=article, author=nameless, body="Mine, without a name.")
    answered = ReaderQuestionFactory(
        article=article, author=named, text="Who will guarantee the ceasefire?"
    )
    qs.question_promote(question=answered, editor=editor, answer="The guarantors.")
    featured = qs.question_feature(
        question=ReaderQuestionFactory(
            article=article, author=named, text="Will the UN send peacekeepers?"
        )
    )
    answer = CommentFactory(article=article, author=named, body="Only with a mandate.")
    featured.answers.add(answer)
    ReaderQuestionFactory(article=None, author=nameless, text="Why so few women?")
    ReaderQuestionFactory(
        article=article, author=nameless, status="pending", text="What next, then?"
    )
    article.comment_count = 4
    article.save()
    return {
        "article": article,
        "named": named,
        "nameless": nameless,
        "top": top,
        "mine": article.comments.get(author=nameless),
        "featured": featured,
    }


def sign_in(context, live_server, user) -> None:
    """Reuse a Django test-client session instead of typing into the login form."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    context.add_cookies(
        [{"name": "sessionid", "value": cookie, "url": live_server.url}]
    )


# (name, who is signed in, how to build the path from the site fixture)
PAGES = [
    ("answered questions", None, lambda s: reverse("comments:questions_answered")),
    ("ask the newsroom", "nameless", lambda s: reverse("comments:question_ask")),
    ("my questions", "nameless", lambda s: reverse("comments:questions_mine")),
    ("newsletter", None, lambda s: reverse("newsletter:index")),
    ("community guidelines", None, lambda s: reverse("comments:guidelines")),
    (
        "profile with comments",
        None,
        lambda s: reverse("accounts:profile", args=[s["named"].pk]),
    ),
    (
        "answers filter",
        None,
        lambda s: s["article"].get_absolute_url() + "?cfilter=answers",
    ),
    ("article, reader without a name", "nameless", lambda s: s["article"].url),
    (
        "answers page",
        None,
        lambda s: reverse("comments:question_answers", args=[s["article"].pk]),
    ),
    (
        "answer page",
        "nameless",
        lambda s: reverse("comments:question_answer", args=[s["featured"].pk]),
    ),
    (
        "reply page (no JavaScript)",
        "nameless",
        lambda s: reverse("comments:reply", args=[s["top"].pk]),
    ),
    (
        "report page",
        "nameless",
        lambda s: reverse("comments:report", args=[s["top"].pk]),
    ),
    ("edit page", "nameless", lambda s: reverse("comments:edit", args=[s["mine"].pk])),
    (
        "delete page",
        "nameless",
        lambda s: reverse("comments:delete", args=[s["mine"].pk]),
    ),
    ("search with results", None, lambda s: reverse("articles:search") + "?q=Miami"),
    ("not found", None, lambda s: "/no-such-page/"),
]


# What each page must show: axe on an empty or wrong page would prove nothing.
SHOWS = {
    "answered questions": "Who will guarantee the ceasefire?",
    "ask the newsroom": "Display name (optional)",
    "my questions": "What next, then?",
    "newsletter": "Subscribe",
    "community guidelines": "Trusted commenters",
    "profile with comments": "A <em>long</em> view.",
    "answers filter": "Answer to the reader question</span>",
    "article, reader without a name": "so your comment would show as",
    "answers page": "Only with a mandate.",
    "answer page": "Your answer",
    "reply page (no JavaScript)": "Your reply to Noor Named",
    "report page": "Why are you reporting this comment?",
    "edit page": "Save changes",
    "delete page": "Delete your comment?",
    "search with results": "Ceasefire talks resume in Miami",
    "not found": "",
}


@pytest.mark.parametrize(
    ("name", "who", "path"), PAGES, ids=[name for name, _, _ in PAGES]
)
def test_page_has_no_axe_violations_in_light_and_dark(
    page, context, live_server, axe_check, site, name, who, path
):
    site["article"].url = site["article"].get_absolute_url()
    if who:
        sign_in(context, live_server, site[who])
    response = page.goto(live_server.url + path(site))
    assert response.status == (404 if name == "not found" else 200)
    assert SHOWS[name] in page.content()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        axe_check(page, f"on the {name} page ({scheme})")
