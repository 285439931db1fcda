"""The front page: what the editor arranged first, then the newest by section.

Only published articles appear (a lead that was unpublished, or a scheduled one
not due yet, gives way to the newest), and nothing appears twice. Every query is
fixed in number, whatever the arrangement: the arranged articles come in one
query with the rest of the page's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Article, FrontPage, Section

TOP_STORIES = 4
PER_SECTION = 3
NEWEST = 40  # the articles the section blocks choose from


@dataclass
class FrontPageStories:
    lead: Article | None = None
    top: list[Article] = field(default_factory=list)
    strip: Article | None = None
    strip_kind: str = ""
    by_section: list[tuple[Section, list[Article]]] = field(default_factory=list)


def front_page_stories() -> FrontPageStories:
    page = FrontPage.objects.filter(pk=1).first()
    arranged_ids: list[int] = []
    top_ids: list[int] = []
    if page is not None:
        top_ids = list(page.top_stories.values_list("article_id", flat=True))
        arranged_ids = [
            pk for pk in (page.lead_id, page.strip_article_id, *top_ids) if pk
        ]
    listing = Article.objects.published().for_listing()
    newest = list(listing[:NEWEST])
    by_pk = {article.pk: article for article in newest}
    missing = [pk for pk in arranged_ids if pk not in by_pk]
    if missing:  # arranged articles older than the newest forty
        by_pk.update({a.pk: a for a in listing.filter(pk__in=missing)})
    stories = FrontPageStories()
    shown: set[int] = set()

    def take(pk: int | None) -> Article | None:
        article = by_pk.get(pk) if pk else None
        if article is None or article.pk in shown:
            return None
        shown.add(article.pk)
        return article

    if page is not None:
        stories.strip = take(page.strip_article_id)
        stories.strip_kind = page.get_strip_kind_display() if stories.strip else ""
        stories.lead = take(page.lead_id)
    if stories.lead is None:
        stories.lead = next((take(a.pk) for a in newest if a.pk not in shown), None)
    for pk in top_ids:  # the editor's order, as many as the page shows
        if len(stories.top) >= TOP_STORIES:
            break
        if article := take(pk):
            stories.top.append(article)
    for article in newest:  # fill the top stories with the newest
        if len(stories.top) >= TOP_STORIES:
            break
        if article.pk not in shown:
            stories.top.append(take(article.pk))
    sections: dict[Section, list[Article]] = {}
    for article in newest:
        if article.pk in shown:
            continue
        teasers = sections.setdefault(article.section, [])
        if len(teasers) < PER_SECTION:
            teasers.append(article)
    stories.by_section = list(sections.items())
    return stories


def first_read_paths() -> list[str]:
    """The pages a new server process is likeliest to be asked for first: the
    front page's lead, strip and top stories (core/warmup.py reads them once)."""
    stories = front_page_stories()
    chosen = [stories.lead, stories.strip, *stories.top]
    return [article.get_absolute_url() for article in chosen if article is not None]
