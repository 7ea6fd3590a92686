"""The CLI as a user runs it: real example files, broken files, GAP files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hafennetz.engines.allocation.cli import main

ROOT = Path(__file__).resolve().parents[3]
EX = ROOT / "docs" / "allocation" / "examples"
GAP = ROOT / "bench" / "allocation" / "gap"
HEADER = "case_id,age_0_2,age_3_5,age_6_17,age_18_64,age_65_plus"


def test_example_run_writes_result_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "result.csv"
    code = main(
        [
            "--households", str(EX / "households.csv"),
            "--municipalities", str(EX / "municipalities.csv"),
            "--outcomes", str(EX / "outcomes.csv"),
            "--key", "population",
            "--time-limit", "10",
            "--out", str(out),
        ]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    assert "placed" in captured.out and "bound" in captured.out
    assert "reading" in captured.err  # progress on stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 8
    unplaced = [r for r in rows if r["status"] == "unplaced"]
    assert all(r["reason_code"] for r in unplaced)
    linked = {r["case_id"]: r["ags"] for r in rows}
    assert linked["H-0003"] == linked["H-0004"]


@pytest.mark.parametrize(
    ("households", "municipalities_edit", "expected"),
    [
        (f'{HEADER}\nA,0,0,0,"1\n', None, "line 2"),
        (f"{HEADER},links\nA,0,0,0,1,0,ZZ:same_municipality\n", None, "field 'links'"),
        (f"{HEADER}\nA,0,0,0,1,0\n", ("14,3,4,8,4,1", "-14,3,4,8,4,1"), "field 'cap_housing'"),
        (f"{HEADER}\nA,0,0,0,40,0\n", None, "field 'size'"),
        (f"{HEADER},size\nA,0,0,0,2,0,3\n", None, "contradicts"),
        (f"{HEADER}\nA,0,0,0,x,0\n", None, "field 'age_18_64'"),
        (f"{HEADER}\nA,0,0,0,1,0\nA,0,0,0,1,0\n", None, "duplicate case number"),
        (f"{HEADER},preferences\nA,0,0,0,1,0,99999999\n", None, "field 'preferences'"),
        (f"{HEADER},flags\nA,0,0,0,1,0,Barrier Free\n", None, "field 'flags'"),
        ("case_id,age_0_2\nA,0\n", None, "line 1, field 'age_3_5'"),
    ],
)
def test_bad_input_names_file_line_field_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    households: str,
    municipalities_edit: tuple[str, str] | None,
    expected: str,
) -> None:
    hfile = tmp_path / "h.csv"
    hfile.write_text(households, encoding="utf-8")
    mfile = tmp_path / "m.csv"
    text = (EX / "municipalities.csv").read_text(encoding="utf-8")
    if municipalities_edit:
        text = text.replace(*municipalities_edit)
    mfile.write_text(text, encoding="utf-8")
    out = tmp_path / "out.csv"
    code = main(["--households", str(hfile), "--municipalities", str(mfile), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert not out.exists()
    assert expected in err
    assert ("h.csv" in err) or ("m.csv" in err)


def test_gap_instance_is_solved_to_the_known_optimum(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--gap-instance", str(GAP / "cattrysse1994" / "gap1-0"), "--time-limit", "10"])
    assert code == 0
    assert "cost          261 (optimal)" in capsys.readouterr().out


def test_broken_gap_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "gap"
    bad.write_text("2 3\n1 2 3\n", encoding="utf-8")
    assert main(["--gap-instance", str(bad)]) == 2
    assert "expected" in capsys.readouterr().err


def test_usage_errors_return_nonzero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["--method", "nonsense"]) == 2
