"""Executors: a real local Ray cluster, submitit's local executor, a local process pool; a Ray
worker killed mid-run is retried and the sweep completes with nothing duplicated or lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from regscale.experiments.executors import ExecutorOptions
from regscale.experiments.sweep import run_sweep
from regscale.experiments.sweep_config import load_sweep
from regscale.store import RunFolder
from tests.experiments.tiny_sweep import TINY, write_tiny


def quiet(_: str) -> None:
    pass


def assert_complete_once(out: Path, runs: int, threads: int = 1) -> None:
    """Every run finished once, with ``threads`` threads (its CPUs per run)."""
    folders = sorted((out / "runs").iterdir())
    assert len(folders) == runs
    for folder in folders:
        summary = RunFolder(folder).read_summary()
        assert summary is not None and summary["status"] == "completed"
        assert summary["threads"] == threads
        steps = [r["step"] for r in RunFolder(folder).read_metrics()]
        assert steps == sorted(set(steps)) and steps[-1] == summary["steps"]


def test_local_process_pool(tmp_path: Path) -> None:
    sweep = load_sweep(str(write_tiny(tmp_path)))
    run_sweep(sweep, tmp_path / "out", options=ExecutorOptions(workers=2), log=quiet)
    assert_complete_once(tmp_path / "out", 8)


def test_submitit_local_executor(tmp_path: Path) -> None:
    pytest.importorskip("submitit", reason="submitit is not installed (pip install '.[scale]')")
    sweep = load_sweep(str(write_tiny(tmp_path)), preset="one")
    sweep = sweep.__class__(**{**sweep.__dict__, "sizes": ("nano", "micro")})
    run_sweep(sweep, tmp_path / "out", executor="slurm",
              options=ExecutorOptions(slurm_cluster="local"), log=quiet)
    assert_complete_once(tmp_path / "out", 2)
    assert (tmp_path / "out" / "slurm_logs").is_dir()


def test_ray_local_cluster_survives_a_killed_worker(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install '.[scale]')")
    text = TINY.replace("tokens = [2048, 6144]", "tokens = [24576]").replace(
        'sizes = ["nano", "micro"]', 'sizes = ["micro"]')
    sweep = load_sweep(str(write_tiny(tmp_path, text)))
    out = tmp_path / "out"
    killed: list[int] = []
    finished = threading.Event()

    def kill_one_worker() -> None:  # watches until the sweep ends, however slow the machine
        while not finished.is_set() and not killed:
            for folder in out.glob("runs/*"):
                owner, metrics = folder / "owner.json", RunFolder(folder).read_metrics()
                if owner.exists() and len(metrics) >= 2 and not RunFolder(folder).is_finished():
                    pid = json.loads(owner.read_text())["pid"]
                    if pid != os.getpid():
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        messages: list[str] = []
        run_sweep(sweep, out, executor="ray", options=ExecutorOptions(max_retries=2),
                  log=messages.append)
    finally:
        finished.set()
        ray.shutdown()
        killer.join()
    assert killed, "no worker was caught mid-run"
    assert_complete_once(out, 2)
    assert not any("failed" in m for m in messages)


def test_one_worker_and_a_pool_give_identical_results(tmp_path: Path) -> None:
    """Every CPU run trains with one thread whatever the worker count, so the default pool
    (one single-threaded worker per core) reproduces a sequential sweep exactly."""
    text = TINY.replace('sizes = ["nano", "micro"]', 'sizes = ["tiny"]')
    sweep = load_sweep(str(write_tiny(tmp_path, text)))
    losses = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        run_sweep(sweep, out, options=ExecutorOptions(workers=workers), log=quiet)
        losses.append({f.name: [r["loss"] for r in RunFolder(f).read_metrics()]
                       for f in sorted((out / "runs").iterdir())})
    assert losses[0] == losses[1]


def test_a_run_computes_with_its_cpus_and_the_caller_keeps_its_threads(tmp_path: Path) -> None:
    import torch
    sweep = load_sweep(str(write_tiny(tmp_path)), preset="one")
    before = torch.get_num_threads()
    run_sweep(sweep, tmp_path / "out", options=ExecutorOptions(workers=1, cpus_per_run=2),
              log=quiet)
    assert_complete_once(tmp_path / "out", 1, threads=2)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("executor", ["ray", "slurm"])
def test_a_held_run_is_left_to_its_holder_and_trained_when_it_dies(tmp_path: Path,
                                                                  executor: str) -> None:
    """A retried task whose first attempt still runs: the run's lock is held elsewhere, so the
    Ray task (or submitit job) leaves it; the sweep waits, and when the holder dies without
    finishing it, the sweep trains the run itself."""
    if executor == "ray":
        ray = pytest.importorskip("ray", reason="Ray is not installed (pip install '.[scale]')")
    else:
        pytest.importorskip("submitit", reason="submitit is not installed (pip install "
                            "'.[scale]')")
    sweep = load_sweep(str(write_tiny(tmp_path)), preset="one")
    sweep = sweep.__class__(**{**sweep.__dict__, "sizes": ("nano", "micro")})
    out = tmp_path / "out"
    held = sweep.run_configs()[0].run_id()
    release = tmp_path / "release"  # the holder lets go once the sweep says it is waiting
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from regscale.locks import FolderLock\nlock = FolderLock(sys.argv[1])\n"
         "assert lock.acquire()\nprint('held', flush=True)\ndeadline = time.time() + 300\n"
         "while not Path(sys.argv[2]).exists() and time.time() < deadline:\n"
         "    time.sleep(0.05)\n", str(out / "runs" / held), str(release)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    messages: list[str] = []

    def log(message: str) -> None:
        messages.append(message)
        if "another process is training" in message:
            release.touch()

    if executor == "ray":
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
    try:
        run_sweep(sweep, out, executor=executor, log=log,
                  options=ExecutorOptions(slurm_cluster="local"))
    finally:
        release.touch()
        if executor == "ray":
            ray.shutdown()
        holder.wait()
    assert any("another process is training" in m for m in messages), messages
    assert any("left unfinished by the other process" in m for m in messages), messages
    assert_complete_once(out, 2)
