"""Article search: what readers type, the articles that match it, best first.

PostgreSQL: full-text search over a stored, GIN-indexed document
(Article.search_document) that weighs where a word appears: headline and tags (A),
standfirst and authors (B), section (C), body (D). The document is written here, in
one UPDATE, whenever an article is saved, its tags or authors change, or a tag,
author or section is renamed. Snippets come from ts_headline, "did you mean" from
pg_trgm's similarity when the extension is installed (migration 0006).

SQLite (development): every word must appear somewhere in the headline, standfirst,
body, tags, section or authors; results are ranked by where the words appear, with
the same order of importance, and the snippet is cut in Python.

Either way a snippet reaches the template as HTML in which everything is escaped
except the <mark> elements around the matched words.
"""

import difflib
import functools
import re
from collections.abc import Iterable

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from django.utils.functional import cached_property
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from .models import Article, ArticleQuerySet, Author, Section, Tag

SEARCH_CONFIG = "english"
MAX_WORDS = 8  # words the SQLite fallback looks for
SNIPPET_WORDS = 36  # in at most two passages
# Private-use characters mark the matches inside text from the database, so the
# text can be escaped whole and the marks put back as the only HTML.
START, STOP = "\ue000", "\ue001"
# Where a word was found counts this much on SQLite (the weights of the document).
FIELD_SCORES = {"title": 8, "tags": 8, "standfirst": 4, "authors": 2, "section": 2}
BODY_SCORE = 1


def _names(through, column: str) -> Subquery:
    """The names of an article's tags or authors, as one string."""
    return Subquery(
        through.objects.filter(article=OuterRef("pk"))
        .values("article")
        .annotate(names=StringAgg(column, " "))
        .values("names")
    )


def document():
    """The weighted document of an article (PostgreSQL), as stored and indexed."""

    def part(expression, weight: str) -> SearchVector:
        return SearchVector(
            Coalesce(expression, Value(""), output_field=TextField()),
            weight=weight,
            config=SEARCH_CONFIG,
        )

    section = Subquery(Section.objects.filter(pk=OuterRef("section")).values("name"))
    return (
        part(F("title"), "A")
        + part(_names(Article.tags.through, "tag__name"), "A")
        + part(F("standfirst"), "B")
        + part(_names(Article.authors.through, "author__name"), "B")
        + part(section, "C")
        + part(F("body"), "D")
    )


def refresh_search_documents(articles: QuerySet) -> None:
    """Rewrite the stored search document of these articles (one UPDATE)."""
    if connection.vendor == "postgresql":
        articles.update(search_document=document())


@receiver(post_save, sender=Article)
def _article_saved(sender, instance: Article, update_fields=None, **kwargs) -> None:
    searched = {"title", "standfirst", "body", "section"}
    if update_fields is None or searched & set(update_fields):
        refresh_search_documents(Article.objects.filter(pk=instance.pk))


@receiver(m2m_changed, sender=Article.tags.through)
@receiver(m2m_changed, sender=Article.authors.through)
def _labels_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if not reverse:  # article.tags.set(…)
        if action in ("post_add", "post_remove", "post_clear"):
            refresh_search_documents(Article.objects.filter(pk=instance.pk))
    elif action == "pre_clear":  # tag.articles.clear(): remember whose it was
        instance._search_cleared = list(  # noqa: SLF001
            instance.articles.values_list("pk", flat=True)
        )
    elif action in ("post_add", "post_remove", "post_clear"):
        ids = pk_set if action != "post_clear" else instance._search_cleared  # noqa: SLF001
        refresh_search_documents(Article.objects.filter(pk__in=ids))


@receiver(post_save, sender=Tag)
@receiver(post_save, sender=Author)
@receiver(post_save, sender=Section)
def _name_changed(sender, instance, created: bool, **kwargs) -> None:
    if created:
        return
    relation = {Tag: "tags", Author: "authors", Section: "section"}[sender]
    refresh_search_documents(Article.objects.filter(**{relation: instance}))


# Reading a query -----------------------------------------------------------------


def query_words(terms: str) -> list[str]:
    """The words of a query as the fallback and the highlighter see them."""
    words = [w.strip("'’-") for w in re.findall(r"[\w'’-]+", terms)]
    words = list(dict.fromkeys(w for w in words if w))
    # A lone letter (the b of "<b>") would match, and mark, nearly every word.
    return ([w for w in words if len(w) > 1] or words)[:MAX_WORDS]


def searchable(terms: str) -> str:
    """What is searched for: the text typed, without markup (nobody looks for tags,
    and PostgreSQL's parser turns "<b>word</b>" into a phrase of b, word and /b)."""
    return " ".join(strip_tags(terms).split())


def _pg_query(terms: str) -> SearchQuery:
    return SearchQuery(terms, search_type="websearch", config=SEARCH_CONFIG)


def search_articles(queryset: ArticleQuerySet, terms: str) -> ArticleQuerySet:
    """The articles of `queryset` that match `terms`, best first, with what their
    result shows (headline and snippet) annotated on PostgreSQL."""
    terms = searchable(terms)
    if not terms:
        return queryset.none()
    queryset = queryset.select_related("section").prefetch_related("authors", "tags")
    if connection.vendor == "postgresql":
        query = _pg_query(terms)
        return (
            queryset.defer("body", "body_html", "search_document")
            .filter(search_document=query)
            .annotate(
                rank=SearchRank(F("search_document"), query),
                snippet_marked=SearchHeadline(
                    # The standfirst first: the snippet of an article found by
                    # its tags or headline reads as its summary.
                    Concat(
                        "standfirst", Value("\n\n"), "body", output_field=TextField()
                    ),
                    query,
                    config=SEARCH_CONFIG,
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=SNIPPET_WORDS // 2,
                    min_words=8,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
            .order_by("-rank", "-published_at", "-pk")
        )
    words = query_words(terms)
    if not words:
        return queryset.none()
    scores = [_word_score(word) for word in words]
    queryset = queryset.defer("body_html", "search_document").annotate(
        **{f"hit{i}": score for i, score in enumerate(scores)}
    )
    queryset = queryset.filter(**{f"hit{i}__gt": 0 for i in range(len(words))})
    rank = sum((F(f"hit{i}") for i in range(len(words))), Value(0))
    return queryset.annotate(rank=rank).order_by("-rank", "-published_at", "-pk")


def _word_score(word: str):
    """How well one word matches an article on SQLite: 0 when it does not."""
    tagged = Article.tags.through.objects.filter(
        article=OuterRef("pk"), tag__name__icontains=word
    )
    by_author = Article.authors.through.objects.filter(
        article=OuterRef("pk"), author__name__icontains=word
    )
    conditions = {
        "title": Q(title__icontains=word),
        "tags": Exists(tagged),
        "standfirst": Q(standfirst__icontains=word),
        "authors": Exists(by_author),
        "section": Q(section__name__icontains=word),
    }
    score = Value(0)
    for field, condition in conditions.items():
        score += Case(
            When(condition, then=Value(FIELD_SCORES[field])),
            default=Value(0),
            output_field=IntegerField(),
        )
    return score + Case(
        When(body__icontains=word, then=Value(BODY_SCORE)),
        default=Value(0),
        output_field=IntegerField(),
    )


class ResultsPaginator(Paginator):
    """Counts matches up to COUNT_CAP: past that, "more than 1,000 results".

    Counting every match of a word found in most articles reads every one of their
    documents; nobody pages through more than a thousand results, and the first
    pages are the same either way.
    """

    COUNT_CAP = 1000

    @cached_property
    def _found(self) -> int:
        return self.object_list.order_by().values("pk")[: self.COUNT_CAP + 1].count()

    @property
    def count(self) -> int:
        return min(self._found, self.COUNT_CAP)

    @property
    def more_than_counted(self) -> bool:
        return self._found > self.COUNT_CAP


# What a result shows -------------------------------------------------------------

MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
MARKDOWN_NOISE = re.compile(
    r":::[\w-]*|^\s{0,3}(?:#{1,6}|>|[-*+]|\d+\.)\s+|[*`]+|\|", re.MULTILINE
)


def plain_text(markdown: str) -> str:
    """Markdown source as a reader would read it, near enough for a snippet."""
    text = MARKDOWN_LINK.sub(r"\1", markdown)
    text = MARKDOWN_NOISE.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def marked(text: str) -> SafeString:
    """Escape `text` and turn its START/STOP markers into <mark> elements (balanced,
    whatever the text held)."""
    html, open_ = [], False
    for piece in re.split(f"([{START}{STOP}])", text):
        if piece == START:
            if not open_:
                html.append("<mark>")
                open_ = True
        elif piece == STOP:
            if open_:
                html.append("</mark>")
                open_ = False
        else:
            html.append(escape(piece))
    if open_:
        html.append("</mark>")
    return mark_safe("".join(html))  # noqa: S308 — every piece is escaped above


def _words_pattern(words: Iterable[str]) -> re.Pattern | None:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def _mark_words(text: str, pattern: re.Pattern | None) -> str:
    text = text.replace(START, "").replace(STOP, "")
    if pattern is None:
        return text
    return pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", text)


def _excerpt(text: str, pattern: re.Pattern | None) -> str:
    """About SNIPPET_WORDS words of `text` around its first match."""
    words = text.split()
    first = 0
    if pattern is not None:
        for i, word in enumerate(words):
            if pattern.search(word):
                first = i
                break
    start = max(0, first - SNIPPET_WORDS // 3)
    excerpt = " ".join(words[start : start + SNIPPET_WORDS])
    if start > 0:
        excerpt = "… " + excerpt
    if start + SNIPPET_WORDS < len(words):
        excerpt += " …"
    return excerpt


def _clean_headline(headline: str) -> str:
    """A ts_headline of Markdown source, its link targets and marks of syntax gone,
    with an ellipsis where it starts or stops mid-sentence."""
    text = plain_text(headline)
    if text[:1].islower() or text[:2] == START + text[1:2] and text[1:2].islower():
        text = "… " + text
    if text and text.rstrip(STOP)[-1:] not in '.?!…"”':
        text += " …"
    return text


def describe_results(articles: Iterable[Article], terms: str) -> None:
    """Give each result of a page what it shows: `snippet_html` and `tag_list` (its
    tags, with the matching ones marked). Headlines stay plain, as in a listing."""
    pattern = _words_pattern(query_words(searchable(terms)))
    for article in articles:
        if connection.vendor == "postgresql":
            snippet = _clean_headline(article.snippet_marked or "")
        else:
            text = plain_text(f"{article.standfirst}\n\n{article.body}")
            snippet = _mark_words(_excerpt(text, pattern), pattern)
        article.snippet_html = marked(snippet)
        article.tag_list = [
            (tag, marked(_mark_words(tag.name, pattern))) for tag in article.tags.all()
        ]


# When nothing matches -------------------------------------------------------------


@functools.cache
def _trigrams_installed(alias: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def did_you_mean(terms: str, published: ArticleQuerySet) -> str | None:
    """The words typed, each misspelt one replaced by the closest word of a tag,
    section, author or headline near the query, if that finds something in
    `published`; else None.

    PostgreSQL with pg_trgm picks the nearby names and headlines by trigram
    similarity (headlines through their trigram index); elsewhere every tag, section
    and author name is a candidate (a newsroom has hundreds, not millions).
    """
    terms = searchable(terms)
    if not terms:
        return None
    if connection.vendor == "postgresql" and _trigrams_installed(connection.alias):
        # How well a name matches some stretch of what was typed.
        similar = Func(
            F("name"),
            Value(terms),
            function="word_similarity",
            output_field=FloatField(),
        )

        def close(model):
            return (
                model.objects.order_by()
                .annotate(similarity=similar)
                .filter(similarity__gt=0.3)
                .values_list("name", "similarity")
            )

        names = [
            name
            for name, _ in close(Tag)
            .union(
                close(Section),
                close(Author),
                # <% finds headlines with a stretch close to the words (indexed).
                published.order_by()
                .filter(title__trigram_word_similar=terms)
                .annotate(similarity=TrigramWordSimilarity(terms, "title"))
                .values_list("title", "similarity"),
                all=True,
            )
            .order_by("-similarity")[:10]
        ]
    else:
        names = list(
            Tag.objects.order_by()
            .values_list("name", flat=True)
            .union(
                Section.objects.order_by().values_list("name", flat=True),
                Author.objects.order_by().values_list("name", flat=True),
                all=True,
            )
        )
    suggestion = _closest_words(terms, names)
    if suggestion and search_articles(published, suggestion).exists():
        return suggestion
    return None


def _closest_words(terms: str, names: Iterable[str]) -> str | None:
    """`terms` with each word not found among the words of `names` replaced by the
    closest one there is; None if no word changed."""
    vocabulary = {
        word.casefold(): word for name in names for word in re.findall(r"\w+", name)
    }
    changed, words = False, []
    for word in terms.split():
        key = word.casefold()
        close = difflib.get_close_matches(key, vocabulary, n=1, cutoff=0.75)
        if key not in vocabulary and close:
            words.append(vocabulary[close[0]])
            changed = True
        else:
            words.append(word)
    return " ".join(words) if changed else None
