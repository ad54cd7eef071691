"""Fused groups: a member trains as it would alone, and nothing it does reaches the others."""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from regscale.models.registry import MODELS, build_model
from regscale.sources.language import build_language
from regscale.store import RunFolder
from regscale.training.loop import train, train_group
from regscale.training.run_config import RunConfig, override
from tests.training.helpers import small_run

DETERMINISTIC = ("step", "tokens", "loss", "loss_se", "optimal_loss", "excess_loss",
                 "excess_se", "train_loss", "accuracy", "valid_mass")


def members(arch: str, steps: int = 50, every: int = 1) -> list[RunConfig]:
    """Three runs of one shape that differ in language, seed, rate and budget."""
    base = small_run("tomita5", arch=arch, size="nano", context=16, every=every, samples=8,
                     tokens=16 * 32 * steps)
    return [
        base,
        override(small_run("tomita3", arch=arch, size="nano", context=16, every=every,
                           samples=8, tokens=16 * 32 * (steps // 2)),
                 {"optim.lr": 1e-2, "data.seed": 7, "system.seed": 3}),
        override(small_run("parity", arch=arch, size="nano", context=16, every=every,
                           samples=8, tokens=16 * 32 * steps),
                 {"optim.lr": 1e-3, "optim.warmup_steps": 3, "data.seed": 2}),
    ]


def rows(folder: Path) -> list[dict[str, float]]:
    return RunFolder(folder).read_metrics()


@pytest.mark.parametrize("arch", sorted(MODELS))
def test_a_member_trains_as_it_would_alone(tmp_path: Path, arch: str) -> None:
    configs = members(arch)
    fused = train_group([(c, tmp_path / "fused" / c.run_id()) for c in configs], progress=False)
    for config, summary in zip(configs, fused, strict=True):
        alone = train(config, tmp_path / "alone" / config.run_id(), progress=False)
        assert summary["status"] == alone["status"] == "completed"
        assert summary["group_size"] == 3 and alone["group_size"] == 1
        ours, theirs = rows(tmp_path / "fused" / config.run_id()), \
            rows(tmp_path / "alone" / config.run_id())
        assert [r["step"] for r in ours] == [r["step"] for r in theirs]
        assert len(ours) == config.total_steps  # every step evaluated: the first 50 losses
        for a, b in zip(ours, theirs, strict=True):
            assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-5)
            assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
        assert abs(summary["excess_loss"] - alone["excess_loss"]) <= alone["excess_se"]
        assert summary["steps"] == alone["steps"] == config.total_steps


def test_one_members_rate_leaves_the_others_bit_identical(tmp_path: Path) -> None:
    configs = members("gpt", steps=30, every=5)
    changed = [configs[0], override(configs[1], {"optim.lr": 9e-3}), configs[2]]
    train_group([(c, tmp_path / "a" / c.run_id()) for c in configs], progress=False)
    train_group([(c, tmp_path / "b" / c.run_id()) for c in changed], progress=False)
    for k in (0, 2):
        a, b = rows(tmp_path / "a" / configs[k].run_id()), rows(tmp_path / "b" /
                                                               configs[k].run_id())
        assert [{key: r[key] for key in DETERMINISTIC} for r in a] == \
            [{key: r[key] for key in DETERMINISTIC} for r in b]
    a, b = rows(tmp_path / "a" / configs[1].run_id()), rows(tmp_path / "b" / changed[1].run_id())
    assert a[-1]["loss"] != b[-1]["loss"]  # the changed member did change


def blown_up_weights(config: RunConfig, folder: Path) -> Path:
    """Weights whose final layer-norm gain is 1e37: the evaluation's loss (in float64) is
    finite, the training loss (float32) overflows, so the run diverges in its first step."""
    model = build_model(config.model, build_language(config.language).vocab_size)
    state = model.state_dict()
    state["ln_final.weight"] = state["ln_final.weight"] * 1e37
    path = folder / "blown_up.pt"
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({"model": state}, path)
    return path


def test_a_diverging_member_leaves_the_group_and_the_others_go_on(tmp_path: Path) -> None:
    configs = members("gpt", steps=30, every=5)
    good = configs[2]
    bad = override(configs[1], {"init_from": str(blown_up_weights(configs[1], tmp_path))})
    alone = train(good, tmp_path / "alone" / good.run_id(), progress=False)
    pair = train_group([(c, tmp_path / "g" / c.run_id()) for c in (good, bad)], progress=False)
    assert pair[1]["status"] == "diverged", pair[1]
    assert "loss became inf at step 0" in pair[1]["message"]  # in the group's training step
    assert pair[1]["steps"] == 0
    assert pair[0]["status"] == alone["status"] == "completed"
    assert pair[0]["steps"] == good.total_steps
    survivor, reference = rows(tmp_path / "g" / good.run_id()), \
        rows(tmp_path / "alone" / good.run_id())
    assert len(survivor) == len(reference) == good.total_steps // 5
    for a, b in zip(survivor, reference, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)


def test_runs_that_cannot_share_a_group_are_refused(tmp_path: Path) -> None:
    from regscale.errors import ConfigError
    configs = members("gpt", steps=4)
    other = override(configs[1], {"data.batch_size": 8})
    with pytest.raises(ConfigError, match="cannot share a group"):
        train_group([(configs[0], tmp_path / "a"), (other, tmp_path / "b")], progress=False)
    assert not (tmp_path / "a").exists()


def group_args(folder: Path) -> list[str]:
    return ["-c", (
        "import sys; from pathlib import Path\n"
        "from regscale.threads import use_threads; use_threads(1)\n"
        "from regscale.training.loop import train_group\n"
        "from tests.training.test_fused import members\n"
        f"cs = members('lstm', steps=120, every=10)\n"
        f"train_group([(c, Path({str(folder)!r}) / c.run_id()) for c in cs], progress=False)\n")]


def test_sigkill_mid_group_resumes_member_by_member(tmp_path: Path) -> None:
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, *group_args(killed)], cwd=Path(__file__).parents[2],
                            env={**os.environ, "OMP_NUM_THREADS": "1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    configs = members("lstm", steps=120, every=10)
    deadline = time.time() + 120
    while time.time() < deadline:
        if all(len(rows(killed / c.run_id())) >= 3 for c in configs):
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    folders = [RunFolder(killed / c.run_id()) for c in configs]
    assert not any(f.is_finished() for f in folders), "the group finished before the kill"
    stamps = [rows(f.path)[:2] for f in folders]
    # the first member resumes alone, the other two as a group of two
    train(configs[0], folders[0].path, progress=False)
    train_group([(c, f.path) for c, f in zip(configs[1:], folders[1:], strict=True)],
                progress=False)
    straight = train_group([(c, tmp_path / "straight" / c.run_id()) for c in configs],
                           progress=False)
    for k, (config, folder) in enumerate(zip(configs, folders, strict=True)):
        resumed = rows(folder.path)
        assert resumed[:2] == stamps[k]  # rows before the checkpoint kept, wall time and all
        reference = rows(tmp_path / "straight" / config.run_id())
        assert [r["step"] for r in resumed] == [r["step"] for r in reference]
        for a, b in zip(resumed, reference, strict=True):
            assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
        summary = folder.read_summary()
        assert summary is not None and summary["status"] == straight[k]["status"]
        assert math.isclose(summary["loss"], straight[k]["loss"], rel_tol=1e-5)


def test_a_checkpoint_of_a_member_is_a_solo_checkpoint(tmp_path: Path) -> None:
    configs = members("transformer_xl", steps=12, every=4)
    short = [dataclasses.replace(c, data=dataclasses.replace(c.data, tokens=16 * 32 * 8))
             for c in configs]
    train_group([(c, tmp_path / c.run_id()) for c in short], progress=False)
    for config in short:
        checkpoint = RunFolder(tmp_path / config.run_id()).load_checkpoint(config.run_id())
        assert {"state", "param_groups"} <= set(checkpoint.optimizer)  # torch's own layout
        assert all(set(s) == {"step", "exp_avg", "exp_avg_sq"}
                   for s in checkpoint.optimizer["state"].values())
        assert all(float(s["step"]) == checkpoint.step
                   for s in checkpoint.optimizer["state"].values())
        assert checkpoint.memory is not None
        assert all(m.shape[0] == config.data.batch_size for m in checkpoint.memory)
