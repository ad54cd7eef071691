"""A transfer matrix end to end on the generated parallel fixture: every direction of every pair,
pre-training once per source, from-scratch runs shared between sources, bits per verse, the
matrix figures, resuming, and bad input."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from regscale.analysis.transfer_matrix import analyse_matrix
from regscale.errors import ConfigError
from regscale.experiments.transfer_matrix import RUNS, folder_name, matrix_studies, run_matrix
from regscale.report.transfer_matrix import write_matrix_report
from regscale.sources.natural_language import encode
from regscale.store import StudyFolder
from tests.experiments.test_transfer import STUDY
from tests.parallel_corpus import write_language


def test_a_matrix_of_three_languages(tmp_path: Path) -> None:
    languages = [str(write_language(tmp_path, lang)) for lang in ("en", "de", "zh")]
    study_file = tmp_path / "matrix.toml"
    study_file.write_text(STUDY.format(source=languages[0], targets=f'"{languages[1]}"'))
    studies = matrix_studies(languages, study=str(study_file))
    assert [s.source for s in studies] == languages
    assert all(set(s.targets) == set(languages) - {s.source} for s in studies)
    root = tmp_path / "matrix"
    run_matrix(studies, root, log=lambda _: None)

    runs = StudyFolder(root, root / RUNS).run_folders()
    # 3 sources x 2 sizes pre-trained; each target's 2 x 3 scratch runs trained once for all
    # sources; 6 ordered pairs x 2 sizes x 3 D_F fine-tuned
    assert len(runs) == 3 * 2 + 3 * 2 * 3 + 6 * 2 * 3
    assert all(run.is_finished() for run in runs)
    lines: list[str] = []
    run_matrix(studies, root, log=lines.append)  # resumes: nothing left to run
    counts = [line for line in lines if " to run" in line]
    assert counts and all(" 0 to run" in line for line in counts)

    analysis = analyse_matrix(root, studies, resamples=20)
    pairs = analysis.pairs
    assert len(pairs) == 6 and not pairs.duplicated(["source", "target"]).any()
    for target in languages:  # bits per verse from the fixture's own held-out verses
        language = studies[0 if target != languages[0] else 1].built[f"target:{target}"]
        texts = language.eval_texts
        expected = len(encode(texts)) / len(texts)
        assert pairs[pairs.target == target].tokens_per_verse.iloc[0] == pytest.approx(expected)
    finite = pairs.dropna(subset=["bits_per_verse_finetuned"])
    assert len(finite) == 6
    assert (finite.bits_per_verse_scratch > 0).all()
    files = write_matrix_report(root, analysis)
    assert files["matrix_alpha"].read_bytes()[:4] == b"\x89PNG"
    assert files["matrix_ratio"].read_bytes()[:4] == b"\x89PNG"
    report = files["report"].read_text()
    assert "6 (source, target) pairs" in report
    for source in languages:
        assert (root / folder_name(source) / "report.md").is_file()
        assert math.isfinite(pairs[pairs.source == source].tokens_per_verse.iloc[0])


def test_a_matrix_needs_two_distinct_languages() -> None:
    with pytest.raises(ConfigError, match="at least 2 distinct"):
        matrix_studies(["en"])
    with pytest.raises(ConfigError, match="at least 2 distinct"):
        matrix_studies(["en", "de", "en"])


def test_languages_without_matrix_are_refused() -> None:
    proc = subprocess.run([sys.executable, "-m", "regscale", "transfer", "en", "de"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "need --matrix" in proc.stderr
