"""Hypothesis strategies and helpers shared by the grouping tests."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from hafennetz.engines.grouping.model import Participant, Problem, Role, Round, Rules

TOPICS = ("kita", "schule", "wohnen")


@st.composite
def participants(draw: st.DrawFn, min_n: int = 4, max_n: int = 14) -> list[Participant]:
    n = draw(st.integers(min_n, max_n))
    members = draw(st.integers(2, max(2, n)))
    out = []
    for i in range(n):
        out.append(
            Participant(
                id=f"p{i}",
                name=f"Person {i}",
                email=f"p{i}@example.org",
                member=f"m{draw(st.integers(0, members - 1))}",
                state=f"s{draw(st.integers(0, 4))}",
                size_class=draw(st.sampled_from(("small", "large", ""))),
                strain=tuple((t, draw(st.integers(1, 4))) for t in TOPICS if draw(st.booleans())),
                topics=tuple(t for t in TOPICS if draw(st.booleans())),
            )
        )
    return out


@st.composite
def problems(draw: st.DrawFn, max_rounds: int = 3, facilitators: bool = True) -> Problem:
    people = draw(participants())
    n = len(people)
    lo = draw(st.integers(2, 4))
    hi = draw(st.integers(lo, lo + 2))
    rounds = draw(st.integers(1, max_rounds))
    if facilitators and draw(st.booleans()):
        k = max(1, n // ((lo + hi) // 2))
        chosen = draw(st.sets(st.integers(0, n - 1), min_size=k, max_size=k))
        people = [
            replace(p, role=Role.FACILITATOR) if i in chosen else p for i, p in enumerate(people)
        ]
    topics = tuple(draw(st.lists(st.sampled_from(TOPICS), max_size=2)))
    history = tuple(
        (f"p{a}@example.org", f"p{b}@example.org")
        for a, b in draw(
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=6)
        )
        if a != b
    )
    return Problem(
        participants=tuple(people),
        rounds=tuple(Round(lo, hi, topics=topics) for _ in range(rounds)),
        history=history,
        rules=Rules(
            distinct_members=draw(st.booleans()),
            fixed_facilitators=draw(st.booleans()),
        ),
    )
