"""One writer per run: concurrent sweeps share the work, a held run is refused in one line, and
a killed holder's lock goes with it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from regscale.locks import FolderLock
from regscale.store import RunFolder
from tests.test_faults import TRAIN, Record, assert_one_line_failure, regscale

ROOT = Path(__file__).parents[1]

SHARED = """
description = "two languages x one fusable plug-in GPT x three budgets"
languages = ["a_star_b", "dfa:n=4,t=7,f=2,k=2,seed=0"]
archs = ["tests.plugins.models:BarrierGPT"]
sizes = ["pico"]
tokens = [8192, 16384, 24576]
context = 16
batch_size = 16
eval_every = 8
eval_rows = 8
eval_samples = 0
"""


def test_two_sweeps_on_one_folder_train_every_run_once(tmp_path: Path, fault: Record) -> None:
    fault("two sweeps on one folder")
    sweep = tmp_path / "shared.toml"
    sweep.write_text(SHARED)
    out = tmp_path / "out"
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "REGSCALE_TEST_BARRIER": f"{tmp_path / 'barrier'}:2"}
    command = [sys.executable, "-m", "regscale", "sweep", str(sweep), "--out", str(out),
               "--workers", "1", "--fuse", "3"]
    procs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert len(list((tmp_path / "barrier").iterdir())) == 2  # both were running before training
    folders = [RunFolder(p) for p in sorted((out / "runs").iterdir())]
    assert len(folders) == 6
    owners = set()
    for folder in folders:
        steps = [r["step"] for r in folder.read_metrics()]
        config = json.loads(folder.config.read_text())
        expected = config["data"]["tokens"] // (16 * 16)
        assert steps == list(range(8, expected + 1, 8)), (folder.path, steps)  # each step once
        owners.add(json.loads(folder.owner.read_text())["pid"])
    assert owners == {p.pid for p in procs}, "each sweep trained some runs"
    assert any("another process is training" in o for o, _ in outputs)
    results = pd.read_parquet(out / "results.parquet")
    curves = pd.read_parquet(out / "curves.parquet")
    assert len(results) == 6 and results.run_id.is_unique
    assert len(curves) == sum(len(f.read_metrics()) for f in folders)


def start_training(out: Path, tokens: str = "4e5") -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "regscale", *TRAIN[:-1], "--tokens", tokens,
                             "--out", str(out)], cwd=ROOT, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_rows(out: Path, rows: int) -> RunFolder:
    deadline = time.time() + 120
    while time.time() < deadline:
        found = list(out.glob("*/metrics.jsonl"))
        if found and len(RunFolder(found[0].parent).read_metrics()) >= rows:
            return RunFolder(found[0].parent)
        time.sleep(0.02)
    raise AssertionError("the run never reached its evaluations")


def test_train_refuses_a_run_another_process_is_training(tmp_path: Path,
                                                         fault: Record) -> None:
    fault("run held by another process")
    first = start_training(tmp_path)
    try:
        folder = wait_for_rows(tmp_path, 1)
        second = regscale(*TRAIN[:-1], "--tokens", "4e5", "--out", str(tmp_path), "--resume")
        assert_one_line_failure(second, "being trained by another process")
        assert f"pid {first.pid}" in second.stderr
        assert not folder.is_finished()
    finally:
        first.kill()
        first.wait()


def test_a_killed_holders_run_resumes_at_once(tmp_path: Path, fault: Record) -> None:
    fault("SIGKILLed lock holder")
    first = start_training(tmp_path, "6e4")  # 234 steps: killed at its second evaluation
    folder = wait_for_rows(tmp_path, 2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert not folder.is_finished()
    assert not folder.is_busy()  # the kernel let the lock go with the process
    resumed = regscale(*TRAIN[:-1], "--tokens", "6e4", "--out", str(tmp_path), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    line = next(x for x in resumed.stdout.splitlines() if x.startswith("resumed"))
    assert int(line.split()[-1]) > 0  # from its checkpoint, not from step 0


def test_a_lock_excludes_a_second_holder_until_released(tmp_path: Path) -> None:
    one, two = FolderLock(tmp_path), FolderLock(tmp_path)
    assert one.acquire() and not two.acquire()
    assert two.is_held_elsewhere() and not one.is_held_elsewhere()
    assert not two.acquire(block=True, timeout=0.1)
    one.release()
    assert two.acquire() and not one.acquire()
    two.release()


def test_an_edited_config_is_refused_on_resume_naming_the_fields(tmp_path: Path,
                                                                  fault: Record) -> None:
    fault("edited config.json on resume")
    first = start_training(tmp_path)
    folder = wait_for_rows(tmp_path, 1)
    first.kill()
    first.wait()
    config = json.loads(folder.config.read_text())
    config["data"]["tokens"] *= 2
    config["optim"]["lr"] = 0.5
    folder.config.write_text(json.dumps(config))
    again = regscale(*TRAIN[:-1], "--tokens", "4e5", "--out", str(tmp_path), "--resume")
    assert_one_line_failure(again, "differs from run")
    assert "data.tokens, optim.lr" in again.stderr
