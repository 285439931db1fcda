"""import_disqus: a Disqus export's discussions land on the articles they belong to,
threaded, with their statuses and people; old thread links redirect; commenters
claim their comments by verifying their address; re-runs, dry runs and bad files
change nothing."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from articles.models import Article
from comments.models import Comment, UnclaimedProfile
from imports.models import ImportedItem, LegacyLink
from tests.accounts.conftest import SIGNUP, last_mail_to, link_in
from tests.accounts.factories import VerifiedUserFactory
from tests.articles.factories import ArticleFactory
from tests.comments.moderation.helpers import moderator

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
WORDPRESS = DATA / "wordpress.xml"
DISQUS = DATA / "disqus.xml"
MAP = "--map=http://blog.old.example.com/posts/=https://news.example.com/articles/"


def run(command: str, *args) -> str:
    out = StringIO()
    call_command(command, *map(str, args), stdout=out)
    return out.getvalue()


@pytest.fixture
def moved_in(settings):
    """The WordPress archive first, then the Disqus file, as docs/importing.md
    tells a newsroom to do. Rita already reads us with a verified account."""
    settings.COMMENTS_MAX_DEPTH = 3
    rita = VerifiedUserFactory(email="rita@example.com", display_name="Rita Reader")
    harbour = ArticleFactory(slug="harbour-opens", title="The harbour opens")
    run("import_wordpress", WORDPRESS)
    report = run("import_disqus", DISQUS, MAP)
    by_id = {
        item.source_id: item.comment
        for item in ImportedItem.objects.filter(source="disqus").select_related(
            "comment"
        )
    }
    return report, by_id, rita, harbour


def test_threads_find_their_articles_by_permalink_wordpress_id_and_mapped_prefix(
    moved_in,
):
    report, by_id, _, harbour = moved_in
    council = Article.objects.get(slug="council-votes")
    assert by_id["50001"].article == council  # the WordPress permalink
    draft = by_id["50020"].article
    assert draft.status == Article.Status.DRAFT  # "102 …?p=102" in the identifier
    assert by_id["50030"].article == harbour  # only once the prefix is mapped
    assert "Threads: 3 matched an article, 1 matched none, 1 had no comments." in (
        report
    )
    assert (
        "Threads that matched no article (their comments were not imported; "
        "try --map old_prefix=new_prefix) (1):\n"
        "  https://old.example.com/gone-story/ (thread 9004, 1 comment)"
    ) in report
    assert "Comments whose thread is not in the file (not imported) (1):\n" in report
    assert "  50050 (thread 9999)" in report
    assert "50040" not in by_id and "50050" not in by_id


def test_statuses_threads_and_text_follow_the_sites_rules(moved_in):
    report, by_id, _, _ = moved_in
    status = {source_id: comment.status for source_id, comment in by_id.items()}
    assert status["50001"] == Comment.Status.APPROVED
    assert status["50008"] == Comment.Status.SPAM  # kept for the record
    assert status["50009"] == Comment.Status.PENDING
    assert "where it was awaiting approval" in by_id["50009"].hold_reason
    # Deleted with a reply: a placeholder without its text; without: not at all.
    assert status["50005"] == Comment.Status.DELETED and by_id["50005"].body == ""
    assert "50007" not in by_id
    # Threading, whatever the order in the file, deeper ones "in reply to".
    assert by_id["50006"].parent == by_id["50005"]
    assert by_id["50002"].parent == by_id["50001"]
    assert by_id["50003"].depth == 3 and by_id["50003"].root == by_id["50001"]
    deep = by_id["50004"]
    assert (deep.depth, deep.parent, deep.reply_to) == (
        3,
        by_id["50002"],
        by_id["50003"],
    )
    assert by_id["50010"].parent is None  # its parent is not in the file: top level
    assert "50010 (its parent 49999 is not in the file)" in report
    # Sanitised like a reader's comment, structure kept.
    html = by_id["50001"].body_html
    assert "<strong>libraries</strong>" in html
    assert 'href="https://example.org/budget" rel="nofollow ugc noopener"' in html
    assert html.count("<p>") == 2 and "<script" not in html
    assert (
        "Comments: 13 imported (1 held for moderation, 1 kept as spam, "
        "1 as [deleted] placeholders), 0 already here."
    ) in report
    assert "Skipped: 1 deleted comments nobody replied to." in report
    assert "Skipped: 1 comments on threads that matched no article." in report


def test_the_counts_readers_see_are_right(moved_in):
    _, by_id, _, _ = moved_in
    council = by_id["50001"].article
    council.refresh_from_db()
    published = Comment.objects.filter(article=council).approved().count()
    assert council.comment_count == published == 8
    placeholder = by_id["50005"]
    placeholder.refresh_from_db()
    assert placeholder.reply_count == 1  # shown while it carries a reply
    assert Comment.objects.get(pk=by_id["50001"].pk).reply_count == 1


def test_people_become_unclaimed_profiles_guests_or_existing_readers(moved_in):
    report, by_id, rita, _ = moved_in
    ann = UnclaimedProfile.objects.get(email="ann@example.com")  # lowercased
    assert ann.display_name == "Ann Reader" and ann.claimed_by is None
    assert set(ann.comments.values_list("pk", flat=True)) == {
        by_id["50001"].pk,
        by_id["50003"].pk,
    }
    assert by_id["50001"].author is None and by_id["50001"].author_name == "Ann Reader"
    guest = by_id["50002"]  # anonymous on Disqus: a name, no profile
    assert (guest.author, guest.unclaimed_profile, guest.guest_name) == (
        None,
        None,
        "Passer-by",
    )
    assert not UnclaimedProfile.objects.filter(email="guest@example.com").exists()
    assert by_id["50011"].guest_name == "A reader"  # "Edi\u200btor" is refused
    assert by_id["50012"].author == rita  # her verified address: hers at once
    assert "Names refused by the display-name rules: 1 comments" in report


def test_the_discussion_shows_imported_comments_as_readers_would_see_them(
    moved_in, client
):
    _, by_id, _, _ = moved_in
    page = client.get(by_id["50001"].article.get_absolute_url()).content.decode()
    assert "Finally a budget" in page and "Ann Reader" in page
    assert "Passer-by" in page and "Rita Reader" in page
    assert "This comment was deleted." in page and "Cy Deleter" not in page
    assert "I was answering the deleted one." in page
    assert "Cheap watches" not in page and "Waiting for a moderator" not in page


def test_pending_imports_wait_in_the_moderation_queue(moved_in, client):
    _, by_id, _, _ = moved_in
    client.force_login(moderator())
    queue = client.get(reverse("admin:comments_moderation") + "?tab=pending")
    assert queue.status_code == 200
    page = queue.content.decode()
    assert "Waiting for a moderator." in page and "Dee Pending" in page


def test_old_thread_links_answer_301(moved_in, client):
    _, by_id, _, harbour = moved_in
    draft_link = LegacyLink.objects.get(path="/harbour-plan-preview/")
    assert (
        draft_link.article == by_id["50020"].article and draft_link.source == "disqus"
    )
    response = client.get("/posts/harbour-opens")
    assert response.status_code == 301
    assert response["Location"] == harbour.get_absolute_url()


def test_signing_up_with_the_address_claims_the_comments(moved_in, client, committed):
    """Ann signs up with the address Disqus knew; once she verifies it her old
    comments are hers: under her name, in her data export, and she is told."""
    _, by_id, _, _ = moved_in
    with committed():
        client.post(
            reverse("account_signup"),
            {**SIGNUP, "email": "ann@example.com", "display_name": "Ann B."},
        )
    assert Comment.objects.get(pk=by_id["50001"].pk).author is None  # not yet
    url = link_in(last_mail_to("ann@example.com"), "confirm-email")
    with committed():
        response = client.post(url, follow=True)
    assert "2 comments you wrote on our previous site as ann@example.com are now " in (
        response.content.decode()
    )
    mine = Comment.objects.filter(pk__in=[by_id["50001"].pk, by_id["50003"].pk])
    assert {c.author.email for c in mine} == {"ann@example.com"}
    assert UnclaimedProfile.objects.get(email="ann@example.com").claimed_by
    export = json.loads(client.post(reverse("accounts:download_data")).content)
    assert "Finally a budget" in json.dumps(export["comments"])
    page = client.get(by_id["50001"].article.get_absolute_url()).content.decode()
    assert "Ann B." in page


def test_nobody_can_sign_in_as_an_unclaimed_commenter(moved_in, client):
    response = client.post(
        reverse("account_login"), {"login": "ann@example.com", "password": "x" * 12}
    )
    assert (
        response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    )


def test_a_rerun_changes_nothing_and_says_so(moved_in):
    counts = (Comment.objects.count(), UnclaimedProfile.objects.count())
    report = run("import_disqus", DISQUS, MAP)
    assert (Comment.objects.count(), UnclaimedProfile.objects.count()) == counts
    assert "Comments: 0 imported" in report and "13 already here" in report
    assert "Nothing to change" in report


def test_a_dry_run_writes_nothing_and_reports_what_an_import_would_do():
    ArticleFactory(slug="harbour-opens")
    run("import_wordpress", WORDPRESS)
    before = (Comment.objects.count(), LegacyLink.objects.count())
    report = run("import_disqus", DISQUS, MAP, "--dry-run")
    assert report.startswith("Dry run: nothing was written.")
    assert "Comments: 13 imported" in report
    assert (Comment.objects.count(), LegacyLink.objects.count()) == before
    assert not UnclaimedProfile.objects.exists()


@pytest.mark.parametrize(
    "text, expected",
    [
        (WORDPRESS.read_text(), "use import_wordpress"),
        ("<html><body/></html>", "not a Disqus export: its root element is <html>"),
        (
            '<!DOCTYPE d [<!ENTITY x "y">]><disqus>&x;</disqus>',
            "declares XML entities",
        ),
    ],
    ids=["wordpress", "other", "entities"],
)
def test_a_bad_file_is_named_and_nothing_is_written(tmp_path, text, expected):
    ArticleFactory(slug="harbour-opens")
    path = tmp_path / "export.xml"
    path.write_text(text)
    with pytest.raises(CommandError) as error:
        run("import_disqus", path, MAP)
    assert str(path) in str(error.value) and expected in str(error.value)
    assert not Comment.objects.exists()


def test_a_malformed_file_names_its_line_and_column(tmp_path):
    path = tmp_path / "broken.xml"
    lines = DISQUS.read_text().splitlines()
    lines[60] = lines[60] + "<unclosed"
    path.write_text("\n".join(lines))
    with pytest.raises(CommandError) as error:
        run("import_disqus", path)
    assert f"{path}:62:" in str(error.value)
    assert not Comment.objects.exists()


def test_a_map_without_equals_is_a_clear_error():
    with pytest.raises(CommandError, match="expected old_url_prefix=new_url_prefix"):
        run("import_disqus", DISQUS, "--map=https://old.example.com/")


def test_replies_listed_before_their_parents_find_their_place_with_their_replies(
    tmp_path, settings, monkeypatch
):
    """D answers C, C answers B, B answers A, listed D, C, B, A: written one per
    batch, each goes in before its parent is read, and all end where tree order
    would put them."""
    import imports.comments

    monkeypatch.setattr(imports.comments, "BATCH", 1)  # a batch boundary each
    settings.COMMENTS_MAX_DEPTH = 3
    ArticleFactory(slug="harbour-opens")
    order = [("D", "C"), ("C", "B"), ("B", "A"), ("A", "")]
    posts = ""
    for n, (pid, parent) in enumerate(order):
        parent_tag = f'<parent dsq:id="{parent}"/>' if parent else ""
        posts += (
            f'<post dsq:id="{pid}"><message>&lt;p&gt;{pid}&lt;/p&gt;</message>'
            f"<createdAt>2024-06-01T1{n}:00:00Z</createdAt>"
            f"<author><name>Guest {pid}</name><isAnonymous>true</isAnonymous>"
            f'</author><thread dsq:id="1"/>{parent_tag}</post>'
        )
    path = tmp_path / "out-of-order.xml"
    path.write_text(
        '<disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><link>https://news.example.com/articles/harbour-opens/'
        f"</link></thread>{posts}</disqus>"
    )
    report = run("import_disqus", path)
    c = {
        item.source_id: item.comment
        for item in ImportedItem.objects.filter(source="disqus")
    }
    assert [c[x].depth for x in "ABCD"] == [1, 2, 3, 3]
    assert (c["B"].parent, c["C"].parent, c["D"].parent) == (c["A"], c["B"], c["B"])
    assert c["D"].reply_to == c["C"]
    assert all(c[x].root == c["A"] for x in "BCD")
    assert "not in the file" not in report


def test_adding_the_address_to_an_account_claims_the_comments(
    moved_in, client, committed
):
    """A reader who already has an account changes their address to the one
    Disqus knew; verifying it brings the comments along."""
    _, by_id, _, _ = moved_in
    zed = VerifiedUserFactory(email="zed@example.com", display_name="Zed")
    client.force_login(zed)
    with committed():
        client.post(
            reverse("account_email"), {"action_add": "", "email": "ann@example.com"}
        )
    url = link_in(last_mail_to("ann@example.com"), "confirm-email")
    with committed():
        client.post(url)
    assert Comment.objects.get(pk=by_id["50001"].pk).author == zed


def test_nobody_is_emailed_by_an_import(mailoutbox, committed):
    ArticleFactory(slug="harbour-opens")
    with committed():  # everything queued on commit runs, tasks included
        run("import_wordpress", WORDPRESS)
        run("import_disqus", DISQUS, MAP)
    assert Comment.objects.exists() and mailoutbox == []


def test_a_newer_export_adds_only_the_new_comments_under_their_old_parents(
    moved_in, tmp_path
):
    _, by_id, _, _ = moved_in
    newer = tmp_path / "newer.xml"
    newer.write_text(
        DISQUS.read_text().replace(
            "</disqus>",
            '<post dsq:id="50100"><message>&lt;p&gt;A year later.&lt;/p&gt;</message>'
            "<createdAt>2025-05-01T09:00:00Z</createdAt>"
            "<author><name>Late Guest</name><isAnonymous>true</isAnonymous></author>"
            '<thread dsq:id="9001"/><parent dsq:id="50001"/></post></disqus>',
        )
    )
    report = run("import_disqus", newer, MAP)
    assert "Comments: 1 imported" in report and "13 already here" in report
    late = ImportedItem.objects.get(source="disqus", source_id="50100").comment
    assert (late.parent, late.depth, late.root) == (by_id["50001"], 2, by_id["50001"])
    first = Comment.objects.get(pk=by_id["50001"].pk)
    assert first.reply_count == 2


def disqus_file(tmp_path, posts: str, threads: str) -> Path:
    path = tmp_path / "export.xml"
    path.write_text(
        '<disqus xmlns="http://disqus.com" '
        f'xmlns:dsq="http://disqus.com/disqus-internals">{threads}{posts}</disqus>'
    )
    return path


def post(pid: str, thread: str, parent: str = "", spam: bool = False) -> str:
    parent_tag = f'<parent dsq:id="{parent}"/>' if parent else ""
    return (
        f'<post dsq:id="{pid}"><message>&lt;p&gt;Post {pid}&lt;/p&gt;</message>'
        f"<createdAt>2024-06-01T10:00:00Z</createdAt><isSpam>{str(spam).lower()}"
        f"</isSpam><author><name>Guest {pid}</name><isAnonymous>true</isAnonymous>"
        f'</author><thread dsq:id="{thread}"/>{parent_tag}</post>'
    )


def test_a_reply_never_hangs_under_another_article_or_a_hidden_comment(tmp_path):
    """A file can name a parent on another thread, or a spam one: the reply is
    shown top-level on its own article, counted once, and listed."""
    ArticleFactory(slug="harbour-opens")
    ArticleFactory(slug="council-votes")
    threads = "".join(
        f'<thread dsq:id="{n}"><link>https://news.example.com/articles/{slug}/'
        "</link></thread>"
        for n, slug in [("1", "harbour-opens"), ("2", "council-votes")]
    )
    posts = post("A", "1") + post("B", "2", parent="A")
    posts += post("S", "1", spam=True) + post("R", "1", parent="S")
    report = run("import_disqus", disqus_file(tmp_path, posts, threads))
    c = {i.source_id: i.comment for i in ImportedItem.objects.filter(source="disqus")}
    assert c["B"].parent is None and c["B"].article.slug == "council-votes"
    assert c["R"].parent is None and c["R"].status == Comment.Status.APPROVED
    assert "B (its parent A is on another article)" in report
    assert "R (its parent S is not shown to readers" in report
    for slug, shown in [("harbour-opens", 2), ("council-votes", 1)]:
        article = Article.objects.get(slug=slug)
        assert article.comment_count == shown
        assert Comment.objects.filter(article=article).shown().count() == shown


def test_comments_an_import_gave_a_profile_after_its_claim_still_come(moved_in):
    """Ann claimed her address; a comment written for her profile afterwards (an
    import that read it before the claim committed) is hers when she is seen
    again, and a reader who verified while an import ran gets theirs."""
    from comments.claims import claim, claim_for_verified_owners

    _, by_id, _, _ = moved_in
    ann = VerifiedUserFactory(email="ann@example.com")
    assert claim(ann, "ann@example.com") == 2
    late = Comment.objects.get(pk=by_id["50020"].pk)  # Bo's, given to Ann's profile
    late.author, late.unclaimed_profile = (
        None,
        UnclaimedProfile.objects.get(email="ann@example.com"),
    )
    late.save()
    assert claim(ann, "ann@example.com") == 1
    bo = VerifiedUserFactory(email="bo@example.com")  # verified during the import
    assert claim_for_verified_owners(["bo@example.com"]) >= 3
    assert Comment.objects.get(pk=by_id["50030"].pk).author == bo


def test_deleting_the_account_forgets_the_claimed_address(moved_in, client, committed):
    from accounts.services import account_delete

    _, by_id, _, _ = moved_in
    ann = VerifiedUserFactory(email="ann@example.com")
    from comments.claims import claim

    claim(ann, "ann@example.com")
    with committed():
        account_delete(user=ann)
    assert not UnclaimedProfile.objects.filter(email="ann@example.com").exists()
    assert not Comment.objects.filter(author_id=ann.pk).exists()
