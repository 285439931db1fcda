"""Two promises of the discussion, end to end through the views: replies deeper
than three levels attach to the third level with an "in reply to" mention, and the
anonymous "Sign in" prompt brings the reader back to the same place afterwards."""

import html as html_lib
import re

import pytest

from comments.models import Comment
from tests.accounts.factories import PASSWORD
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.helpers import post_url

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def three_levels(article):
    one = CommentFactory(article=article, body="Level one.")
    two = CommentFactory(
        article=article, parent=one, root=one, depth=2, body="Level two."
    )
    three_author = VerifiedUserFactory(display_name="Tess Third")
    three = CommentFactory(
        article=article,
        author=three_author,
        parent=two,
        root=one,
        depth=3,
        body="Level three.",
    )
    return one, two, three


def mention(three) -> str:
    return (
        f'<p class="in-reply-to">In reply to <a href="#comment-{three.pk}">'
        f"{three.author.public_name}</a></p>"
    )


def test_reply_to_the_third_level_shows_beside_it_in_reply_to_its_author(
    client, article, veteran, three_levels
):
    """Without JavaScript: the reply is listed under level two, after level three,
    and names the comment it answers with a link to it."""
    one, two, three = three_levels
    client.force_login(veteran)
    response = client.post(
        post_url(article), {"body": "Level four?", "parent": three.pk}, follow=True
    )
    page = response.content.decode()
    four = Comment.objects.get(body="Level four?")
    assert response.redirect_chain[-1][0].endswith(f"#comment-{four.pk}")
    replies_of_two = page[page.index(f'<ol class="replies" id="replies-{two.pk}">') :]
    assert replies_of_two.index(f'<li id="comment-{three.pk}">') < (
        replies_of_two.index(f'<li id="comment-{four.pk}">')
    )
    card = page[page.index(f'<li id="comment-{four.pk}">') :]
    assert card.index(mention(three)) < card.index("Level four?")
    assert f'id="replies-{three.pk}"' not in page  # level three has no sub-list


def test_htmx_reply_to_the_third_level_lands_in_the_second_levels_list(
    client, article, veteran, three_levels
):
    one, two, three = three_levels
    client.force_login(veteran)
    fragment = client.post(
        post_url(article), {"body": "Level four, in place.", "parent": three.pk}, **HTMX
    ).content.decode()
    assert f'hx-swap-oob="beforeend:#replies-{two.pk}"' in fragment
    assert mention(three) in fragment


def login_link(page: str) -> str:
    """The "Sign in" link of the discussion's prompt (not the header's)."""
    prompt = page[page.index('<p class="join-prompt">') :]
    found = re.search(r'<a href="(/accounts/login/\?next=[^"]+)">Sign in</a>', prompt)
    return html_lib.unescape(found.group(1))


def sign_in_through(client, link: str, user) -> str:
    """Follow the prompt's link and submit the sign-in form as a browser would
    (its hidden "next" field included); where does the reader land?"""
    form = client.get(link).content.decode()
    action = re.search(
        r'<form class="account-form[^"]*" method="post" action="([^"]+)"', form
    )
    next_field = re.search(r'<input type="hidden" name="next" value="([^"]+)">', form)
    response = client.post(
        action.group(1),
        {
            "login": user.email,
            "password": PASSWORD,
            "next": html_lib.unescape(next_field.group(1)),
        },
    )
    assert response.status_code == 302
    return response.url


def test_sign_in_prompt_brings_the_reader_back_to_the_discussion(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    user = VerifiedUserFactory()
    landed = sign_in_through(client, login_link(page), user)
    assert landed == f"{article.get_absolute_url()}#discussion"
    assert "Post comment" in client.get(landed).content.decode()


def test_sign_in_prompt_keeps_the_page_and_order_of_the_discussion(
    client, article, settings
):
    """A reader on the second page of the newest comments comes back to it."""
    settings.COMMENTS_PAGE_SIZE = 2
    CommentFactory.create_batch(5, article=article)
    url = article.get_absolute_url()
    page = client.get(url, {"csort": "newest", "cpage": 2}).content.decode()
    landed = sign_in_through(client, login_link(page), VerifiedUserFactory())
    assert landed == f"{url}?csort=newest&cpage=2#discussion"
