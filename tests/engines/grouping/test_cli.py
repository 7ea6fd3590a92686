"""The CLI as a user runs it: real files, broken files, impossible settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hafennetz.engines.grouping.cli import main

HEADER = "id,name,email,member,state,role\n"


def _people(n: int, facilitators: int = 0) -> str:
    rows = [
        f"r{i},Person {i},p{i}@example.org,m{i},S{i % 6},"
        f"{'facilitator' if i < facilitators else 'participant'}\n"
        for i in range(n)
    ]
    return HEADER + "".join(rows)


def _files(tmp_path: Path) -> set[str]:
    return {p.name for p in tmp_path.iterdir()}


def test_plan_writes_all_outputs_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "people.csv"
    src.write_text(_people(36, facilitators=6), encoding="utf-8")
    out = tmp_path / "plan.csv"
    code = main(
        [
            str(src),
            "--rounds", "2",
            "--size", "5-7",
            "--out", str(out),
            "--zoom", str(tmp_path / "zoom.csv"),
            "--bbb", str(tmp_path / "bbb.json"),
            "--print", str(tmp_path / "list.txt"),
            "--report-json", str(tmp_path / "report.json"),
            "--time-limit", "3",
        ]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    assert "repeated pairs (this meeting)   0" in captured.out
    assert "hard-rule violations            0" in captured.out
    assert "searching" in captured.err
    assert _files(tmp_path) == {
        "people.csv", "plan.csv", "zoom_round1.csv", "zoom_round2.csv",
        "bbb_round1.json", "bbb_round2.json", "list.txt", "report.json",
    }  # fmt: skip
    assert len(out.read_text().splitlines()) == 1 + 2 * 36


def test_malformed_csv_names_file_line_field_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "people.csv"
    src.write_text(_people(10) + "r99,X,x@example.org,m99,S1,chief\n", encoding="utf-8")
    code = main([str(src), "--out", str(tmp_path / "plan.csv"), "--size", "2-3"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{src}, line 12, field 'role'" in err
    assert "nothing written" in err
    assert _files(tmp_path) == {"people.csv"}


def test_impossible_settings_name_the_conflict_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "people.csv"
    src.write_text(_people(30, facilitators=2), encoding="utf-8")
    code = main([str(src), "--out", str(tmp_path / "plan.csv"), "--rounds", "2"])
    err = capsys.readouterr().err
    assert code == 1
    assert "5 groups need one facilitator each, but only 2 facilitators attend" in err
    assert "nearest feasible: add 3 facilitators" in err
    assert _files(tmp_path) == {"people.csv"}


def test_missing_file_and_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.csv"), "--out", str(tmp_path / "plan.csv")]) == 2
    assert "No such file" in capsys.readouterr().err
    src = tmp_path / "people.csv"
    src.write_text(_people(10), encoding="utf-8")
    assert main([str(src), "--out", str(tmp_path / "plan.csv"), "--size", "7-5"]) == 2
    assert main([str(src), "--out", str(tmp_path / "missing-dir" / "plan.csv")]) == 2
    assert _files(tmp_path) == {"people.csv"}


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    src = tmp_path / "people.csv"
    src.write_text(_people(12), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "hafennetz.engines.grouping", str(src), "--size", "3-4",
         "--out", str(tmp_path / "plan.csv"), "--time-limit", "2", "--quiet"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Quality report" in done.stdout


def test_repair_from_an_earlier_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "people.csv"
    src.write_text(_people(24), encoding="utf-8")
    first = tmp_path / "plan.csv"
    assert main([str(src), "--rounds", "3", "--size", "3-5", "--out", str(first), "--quiet"]) == 0
    # r5 drops out, r99 joins, from round 2 on
    lines = _people(24).splitlines(keepends=True)
    changed = [line for line in lines if not line.startswith("r5,")]
    changed.append("r99,Late,late@example.org,m99,S1,participant\n")
    src.write_text("".join(changed), encoding="utf-8")
    second = tmp_path / "plan2.csv"
    code = main(
        [str(src), "--rounds", "3", "--size", "3-5", "--repair", str(first),
         "--from-round", "2", "--out", str(second), "--quiet"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "hard-rule violations            0" in out
    assert "Repair: 0 earlier assignments changed" in out
    before = first.read_text().splitlines()
    after = second.read_text().splitlines()
    assert sorted(row for row in after if row.startswith("1,")) == sorted(
        row for row in before if row.startswith("1,")
    )
    assert sum(",r5," in row for row in after) == 1  # round 1 only
    assert sum(",r99," in row for row in after) == 2  # rounds 2 and 3


def test_extra_columns_are_ignored_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header, *rows = _people(12).splitlines()
    src = tmp_path / "anmeldungen.csv"
    src.write_text(
        "\n".join([header + ",ags,phone", *(row + ",05766020,0521" for row in rows)]) + "\n",
        encoding="utf-8",
    )
    code = main([str(src), "--out", str(tmp_path / "plan.csv"), "--size", "3-4"])
    assert code == 0
    assert "columns ignored (not used by the planner): ags, phone" in capsys.readouterr().err
    assert (tmp_path / "plan.csv").exists()
