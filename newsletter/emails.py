"""Building newsletter emails: templates, inlined CSS, unsubscribe headers.

Every email this app sends goes through `build_message`, so every one carries a
preferences link, an unsubscribe link signed for its subscriber, `List-Unsubscribe`
(URL and mailto) and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).

An issue goes to many subscribers: it is rendered and its CSS inlined once
(`render_issue`), with placeholder links that `personalise` swaps for each
subscriber's own signed links.
"""

from dataclasses import replace

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from articles.markdown import render_article
from core.mail import RenderedEmail, email_message
from core.mail import render_email as core_render_email

from .digest import issue_picks, issue_questions
from .models import Issue, Subscriber
from .tokens import make_manage_token

_inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)

# Only letters, digits and hyphens: they survive HTML escaping and URL quoting.
UNSUBSCRIBE_PLACEHOLDER = "x-newsletter-unsubscribe-url-9f2c"
PREFERENCES_PLACEHOLDER = "x-newsletter-preferences-url-9f2c"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_url(subscriber: Subscriber) -> str:
    token = make_manage_token(subscriber)
    return absolute(reverse("newsletter:unsubscribe", args=[token]))


def preferences_url(subscriber: Subscriber) -> str:
    token = make_manage_token(subscriber)
    return absolute(reverse("newsletter:manage", args=[token]))


def render_email(name: str, context: dict) -> RenderedEmail:
    """Render newsletter/email/<name>_subject.txt, .txt and .html (CSS inlined)."""
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "preferences_url": PREFERENCES_PLACEHOLDER,
        **context,
    }
    rendered = core_render_email(f"newsletter/email/{name}", context)
    return replace(rendered, html=_inliner.inline(rendered.html))


def personalise(
    rendered: RenderedEmail, subscriber: Subscriber, *, connection=None
) -> EmailMultiAlternatives:
    """The message for one subscriber, with their own links and headers."""
    unsubscribe = unsubscribe_url(subscriber)
    preferences = preferences_url(subscriber)

    def fill(body: str) -> str:
        return body.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe).replace(
            PREFERENCES_PLACEHOLDER, preferences
        )

    return email_message(
        replace(rendered, text=fill(rendered.text), html=fill(rendered.html)),
        to=[subscriber.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>, "
            f"<mailto:{settings.NEWSLETTER_UNSUBSCRIBE_MAILTO}?subject=unsubscribe>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def build_message(
    name: str, subscriber: Subscriber, context: dict | None = None
) -> EmailMultiAlternatives:
    return personalise(
        render_email(name, {"subscriber": subscriber, **(context or {})}), subscriber
    )


def render_issue(issue: Issue) -> RenderedEmail:
    """The issue as every subscriber gets it, but for their own links.

    Three queries whatever the issue holds: its articles, its editors' picks
    that may still be quoted (the digest's consent rule, applied again at every
    render) and its answered reader questions.
    """
    articles = [
        {"article": article, "url": absolute(article.get_absolute_url())}
        for article in issue.ordered_articles()
    ]
    picks = [
        {"comment": comment, "url": absolute(comment.get_absolute_url())}
        for comment in issue_picks(issue)
    ]
    questions = [
        {"question": question, "url": absolute(question.faq_url)}
        for question in issue_questions(issue)
    ]
    return render_email(
        "issue",
        {
            "issue": issue,
            "newsletter": issue.newsletter,
            "intro_html": render_article(issue.intro) if issue.intro else "",
            "articles": articles,
            "picks": picks,
            "questions": questions,
            "sections": bool(picks or questions),
        },
    )
