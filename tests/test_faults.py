"""The fault and bad-input suite: every fault gives one clear line and a non-zero exit where the
command cannot go on, and no finished result is lost. Counted in the run's closing lines."""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from regscale.store import RunFolder
from tests.experiments.tiny_sweep import TINY, write_tiny

Record = Callable[[str], None]


def regscale(*args: str, limit_file_bytes: int | None = None
             ) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # a full disk, as the kernel reports it: writes fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        assert limit_file_bytes is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    return subprocess.run([sys.executable, "-m", "regscale", *args], capture_output=True,
                          text=True, check=False,
                          preexec_fn=limit if limit_file_bytes else None)


def assert_one_line_failure(proc: subprocess.CompletedProcess[str], message: str) -> None:
    assert proc.returncode != 0, proc.stdout
    assert message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.glob("runs/*/summary.json")}


TRAIN = ["train", "--language", "a_star_b", "--size", "micro", "--context", "16",
         "--batch-size", "16", "--tokens", "4096", "--eval-every", "4", "--quiet"]


@pytest.mark.parametrize(
    ("kind", "args", "message"),
    [("regex bomb", ["gen", "--regex", "((a{900}){900}){900}"], "over the limit"),
     ("regex bomb", ["gen", "--regex", "(a{999}b){999}"], "expands to"),
     ("state limit", ["gen", "--regex", "(a|b)*a(a|b){20}"], "state limit"),
     ("state limit", ["gen", "--regex", "(a|b)*a(a|b){9}", "--max-states", "100"],
      "state limit of 100"),
     ("invalid regex", ["gen", "--regex", "(a|b"], "position 0"),
     ("unknown name", ["gen", "--language", "klingon"], "unknown language"),
     ("unknown name", ["train", "--language", "a_star_b", "--model", "mamba"],
      "unknown model 'mamba'"),
     ("absurd size", ["train", "--language", "a_star_b", "--d-model", "-3"],
      "sizes must be positive"),
     ("absurd size", ["train", "--language", "a_star_b", "--d-model", "1000000"], "sane"),
     ("absurd size", ["train", "--language", "a_star_b", "--tokens", "1e14"],
      "tokens must be between"),
     ("absurd size", ["train", "--language", "a_star_b", "--context", "0"], "sane"),
     ("absurd size", ["train", "--language", "a_star_b", "--lr", "50"], "lr must be"),
     ("impossible targets", ["gen", "--states", "2", "--transitions", "9", "--accepting", "1",
                             "--alphabet-size", "2"], "impossible random-DFA targets")],
)
def test_bad_input(kind: str, args: list[str], message: str, fault: Record) -> None:
    fault(kind)
    assert_one_line_failure(regscale(*args), message)


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [("invalid TOML", "[regex\nregex = 'a'", "invalid TOML"),
     ("unknown key", "[regex]\nregex = 'a'\ncolour = 'red'", "unknown key"),
     ("unknown key", "[regex]\nregex = 'a'\n[policy]\nname = 'walk'\nstop = 0.1",
      "unknown key"),
     ("empty language", "[dfa]\nalphabet = 'ab'\ntransitions = [[0, 0]]\naccepting = []",
      "language is empty")],
)
def test_bad_language_files(tmp_path: Path, kind: str, text: str, message: str,
                            fault: Record) -> None:
    fault(kind)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert_one_line_failure(regscale("inspect", "--language", str(path)), message)


@pytest.mark.parametrize(
    ("kind", "extra", "message"),
    [("invalid TOML", "\nlanguages = [", "invalid TOML"),
     ("unknown key", "\nbogus = 1\n", "unknown key"),
     ("absurd size", "", "batch_size must be")],
)
def test_bad_sweep_files(tmp_path: Path, kind: str, extra: str, message: str,
                         fault: Record) -> None:
    fault(kind)
    text = TINY + extra if extra else TINY.replace("batch_size = 16", "batch_size = -1")
    out = tmp_path / "out"
    assert_one_line_failure(regscale("sweep", str(write_tiny(tmp_path, text)), "--out",
                                     str(out)), message)
    assert not (out / "runs").exists()


def test_corrupt_summary_stops_the_sweep_and_loses_nothing(tmp_path: Path,
                                                           fault: Record) -> None:
    fault("corrupt summary.json")
    path = write_tiny(tmp_path)
    out = tmp_path / "out"
    assert regscale("sweep", str(path), "--out", str(out), "--no-report").returncode == 0
    victim = sorted(out.glob("runs/*/summary.json"))[0]
    victim.write_text('{"status": "comp')
    before = snapshot(out)
    assert_one_line_failure(regscale("sweep", str(path), "--out", str(out), "--no-report"),
                            "corrupt summary")
    assert snapshot(out) == before


def test_corrupt_and_foreign_checkpoints(tmp_path: Path, fault: Record) -> None:
    fault("corrupt checkpoint")
    assert regscale(*TRAIN, "--out", str(tmp_path / "a")).returncode == 0
    (folder,) = (tmp_path / "a").iterdir()
    summary = (folder / "summary.json").read_bytes()
    (folder / "summary.json").unlink()
    (folder / "checkpoint.pt").write_bytes(b"\x00" * 100)
    assert_one_line_failure(regscale(*TRAIN, "--out", str(tmp_path / "a"), "--resume"),
                            "corrupt checkpoint")
    fault("mismatched checkpoint")
    assert regscale(*TRAIN, "--seed", "1", "--out", str(tmp_path / "b")).returncode == 0
    (other,) = (tmp_path / "b").iterdir()
    (folder / "checkpoint.pt").write_bytes((other / "checkpoint.pt").read_bytes())
    assert_one_line_failure(regscale(*TRAIN, "--out", str(tmp_path / "a"), "--resume"),
                            "belongs to run")
    assert (other / "summary.json").exists() and summary


def test_disk_full_while_writing_then_resume(tmp_path: Path, fault: Record) -> None:
    fault("disk full")
    path = write_tiny(tmp_path)
    out = tmp_path / "out"
    assert regscale("sweep", str(path), "--preset", "one", "--out", str(out),
                    "--no-report").returncode == 0
    before = snapshot(out)
    full = regscale("sweep", str(path), "--out", str(out), "--no-report",
                    limit_file_bytes=60_000)  # checkpoints of micro models do not fit
    assert_one_line_failure(full, "could not write")
    assert snapshot(out) == {**before, **{p: b for p, b in snapshot(out).items()
                                          if p not in before}}
    assert all(p.read_bytes() == b for p, b in before.items())
    assert not list(out.glob("runs/*/.*.tmp")), "no temporary file is left behind"
    assert regscale("sweep", str(path), "--out", str(out), "--no-report").returncode == 0
    assert len(snapshot(out)) == 8


def test_sigkill_at_random_points_of_a_sweep(tmp_path: Path, fault: Record) -> None:
    path = write_tiny(tmp_path, TINY.replace("tokens = [2048, 6144]", "tokens = [4096, 8192]"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "regscale", "sweep", str(path), "--out", str(out),
               "--no-report"]
    rng = random.Random(0)
    for _ in range(3):
        fault("SIGKILL mid-sweep")
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "OMP_NUM_THREADS": "1"})
        time.sleep(rng.uniform(2.0, 5.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for summary in out.glob("runs/*/summary.json"):
            assert RunFolder(summary.parent).read_summary() is not None
    before = snapshot(out)
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0
    after = snapshot(out)
    assert len(after) == 8 and all(after[p] == b for p, b in before.items())
    for folder in (out / "runs").iterdir():
        steps = [r["step"] for r in RunFolder(folder).read_metrics()]
        assert steps == sorted(set(steps))


@pytest.mark.parametrize(
    ("kind", "corpus", "message"),
    [("empty corpus", "# no verses at all\n", "has no text"),
     ("empty corpus", "1\t1\t1\t*** [] (1:1)\n", "has no text"),
     ("corrupt corpus", "1\tone\t1\tIn the beginning\n", ":1: expected"),
     ("corpus part missing", "1\t1\t1\tIn the beginning\n", "no text in part 'new'")],
)
def test_bad_corpora(tmp_path: Path, kind: str, corpus: str, message: str,
                     fault: Record) -> None:
    fault(kind)
    (tmp_path / "corpus.tsv").write_text(corpus, encoding="utf-8")
    language = tmp_path / "lang.toml"
    language.write_text(f'[corpus]\ncorpus = "file"\nversion = "{tmp_path / "corpus.tsv"}"\n'
                        + ('part = "new"\n' if "part" in kind else ""))
    assert_one_line_failure(regscale(*TRAIN[:1], "--language", str(language), *TRAIN[3:],
                                     "--out", str(tmp_path / "runs")), message)
    assert not (tmp_path / "runs").exists()


def test_transfer_with_a_missing_corpus_file_fails_before_training(tmp_path: Path,
                                                                   fault: Record) -> None:
    fault("missing corpus")
    language = tmp_path / "gone.toml"
    language.write_text(f'[corpus]\ncorpus = "file"\nversion = "{tmp_path / "gone.tsv"}"\n')
    proc = regscale("transfer", "--src", "a_star_b", "--tgt", str(language), "--preset",
                    "smoke", "--out", str(tmp_path / "study"))
    assert_one_line_failure(proc, "no such corpus file")
    assert not (tmp_path / "study" / "runs").exists()
