"""Full-text search of the practice library on both databases (ADR 0060).

PostgreSQL: the stored `search_vector` (German configuration: its stop words, its Snowball
German stemmer), a GIN index, `plainto_tsquery('german', …)` and `ts_rank` with weights
title A, summary B, the other texts C.
SQLite: the FTS5 table `exchange_fts` holds the same texts already stemmed here with the same
Snowball German stemmer (the `snowballstemmer` package, the algorithm version PostgreSQL ships)
and the same stop words, and is queried with the same "all words" semantics and ranked by bm25
with the same weight order. So "Wohnungen" finds "Wohnung" on both, and the test
tests/exchange/test_search.py asserts the same hits on both for the demo data.

Both indexes are written by `index_practice`, which every service that changes a practice calls
inside its transaction."""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, QuerySet, Value

from hafennetz.exchange.models import Practice

# PostgreSQL's german.stop (the Snowball project's German stop-word list, BSD licence).
STOP_WORDS = frozenset(
    """
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
anderes anderm andern anderr anders auch auf aus bei bin bis bist da damit dann der den des
dem die das daß derselbe derselben denselben desselben demselben dieselbe dieselben dasselbe
dazu dein deine deinem deinen deiner deines denn derer dessen dich dir du dies diese diesem
diesen dieser dieses doch dort durch ein eine einem einen einer eines einig einige einigem
einigen einiger einiges einmal er ihn ihm es etwas euer eure eurem euren eurer eures für
gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich mich mir ihr ihre ihrem
ihren ihrer ihres euch im in indem ins ist jede jedem jeden jeder jedes jene jenem jenen
jener jenes jetzt kann kein keine keinem keinen keiner keines können könnte machen man
manche manchem manchen mancher manches mein meine meinem meinen meiner meines mit muss
musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner
seines selbst sich sie ihnen sind so solche solchem solchen solcher solches soll sollte
sondern sonst über um und uns unse unsem unsen unser unses unter viel vom von vor während
war waren warst was weg weil weiter welche welchem welchen welcher welches wenn werde werden
wie wieder will wir wird wirst wo wollen wollte würde würden zu zum zur zwar zwischen
""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_TERMS = 12


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.GermanStemmer:  # type: ignore[name-defined]
    return snowballstemmer.stemmer("german")


def terms(text: str) -> list[str]:
    """The index terms of a text as PostgreSQL's german configuration makes them: lower-cased
    words without stop words, stemmed; words with digits stay as they are."""
    stem = _stemmer().stemWord
    out = []
    for word in _WORD.findall(text.lower()):
        if word in STOP_WORDS:
            continue
        out.append(word if any(c.isdigit() for c in word) else stem(word))
    return out


def _body(practice: Practice) -> str:
    return "\n".join(
        [
            practice.problem,
            practice.what_was_done,
            practice.results,
            practice.target_groups,
            practice.resources_staff,
            practice.resources_money,
            practice.resources_partners,
            practice.member.name,
        ]
    )


def index_practice(practice: Practice) -> None:
    """Write the practice's search entry (call inside the service's transaction)."""
    if connection.vendor == "postgresql":
        Practice.objects.filter(pk=practice.pk).update(
            search_vector=SearchVector("title", weight="A", config="german")
            + SearchVector("summary", weight="B", config="german")
            + SearchVector(Value(_body(practice)), weight="C", config="german")
        )
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM exchange_fts WHERE rowid = %s", [practice.pk])
            cursor.execute(
                "INSERT INTO exchange_fts (rowid, title, summary, body) VALUES (%s, %s, %s, %s)",
                [
                    practice.pk,
                    " ".join(terms(practice.title)),
                    " ".join(terms(practice.summary)),
                    " ".join(terms(_body(practice))),
                ],
            )


def unindex_practice(practice_id: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM exchange_fts WHERE rowid = %s", [practice_id])


def reindex_all() -> int:
    """Rebuild the whole index (after a restore or an import that bypassed the services)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM exchange_fts")
    n = 0
    for practice in Practice.objects.select_related("member").iterator():
        index_practice(practice)
        n += 1
    return n


def ranked(queryset: QuerySet[Practice], query: str) -> list[Practice]:
    """The practices of `queryset` that contain every word of `query` (stemmed), best first.
    A query with no searchable word (only stop words or punctuation) filters nothing."""
    words = terms(query)[:MAX_QUERY_TERMS]
    if not words:
        return list(queryset)
    if connection.vendor == "postgresql":
        # The words as typed (stop words and stemming by PostgreSQL itself), bounded in length.
        text = " ".join(_WORD.findall(query))[:500]
        tsquery = SearchQuery(text, config="german", search_type="plain")
        return list(
            queryset.filter(search_vector=tsquery)
            .annotate(rank=SearchRank(F("search_vector"), tsquery))
            .order_by("-rank", "-published_at", "-pk")
        )
    match = " AND ".join(f'"{w}"' for w in words)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid, bm25(exchange_fts, 10.0, 4.0, 1.0) FROM exchange_fts "
            "WHERE exchange_fts MATCH %s",
            [match],
        )
        scores = {row[0]: row[1] for row in cursor.fetchall()}
    hits = list(queryset.filter(pk__in=list(scores)))
    # bm25: smaller is better. Ties as on PostgreSQL: newest first.
    hits.sort(
        key=lambda p: (
            p.published_at is None,
            -(p.published_at.timestamp() if p.published_at else 0),
            -p.pk,
        )
    )
    hits.sort(key=lambda p: scores[p.pk])
    return hits
