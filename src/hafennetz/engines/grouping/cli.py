"""`hafennetz plan-groups participants.csv --rounds 3 --size 5-7 --out plan.csv`

Progress goes to stderr, the quality report to stdout. Nothing is written unless planning
succeeds. Exit codes: 0 plan written, 1 impossible settings (conflicts listed with the nearest
feasible setting), 2 bad command line or malformed CSV (file, line, field).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TextIO

from .csvio import (
    CsvError,
    parse_history,
    parse_participants,
    parse_pins,
    parse_plan,
    parse_plan_participants,
    read_text,
)
from .exports import bbb_groups_json, missing_emails, plain_csv, printable, zoom_csv
from .model import (
    Change,
    DropOut,
    LateJoin,
    Participant,
    Plan,
    PlanningError,
    Problem,
    QualityReport,
    Round,
    Rules,
)
from .planner import plan
from .repair import apply_changes, changed_assignments, repair
from .scoring import check, quality
from .search import Progress

EXIT_OK, EXIT_CONFLICT, EXIT_INPUT = 0, 1, 2


def _size(text: str) -> tuple[int, int]:
    lo, sep, hi = text.partition("-")
    try:
        a, b = int(lo), int(hi if sep else lo)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not MIN-MAX, e.g. 5-7") from None
    if a < 1 or b < a:
        raise argparse.ArgumentTypeError(f"'{text}': need 1 <= MIN <= MAX")
    return a, b


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number >= 1")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the time limit must be positive")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hafennetz plan-groups",
        description="Plan breakout groups over several rounds (formats: docs/grouping/).",
    )
    p.add_argument("participants", type=Path, help="participants CSV")
    p.add_argument("--rounds", type=_positive, default=1, help="number of rounds (default 1)")
    p.add_argument(
        "--size",
        type=_size,
        default=(5, 7),
        metavar="MIN-MAX",
        help="group size bounds (default 5-7)",
    )
    p.add_argument("--groups", type=_positive, help="number of groups per round (default: chosen)")
    p.add_argument(
        "--topics",
        default="",
        help="topic tables for every round, ';'-separated, one per group from group 1 on",
    )
    p.add_argument(
        "--history",
        type=Path,
        action="append",
        default=[],
        help="earlier meetings (CSV), repeatable",
    )
    p.add_argument("--pins", type=Path, help="pinned assignments CSV")
    p.add_argument("--out", type=Path, required=True, help="plan CSV to write")
    p.add_argument(
        "--zoom", type=Path, help="Zoom pre-assignment CSV per round (PATH gets _roundN)"
    )
    p.add_argument(
        "--bbb", type=Path, help="BigBlueButton groups JSON per round (PATH gets _roundN)"
    )
    p.add_argument("--print", dest="printout", type=Path, help="printable list (text)")
    p.add_argument("--report-json", type=Path, help="quality report as JSON")
    p.add_argument(
        "--lang", choices=("de", "en"), default="de", help="language of room names and list"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--time-limit", type=_seconds, default=10.0, help="seconds (default 10)")
    p.add_argument(
        "--allow-same-member", action="store_true", help="allow two people of one member in a group"
    )
    p.add_argument(
        "--rotate-facilitators",
        action="store_true",
        help="facilitators may change rooms between rounds",
    )
    p.add_argument(
        "--no-facilitator-rule",
        action="store_true",
        help="do not require one facilitator per group",
    )
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument(
        "--repair",
        type=Path,
        metavar="OLD_PLAN.csv",
        help="repair this plan for the current participants (joiners: new ids; drop-outs: "
        "ids no longer listed or whose rounds exclude later rounds), changing as few "
        "assignments as possible",
    )
    p.add_argument(
        "--from-round",
        type=_positive,
        default=1,
        help="with --repair: first round that may change (default 1)",
    )
    return p


def _round_path(path: Path, r: int) -> Path:
    return path.with_name(f"{path.stem}_round{r + 1}{path.suffix}")


def _report_lines(q: QualityReport) -> list[str]:
    lines = [
        "Quality report",
        f"  rounds / groups                 {q.rounds} / {q.groups}",
        f"  hard-rule violations            {q.violations}",
        f"  repeated pairs (this meeting)   {q.repeated_pairs}",
        f"  pairs met at earlier meetings   {q.history_repeats}",
        "  states per group, min / mean    "
        f"{q.min_states_per_group} / {q.mean_states_per_group:.2f}",
        f"  groups with fewer than 5 states {q.groups_below_5_states}",
        "  new contacts per person         "
        f"min {q.new_contacts_min}, mean {q.new_contacts_mean:.1f}, max {q.new_contacts_max}",
        f"  size classes per group, mean    {q.mean_size_classes_per_group:.2f}",
    ]
    if q.topic_groups:
        lines += [
            f"  topic preferences met           {q.preferences_met} of {q.preferences_possible}",
            f"  topic groups mixing strain      {q.strain_mixed_groups} of {q.topic_groups}",
        ]
    lines.append(f"  objective                       {q.objective:.2f}")
    return lines


class _ProgressDisplay:
    def __init__(self, stream: TextIO, time_limit: float) -> None:
        self.stream = stream
        self.time_limit = time_limit
        self.tty = stream.isatty()
        self.last = -10.0

    def __call__(self, p: Progress) -> None:
        if not self.tty and p.seconds - self.last < 2.0:
            return
        self.last = p.seconds
        share = min(1.0, p.seconds / self.time_limit)
        bar = "#" * int(share * 20)
        text = (
            f"searching [{bar:<20}] {p.seconds:5.1f}s  cycle {p.cycle}  "
            f"moves {p.iterations}  best {p.best:.1f}"
        )
        if self.tty:
            self.stream.write("\r" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _write_all(outputs: dict[Path, str]) -> None:
    """Write every file to a temporary name first, then rename: all or nothing."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, text in outputs.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            temps.append((tmp, path))
    except OSError:
        for tmp, _ in temps:
            os.unlink(tmp)
        raise
    for tmp, path in temps:
        os.replace(tmp, path)


def _repair(
    current: Problem, old_plan: Plan, old_people: list[Participant], args: argparse.Namespace
) -> tuple[Problem, Plan, list[tuple[int, str, int, int]]]:
    """Changes = ids new in the participants file (late joiners) and ids of the old plan no
    longer listed (drop-outs), from `--from-round` on."""
    start = args.from_round - 1
    listed = {p.id for p in current.participants}
    before_ids = {p.id for p in old_people}
    dropped = [p for p in old_people if p.id not in listed]
    joiners = [p for p in current.participants if p.id not in before_ids]
    before = replace(
        current,
        participants=tuple(p for p in current.participants if p.id in before_ids) + tuple(dropped),
    )
    changes: list[Change] = [DropOut(p.id, start) for p in dropped]
    changes += [LateJoin(p, start) for p in joiners]
    result = repair(before, old_plan, changes, seed=args.seed, time_limit=args.time_limit)
    after = apply_changes(before, changes)
    return after, result, changed_assignments(old_plan, result)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_INPUT
    err = sys.stderr
    lo, hi = args.size
    try:
        ignored: list[str] = []
        participants = parse_participants(
            read_text(args.participants), str(args.participants), args.rounds, ignored
        )
        if ignored:
            err.write(
                f"note: {args.participants}: columns ignored (not used by the planner): "
                f"{', '.join(ignored)}\n"
            )
        history: list[tuple[str, str]] = []
        for path in args.history:
            history.extend(parse_history(read_text(path), str(path)))
        pins = parse_pins(read_text(args.pins), str(args.pins)) if args.pins else []
        old_plan: Plan | None = None
        old_people: list[Participant] = []
        if args.repair:
            old_text = read_text(args.repair)
            old_plan = parse_plan(old_text, str(args.repair))
            old_people = parse_plan_participants(old_text, str(args.repair))
    except CsvError as exc:
        for item in exc.problems:
            err.write(f"error: {item}\n")
        err.write("nothing written\n")
        return EXIT_INPUT
    except OSError as exc:
        err.write(f"error: {exc.filename}: {exc.strerror}\nnothing written\n")
        return EXIT_INPUT
    targets = [args.out, args.zoom, args.bbb, args.printout, args.report_json]
    for target in targets:
        if target is not None and not target.parent.is_dir():
            err.write(
                f"error: {target}: directory {target.parent} does not exist\nnothing written\n"
            )
            return EXIT_INPUT
    topics = tuple(t.strip() for t in args.topics.split(";") if t.strip())
    problem = Problem(
        participants=tuple(participants),
        rounds=tuple(Round(lo, hi, args.groups, topics) for _ in range(args.rounds)),
        history=tuple(history),
        pins=tuple(pins),
        rules=Rules(
            distinct_members=not args.allow_same_member,
            one_facilitator=not args.no_facilitator_rule,
            fixed_facilitators=not args.rotate_facilitators,
        ),
    )
    display = _ProgressDisplay(err, args.time_limit)
    moved: list[tuple[int, str, int, int]] = []
    try:
        if old_plan is None:
            result: Plan = plan(
                problem,
                seed=args.seed,
                time_limit=args.time_limit,
                progress=None if args.quiet else display,
            )
        else:
            problem, result, moved = _repair(problem, old_plan, old_people, args)
    except PlanningError as exc:
        display.done()
        err.write("error: the settings cannot be met:\n")
        for issue in exc.issues:
            err.write(f"  - {issue.message}\n")
            if issue.suggestion:
                err.write(f"    nearest feasible: {issue.suggestion}\n")
        err.write("nothing written\n")
        return EXIT_CONFLICT
    if not args.quiet:
        display.done()
    violations = check(problem, result)
    if violations:  # a bug, never expected: do not hand out a plan that breaks the rules
        for issue in violations:
            err.write(f"internal error: {issue.message}\n")
        err.write("nothing written\n")
        return EXIT_CONFLICT
    report = quality(problem, result)
    outputs: dict[Path, str] = {args.out: plain_csv(problem, result)}
    for r in range(len(result.rounds)):
        if args.zoom:
            outputs[_round_path(args.zoom, r)] = zoom_csv(problem, result, r, args.lang)
        if args.bbb:
            outputs[_round_path(args.bbb, r)] = bbb_groups_json(problem, result, r, lang=args.lang)
    if args.printout:
        outputs[args.printout] = printable(problem, result, args.lang)
    if args.report_json:
        outputs[args.report_json] = json.dumps(asdict(report), indent=2) + "\n"
    try:
        _write_all(outputs)
    except OSError as exc:
        err.write(f"error: {exc}\nnothing written\n")
        return EXIT_INPUT
    if args.zoom:
        no_mail = missing_emails(problem, result, 0)
        if no_mail:
            err.write(
                f"note: {len(no_mail)} participants have no e-mail and are not in the Zoom files\n"
            )
    stats = result.stats
    if stats is not None:
        err.write(
            f"search: {stats.iterations} moves in {stats.seconds:.1f}s ({stats.stopped_by}), "
            f"seed {stats.seed}\n"
        )
    sys.stdout.write("\n".join(_report_lines(report)) + "\n")
    if old_plan is not None:
        sys.stdout.write(f"Repair: {len(moved)} earlier assignments changed\n")
        for r, pid, before, after in moved:
            sys.stdout.write(f"  round {r + 1}: {pid} group {before + 1} -> {after + 1}\n")
    for path in outputs:
        sys.stdout.write(f"wrote {path}\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
