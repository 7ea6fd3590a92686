"""`hafennetz allocate …`: allocate households from CSV files, or solve an OR-Library GAP file.

Progress goes to stderr, the summary to stdout; errors name file, line and field, exit with a
non-zero code and write no output file.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .checker import check
from .csv_io import (
    atomic_write,
    municipality_rows,
    read_households,
    read_municipalities,
    read_outcomes,
    result_rows,
)
from .errors import InputError
from .model import Aggregation, DistributionKey, Instance, Method, ScoreWeights

EXIT_INPUT = 2
EXIT_CHECK = 3


class _Progress:
    def __init__(self, quiet: bool) -> None:
        self.t0 = time.monotonic()
        self.quiet = quiet

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.monotonic() - self.t0:7.1f} s] {message}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hafennetz allocate",
        description="Allocate households to municipalities (docs/allocation/).",
    )
    p.add_argument("--households", type=Path, help="households CSV")
    p.add_argument("--municipalities", type=Path, help="municipalities CSV")
    p.add_argument("--outcomes", type=Path, help="optional predicted outcomes CSV")
    p.add_argument("--gap-instance", type=Path, help="solve an OR-Library GAP file instead")
    p.add_argument("--method", choices=[m.value for m in Method], default="optimal")
    p.add_argument("--key", choices=[k.value for k in DistributionKey], default="none")
    p.add_argument("--key-weight", type=float, default=None, help="penalty per person off the key")
    p.add_argument("--aggregation", choices=[a.value for a in Aggregation], default="sum")
    p.add_argument("--unplaced-penalty", type=float, default=10.0, help="per person")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--solver", choices=["highs", "cpsat"], default="highs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, help="result CSV (one row per household)")
    p.add_argument("--municipality-report", type=Path, help="resource use per municipality CSV")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse already printed the message
        return int(exc.code or 0)
    progress = _Progress(args.quiet)
    try:
        if args.gap_instance is not None:
            return _gap(args, progress)
        if args.households is None or args.municipalities is None:
            parser.print_usage(sys.stderr)
            print(
                "error: --households and --municipalities are required (or --gap-instance FILE)",
                file=sys.stderr,
            )
            return EXIT_INPUT
        return _allocate(args, progress)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT


def _check_out_paths(args: argparse.Namespace) -> None:
    for attr in ("out", "municipality_report"):
        path: Path | None = getattr(args, attr)
        if path is not None and not path.parent.resolve().is_dir():
            raise InputError(str(path), None, None, "directory for the output file does not exist")


def _allocate(args: argparse.Namespace, say: _Progress) -> int:
    _check_out_paths(args)
    say(f"reading {args.municipalities}")
    munis, _mlines = read_municipalities(args.municipalities)
    known = {m.ags for m in munis}
    say(f"reading {args.households}")
    households, hlines = read_households(args.households, known)
    if args.outcomes is not None:
        households = read_outcomes(args.outcomes, households, known)
    _check_sizes(args.households, households, hlines, munis)
    key = DistributionKey(args.key)
    if key is DistributionKey.EXPLICIT and all(m.target_share is None for m in munis):
        raise InputError(str(args.municipalities), 1, "target_share", "--key explicit needs it")
    key_weight = (
        args.key_weight if args.key_weight is not None else (0.5 if key.value != "none" else 0)
    )
    weights = ScoreWeights(
        outcome_aggregation=Aggregation(args.aggregation),
        unplaced_per_person=args.unplaced_penalty,
        key_deviation_per_person=key_weight,
    )
    instance = Instance(households, munis, weights=weights, key=key)
    from .engine import allocate

    result = allocate(
        instance,
        method=Method(args.method),
        seed=args.seed,
        time_limit=args.time_limit,
        threads=args.threads,
        backend=args.solver,
        progress=say,
    )
    say("checking the result independently")
    report = check(instance, result.assignment)
    if report.violations:
        for v in report.violations[:20]:
            print(f"error: infeasible result: {v.message}", file=sys.stderr)
        return EXIT_CHECK
    if args.out is not None:
        atomic_write(args.out, result_rows(result))
    if args.municipality_report is not None:
        atomic_write(args.municipality_report, municipality_rows(result))
    _summary(result, report.unmet_hard_flags, args)
    return 0


def _check_sizes(
    path: Path, households: Sequence[object], lines: dict[str, int], munis: Sequence[object]
) -> None:
    from .model import Household, Municipality

    caps: dict[str, int] = {}
    for m in munis:
        assert isinstance(m, Municipality)
        for r, v in m.capacities.items():
            caps[r] = max(caps.get(r, 0), v)
    for h in households:
        assert isinstance(h, Household)
        for r, v in sorted(h.resource_needs().items()):
            if v > caps.get(r, 0):
                field = "size" if r == "housing" else f"need_{r}"
                if r in ("childcare", "school", "language_course"):
                    field = {"childcare": "age_0_2", "school": "age_6_17"}.get(r, "age_18_64")
                if r in ("barrier_free_housing", "medical_care"):
                    field = "flags"
                raise InputError(
                    str(path),
                    lines[h.case_id],
                    field,
                    f"household {h.case_id} needs {v} {r} places, "
                    f"more than any municipality pledged ({caps.get(r, 0)})",
                )


def _summary(result: object, unmet: Sequence[object], args: argparse.Namespace) -> None:
    from .model import AllocationResult

    assert isinstance(result, AllocationResult)
    s = result.score
    print(f"method        {result.method.value} (seed {result.seed}, {result.status})")
    n = len(result.assignment)
    print(f"households    {n}: {result.placed} placed, {result.unplaced} unplaced")
    reasons = Counter(
        e.reasons[-1].message for e in result.households if e.ags is None and e.reasons
    )
    for message, n in reasons.most_common(8):
        print(f"  {n:6d} x {message}")
    print(
        f"score         {s.total:.3f} = need fit {s.need_fit:.3f} + preference {s.preference:.3f}"
        f" + outcome {s.outcome:.3f} + links {s.link:.3f}"
        f" - unplaced {s.unplaced_penalty:.3f} - key {s.key_penalty:.3f}"
    )
    if result.bound is not None:
        gap = "" if result.gap is None else f", gap {100 * result.gap:.3f} %"
        print(f"bound         {result.bound:.3f}{gap}")
    else:
        print("bound         - (no bound for this method)")
    if unmet:
        print(
            f"hard needs    {len(unmet)} placements where a hard need is not offered (status quo)"
        )
    print(f"time          {result.runtime_s:.1f} s")
    for note in result.notes:
        print(f"note          {note}")
    if args.out is not None:
        print(f"written       {args.out}")


def _gap(args: argparse.Namespace, say: _Progress) -> int:
    _check_out_paths(args)
    from .core import all_arcs, core_objective, is_feasible
    from .gap_io import gap_to_core, read_gap
    from .greedy import greedy
    from .optimal import solve_optimal

    gap = read_gap(args.gap_instance)
    say(f"GAP {gap.name}: {gap.agents} agents, {gap.jobs} jobs (minimise cost)")
    problem = gap_to_core(gap)
    t0 = time.monotonic()
    bound: float | None = None
    if args.method == "greedy":
        sol = greedy(problem, all_arcs(problem), seed=args.seed)
        status = "heuristic"
    elif args.method == "optimal":
        out = solve_optimal(
            problem,
            time_limit=args.time_limit,
            seed=args.seed,
            threads=args.threads,
            backend=args.solver,
            progress=say,
        )
        sol, bound, status = out.solution, out.bound, out.status
    else:
        print("error: --gap-instance supports --method optimal or greedy", file=sys.stderr)
        return EXIT_INPUT
    elapsed = time.monotonic() - t0
    if not is_feasible(problem, sol):
        print(f"instance       {gap.name}")
        print("result         no feasible assignment found (every job must be assigned)")
        return 1
    cost = -core_objective(problem, sol)
    print(f"instance      {gap.name} ({gap.agents} x {gap.jobs})")
    print(f"cost          {cost:.0f} ({status})")
    if bound is not None:
        lower = -bound
        print(f"lower bound   {lower:.1f}, gap {100 * (cost - lower) / max(abs(lower), 1):.3f} %")
    print(f"time          {elapsed:.1f} s")
    if args.out is not None:
        rows: list[list[object]] = [["job", "agent"]]
        for k in range(sol.arcs.size):
            if sol.x[k]:
                rows.append([int(sol.arcs.item[k]), int(sol.arcs.agent[k])])
        atomic_write(args.out, rows)
    return 0
