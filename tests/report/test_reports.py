"""Reports from study folders, through the command line as a user runs them, on folders made by
the previous version (tests/data/legacy): every figure is a PNG the report links to."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from regscale.cli import cli

LEGACY = Path(__file__).parent.parent / "data" / "legacy"


def report(tmp_path: Path, name: str) -> tuple[Path, str]:
    root = Path(shutil.copytree(LEGACY / name, tmp_path / name))
    result = CliRunner().invoke(cli, ["report", str(root)])
    assert result.exit_code == 0, result.output
    return root, result.output


def check_figures(root: Path, count: int) -> None:
    figures = sorted((root / "figures").glob("*.png"))
    assert len(figures) == count
    assert all(f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in figures)
    text = (root / "report.md").read_text()
    assert all(f"figures/{f.name}" in text for f in figures)


def test_sweep_report_of_an_old_folder(tmp_path: Path) -> None:
    root, output = report(tmp_path, "sweep")
    check_figures(root, 9)
    assert "| language | arch |" in output and f"report: {root / 'report.md'}" in output
    # every fit of this tiny sweep is poorly determined or failed: it says so, last
    assert output.strip().splitlines()[-1].startswith("no law is well determined: all 6 fits")
    text = (root / "report.md").read_text()
    assert "poorly determined" in text and "**no law is well determined" in text
    for command in ("collect", "fit"):
        assert CliRunner().invoke(cli, [command, str(root)]).exit_code == 0


def test_transfer_report_of_an_old_folder(tmp_path: Path) -> None:
    root, output = report(tmp_path, "transfer")
    check_figures(root, 4)
    assert "Fits of D_T = k D_F^alpha N^beta" in (root / "report.md").read_text()
    assert "effective_data:" in output
