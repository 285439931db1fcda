"""Search at 10,000 articles: p50 and p95 of a results page, by query.

    DATABASE_URL=postgres://root@127.0.0.1:5432/bs_search uv run python bench/search.py
    DATABASE_URL=sqlite:////tmp/bs_search.sqlite3 uv run python bench/search.py

The database is migrated and, unless it already holds them, filled with 10,000
published articles of varied, news-like text (400 to 900 words of body, 1 to 4 of
300 tags, 1 or 2 of 200 authors, 8 sections) with bulk_create; on PostgreSQL their
search documents are then written in one UPDATE (timed), as a backfill would be, and
the tables vacuumed and analysed.

Each representative query (a common word, a rare one, two words, a phrase, a tag,
an author, a section name, a typo with no results, filters, a later page) is asked
--runs times of the search view itself, rendered, as an uncached reader would get
it (the page cache, which would answer repeats, is bypassed). Reported: p50 and
p95 per query and over all requests, in milliseconds (the whole view: form, SQL,
template), the median time spent in SQL, and the queries per request. The machine's
load average is printed too: on a shared 2-core machine it moves the numbers most.
Budget (DESIGN.md, issue 18): p95 under 100 ms on PostgreSQL.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLACES = (
    "Ukraine Kyiv Russia Moscow Europe Brussels Paris Berlin Warsaw London Washington "
    "Miami Beijing Taipei Tokyo Delhi Karachi Tehran Riyadh Cairo Khartoum Nairobi "
    "Lagos Pretoria Brasilia Caracas Havana Ottawa Canberra Jakarta Manila Hanoi Seoul "
    "Ankara Istanbul Jerusalem Gaza Beirut Damascus Baghdad Kabul Tbilisi Yerevan Baku "
    "Minsk Vilnius Riga Tallinn Helsinki Stockholm Oslo Copenhagen Dublin Lisbon "
    "Madrid Rome Athens Belgrade Sarajevo Dayton Geneva Vienna Budapest Bucharest"
).split()
# Each article is about one topic (most of its content words), touches another, and
# names one to three places again and again, as news does: a word of one topic
# appears in a fraction of the articles, not in all of them.
TOPICS = [
    "ceasefire talks envoy mediation guarantees territory sovereignty negotiations "
    "peace truce frontline withdrawal prisoners exchange monitors corridor",
    "sanctions embargo assets freeze exports oligarchs banks restrictions package "
    "loopholes enforcement compliance tankers shipping insurance",
    "election parliament coalition opposition referendum ballot turnout campaign "
    "candidate polls constitution majority vote recount",
    "budget inflation tariffs economy currency bonds markets debt interest rates "
    "growth recession unemployment wages deficit",
    "climate drought floods emissions heatwave wildfire glaciers carbon renewable "
    "solar wind adaptation summit pledges",
    "energy pipeline gas oil grid nuclear reactor blackout prices supply storage "
    "refinery liquefied reserves turbines",
    "court ruling judge verdict appeal trial prosecutor inquiry corruption charges "
    "evidence acquittal sentence testimony",
    "refugees migration asylum border camps smugglers deportation quotas visas "
    "resettlement reception crossings",
    "military troops drones missiles artillery defence alliance exercises "
    "mobilisation conscription ammunition airspace",
    "health hospital vaccine outbreak doctors nurses waiting lists pandemic "
    "medicines clinics epidemic",
    "technology cyberattack satellites chips artificial intelligence privacy "
    "platforms regulation hackers surveillance",
    "harvest grain wheat farmers fertiliser famine food prices ports exports "
    "rations drought subsidies",
]
TOPICS = [topic.split() for topic in TOPICS]
NOUNS = sorted({word for topic in TOPICS for word in topic})
VERBS = (
    "agreed rejected delayed announced warned promised demanded signed vetoed "
    "approved debated blocked accelerated questioned welcomed criticised proposed "
    "resumed suspended extended tightened eased expanded cut doubled reviewed"
).split()
ADJECTIVES = (
    "fragile lasting historic controversial secret regional national foreign "
    "economic military diplomatic humanitarian fiscal bitter cautious sweeping "
    "limited early final interim joint rival senior former new"
).split()
FILLER = (
    "the a of in on for with after before while as and but because although "
    "officials said analysts say that this which could would may will has have "
    "been over under since during about against between among by from into"
).split()
FIRST = (
    "Marta Amina Jonas Sofia Ivan Leila Tomasz Aiko Chidi Elena Rahul Nadia Pavel "
    "Grace Omar Ines Kofi Hana Diego Yusuf"
).split()
LAST = (
    "Kowalczyk Haddad Berg Rossi Petrenko Nakamura Okafor Novak Singh Morales "
    "Adeyemi Larsen Fischer Dubois Kim Ahmed Costa Ivanova Schmidt Mensah"
).split()
SECTIONS = [
    "World",
    "Europe",
    "Politics",
    "Business",
    "Climate",
    "Science",
    "Analysis",
    "International relations",
]
QUERIES = [
    ("topic word", {"q": "sanctions"}),
    ("everywhere word", {"q": "officials"}),
    ("place", {"q": "Ukraine"}),
    ("rare word", {"q": "Tbilisi referendum"}),
    ("two words", {"q": "grain exports"}),
    ("phrase", {"q": '"peace talks"'}),
    ("tag", {"q": "Energy security"}),
    ("author", {"q": "Kowalczyk"}),
    ("section", {"q": "climate"}),
    ("typo, no results", {"q": "sanctoins ukrane"}),
    ("section filter", {"q": "ceasefire", "section": "europe"}),
    ("past month", {"q": "election", "published": "month"}),
    ("page 3", {"q": "budget", "page": "3"}),
]


def setup_django() -> None:
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", interactive=False, verbosity=0)
    settings.DEBUG = False


def sentence(rng: random.Random, words_of: list[str], places: list[str]) -> str:
    words = []
    for _ in range(rng.randint(9, 22)):
        kind = rng.random()
        if kind < 0.5:
            words.append(rng.choice(FILLER))
        elif kind < 0.75:
            words.append(rng.choice(words_of))
        elif kind < 0.83:
            words.append(rng.choice(VERBS))
        elif kind < 0.92:
            words.append(rng.choice(ADJECTIVES))
        else:
            words.append(rng.choice(places))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def article_words(rng: random.Random) -> tuple[list[str], list[str]]:
    """The content words (its topic, some of another) and places of one article."""
    main, other = rng.sample(TOPICS, 2)
    return main * 4 + other, rng.sample(PLACES, rng.randint(1, 3))


def paragraph(rng: random.Random, words_of: list[str], places: list[str]) -> str:
    return " ".join(sentence(rng, words_of, places) for _ in range(rng.randint(3, 6)))


def build(count: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from articles.models import Article, Author, Section, Tag
    from articles.search import refresh_search_documents

    rng = random.Random(18)
    with transaction.atomic():
        sections = [
            Section.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "position": i}
            )[0]
            for i, name in enumerate(SECTIONS)
        ]
        tag_names = {"Energy security", "Ukraine", "Sanctions", "Peace talks"}
        while len(tag_names) < 300:
            tag_names.add(
                f"{rng.choice(PLACES)} {rng.choice(NOUNS)}"
                if rng.random() < 0.5
                else f"{rng.choice(ADJECTIVES).title()} {rng.choice(NOUNS)}"
            )
        tags = [
            Tag.objects.get_or_create(slug=slugify(name)[:60], defaults={"name": name})[
                0
            ]
            for name in sorted(tag_names)
        ]
        authors = [
            Author.objects.get_or_create(
                slug=f"bench-author-{i}",
                defaults={"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}"},
            )[0]
            for i in range(200)
        ]
        now = timezone.now()
        articles = []
        for i in range(count):
            words_of, places = article_words(rng)
            title = " ".join(
                [places[0], rng.choice(words_of), rng.choice(VERBS)]
                + [rng.choice(ADJECTIVES), rng.choice(words_of)]
            ).capitalize()
            body_words = 0
            paragraphs = []
            target = rng.randint(400, 900)
            while body_words < target:
                text = paragraph(rng, words_of, places)
                body_words += len(text.split())
                paragraphs.append(text)
            published = now - timezone.timedelta(
                minutes=rng.randint(10, 3 * 365 * 24 * 60)
            )
            articles.append(
                Article(
                    title=title,
                    slug=f"bench-{i}",
                    standfirst=" ".join(
                        sentence(rng, words_of, places) for _ in range(2)
                    ),
                    body="\n\n".join(paragraphs),
                    section=rng.choice(sections),
                    status=Article.Status.PUBLISHED,
                    published_at=published,
                    word_count=body_words,
                )
            )
        created = Article.objects.bulk_create(articles, batch_size=500)
        Article.tags.through.objects.bulk_create(
            [
                Article.tags.through(article_id=a.pk, tag_id=t.pk)
                for a in created
                for t in rng.sample(tags, rng.randint(1, 4))
            ],
            batch_size=2000,
        )
        Article.authors.through.objects.bulk_create(
            [
                Article.authors.through(article_id=a.pk, author_id=au.pk)
                for a in created
                for au in rng.sample(authors, rng.randint(1, 2))
            ],
            batch_size=2000,
        )
    started = time.perf_counter()
    refresh_search_documents(Article.objects.all())
    took = time.perf_counter() - started
    if connection.vendor == "postgresql":
        print(f"search documents of {count:,} articles written in {took:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(runs: int) -> None:
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from articles.views import SearchView

    view = SearchView.as_view()
    factory = RequestFactory()

    def ask(params: dict) -> tuple[float, int, str]:
        request = factory.get("/search/", params)
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = view(request)
            response.render()
            took = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (params, response.status_code)
        html = response.content.decode()
        status = html.split('class="search-status" role="status">')[1]
        count = "1,000+" if status.startswith("More than") else status.split(" ")[0]
        database = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        return took, len(queries), count, database

    for _, params in QUERIES:  # warm: connections, templates, caches
        ask(params)
    everything, everything_db = [], []
    print(
        f"{'query':<18} {'results':>8} {'queries':>8} {'p50 ms':>8} {'p95 ms':>8}"
        f" {'db p50':>8}"
    )
    for name, params in QUERIES:
        samples, database, query_counts, results = [], [], set(), ""
        for _ in range(runs):
            took, queries, results, db = ask(params)
            samples.append(took)
            database.append(db)
            query_counts.add(queries)
        everything += samples
        everything_db += database
        print(
            f"{name:<18} {results:>8} {'/'.join(map(str, sorted(query_counts))):>8} "
            f"{statistics.median(samples):8.1f} {percentile(samples, 95):8.1f}"
            f" {statistics.median(database):8.1f}"
        )
    print(
        f"{'all':<18} {'':>8} {'':>8} {statistics.median(everything):8.1f} "
        f"{percentile(everything, 95):8.1f} {statistics.median(everything_db):8.1f}"
    )
    print(
        "load average (1, 5, 15 min) after the runs: "
        + " ".join(f"{load:.1f}" for load in os.getloadavg())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL (a scratch database: it is filled with articles).")
    setup_django()
    from django.db import connection

    from articles.models import Article

    have = Article.objects.filter(slug__startswith="bench-").count()
    if have != args.articles:
        Article.objects.filter(slug__startswith="bench-").delete()
        started = time.perf_counter()
        build(args.articles)
        print(
            f"built {args.articles:,} articles in {time.perf_counter() - started:.0f} s"
        )
    print(
        f"{connection.vendor}: {Article.objects.count():,} articles, "
        f"{args.runs} runs of {len(QUERIES)} queries; load average before: "
        + " ".join(f"{load:.1f}" for load in os.getloadavg())
    )
    measure(args.runs)


if __name__ == "__main__":
    main()
