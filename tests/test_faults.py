"""The fault and bad-input suite: every fault gives one clear line and a non-zero exit where the
command cannot go on, and no finished result is lost. Counted in the run's closing lines."""

from __future__ import annotations

import json
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


BAD_DESIGN = Path(__file__).parent / "data" / "bad_design.toml"


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
                             "--alphabet-size", "2"], "impossible random-DFA targets"),
     ("regex nested too deep", ["gen", "--regex", "(" * 300 + "a" + ")" * 300],
      "nest more than 100 deep"),
     ("regex nested too deep", ["inspect", "--regex", "(" * 120 + "a" + ")" * 120],
      "nest more than 100 deep"),
     ("negative seed", ["gen", "--language", "dfa:n=4,t=7,f=2,k=2,seed=-1"],
      "seed must be >= 0"),
     ("not a number", ["train", "--language", "a_star_b", "--tokens", "nan"],
      "not a whole non-negative number"),
     ("not a number", ["train", "--language", "a_star_b", "--tokens", "inf"],
      "not a whole non-negative number"),
     ("not a number", ["train", "--language", "a_star_b", "--dataset-tokens", "nan"],
      "not a whole non-negative number"),
     ("not a number", ["export", "--language", "a_star_b", "--tokens", "nan", "--out", "x"],
      "not a whole non-negative number"),
     ("bad --set value", ["train", "--language", "a_star_b", "--set", "optim.beta2=nan"],
      "beta2 must be a finite number"),
     ("bad --set value", ["train", "--language", "a_star_b", "--set", "optim.beta2=1.5"],
      "beta2 must be in [0, 1)"),
     ("bad --set value", ["train", "--language", "a_star_b", "--set", "optim.lr=abc"],
      "lr must be a finite number"),
     ("bad --set value", ["train", "--language", "a_star_b", "--set", "model.n_layer=true"],
      "n_layer must be a whole number"),
     ("bad --set value", ["train", "--language", "a_star_b", "--set", "optim.grad_clip=nan"],
      "grad_clip must be a finite number"),
     ("unwritable output", ["train", "--language", "a_star_b", "--tokens", "1000", "--out",
                            "/proc/regscale"], "could not"),
     ("bad --png path", ["train", "--language", "a_star_b", "--tokens", "1000", "--png",
                         "/no/such/folder/curves.png"], "does not exist"),
     ("unknown run field", ["train", "--language", "a_star_b", "--set", "optim.nonsense=1"],
      "unknown run field 'optim.nonsense'"),
     ("dropout out of range", ["train", "--language", "a_star_b", "--set", "model.dropout=1.5"],
      "dropout must be in [0, 1)"),
     ("vocabulary too small", ["train", "--language", "a_star_b", "--set",
                               "model.vocab_size=2"], "smaller than the language's 3 tokens"),
     ("dataset under one window", ["train", "--language", "a_star_b", "--dataset-tokens", "5"],
      "shorter than one window"),
     ("zero batch", ["train", "--language", "a_star_b", "--batch-size", "0"],
      "batch_size must be between"),
     ("zero evaluation interval", ["train", "--language", "a_star_b", "--eval-every", "0"],
      "every_steps, rows and segments must be >= 1"),
     ("negative warm-up", ["train", "--language", "a_star_b", "--warmup-steps", "-1"],
      "warmup_steps must be >= 0"),
     ("unknown policy", ["gen", "--regex", "ab", "--policy", "zzz"], "is not one of"),
     ("unknown preset", ["sweep", "complexity", "--preset", "nope", "--out", "nope"],
      "has no preset 'nope'"),
     ("missing study file", ["sweep", "no_such_sweep.toml"], "no such file"),
     ("random DFA over the state limit", ["gen", "--language",
                                          "dfa:n=1000000,t=2000000,f=2,k=2"],
      "over the state limit of 20000 states"),
     ("bad policy key in a dfa: spec", ["gen", "--language", "dfa:n=4,t=6,f=1,k=4,len=x"],
      "expected dfa:n=8"),
     ("impossible design cell", ["sweep", str(BAD_DESIGN), "--plan",
                                 "--no-timing"], "t=36 must lie in 3..16")],
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
      "language is empty"),
     ("wrong type", "[regex]\nregex = 5", "regex must be a string"),
     ("wrong type", "[regex]\nregex = 'ab'\nalphabet = 7", "alphabet must be a string"),
     ("wrong type", "policy = 'zzz'\n[regex]\nregex = 'ab'", "must be a table"),
     ("wrong type", "[dfa]\nalphabet = 'ab'\ntransitions = [[0, 1.5]]\naccepting = [0]",
      "transitions must be a list of lists of whole numbers"),
     ("wrong type", "[dfa]\nalphabet = 'ab'\ntransitions = [[0, 0]]\naccepting = [true]",
      "accepting must be a list of whole numbers"),
     ("repeated symbol", "[dfa]\nalphabet = '00'\ntransitions = [[0, 0]]\naccepting = [0]",
      "repeats a symbol")],
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


@pytest.mark.parametrize(
    ("line", "replacement", "message"),
    [("tokens = [2048, 6144]", 'tokens = ["abc"]', "tokens must be a list of whole numbers"),
     ("tokens = [2048, 6144]", "tokens = [nan]", "tokens must be a list of whole numbers"),
     ("tokens = [2048, 6144]", "tokens = [2048.5]", "tokens must be a list of whole numbers"),
     ('languages = ["a_star_b", "dfa:n=4,t=7,f=2,k=2,seed=0"]', "languages = [5]",
      "languages must be a list of strings"),
     ('languages = ["a_star_b", "dfa:n=4,t=7,f=2,k=2,seed=0"]', 'languages = "tomita3"',
      "languages must be a list of strings"),
     ("batch_size = 16", "batch_size = true", "batch_size must be a whole number")],
)
def test_wrong_types_in_sweep_files(tmp_path: Path, line: str, replacement: str, message: str,
                                    fault: Record) -> None:
    fault("wrong type in a study file")
    assert line in TINY
    path = write_tiny(tmp_path, TINY.replace(line, replacement))
    assert_one_line_failure(regscale("sweep", str(path), "--out", str(tmp_path / "o")), message)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("line", "replacement", "message"),
    [("finetune_tokens = [5e2, 5e3, 5e4, 5e5]", 'finetune_tokens = ["x"]',
      "finetune_tokens must be a list of whole numbers"),
     ("pretrain_tokens = 3e6", "pretrain_tokens = nan", "pretrain_tokens must be")],
)
def test_wrong_types_in_transfer_files(tmp_path: Path, line: str, replacement: str,
                                       message: str, fault: Record) -> None:
    fault("wrong type in a study file")
    shipped = (Path(__file__).parents[1] / "experiments" / "transfer.toml").read_text()
    assert line in shipped
    path = tmp_path / "t.toml"
    path.write_text(shipped.replace(line, replacement))
    assert_one_line_failure(regscale("transfer", "--src", "tomita3", "--tgt", "tomita5",
                                     "--study", str(path), "--out", str(tmp_path / "o")),
                            message)
    assert not (tmp_path / "o").exists()


def test_damaged_or_foreign_files_are_named_in_one_line(tmp_path: Path,
                                                        fault: Record) -> None:
    path = write_tiny(tmp_path)
    out = tmp_path / "out"
    assert regscale("sweep", str(path), "--preset", "one", "--out", str(out),
                    "--no-report").returncode == 0
    (run,) = (out / "runs").iterdir()
    fault("summary without a run id")
    summary = (run / "summary.json").read_text()
    (run / "summary.json").write_text('{"status": "completed"}')
    assert_one_line_failure(regscale("collect", str(out)), "corrupt summary")
    (run / "summary.json").write_text(summary)
    fault("study record of another tool")
    record = (out / "study.json").read_text()
    (out / "study.json").write_text('{"name": "not ours", "items": [1, 2]}')
    assert_one_line_failure(regscale("report", str(out)), "not a regscale study record")
    (out / "study.json").write_text(record)
    fault("config.json not an object")
    (run / "summary.json").unlink()
    (run / "config.json").write_text("[1, 2]")
    assert_one_line_failure(regscale("sweep", str(path), "--preset", "one", "--out", str(out),
                                     "--no-report"), "not a JSON object")
    fault("empty checkpoint")
    train_out = tmp_path / "t"
    assert regscale(*TRAIN, "--out", str(train_out)).returncode == 0
    (folder,) = train_out.iterdir()
    (folder / "summary.json").unlink()
    (folder / "checkpoint.pt").write_bytes(b"")
    assert_one_line_failure(regscale(*TRAIN, "--out", str(train_out), "--resume"),
                            "corrupt checkpoint")


def test_an_export_is_not_written_over(tmp_path: Path, fault: Record) -> None:
    fault("export over an existing export")
    args = ["export", "--language", "a_star_b", "--tokens", "4096", "--val-tokens", "1024",
            "--window", "64", "--out", str(tmp_path)]
    assert regscale(*args).returncode == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert_one_line_failure(regscale(*args, "--seed", "1"), "already holds an export")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert regscale(*args, "--seed", "1", "--overwrite").returncode == 0
    assert (tmp_path / "train.bin").read_bytes() != before["train.bin"]


def test_a_folder_of_another_run_and_an_unasked_resume(tmp_path: Path, fault: Record) -> None:
    assert regscale(*TRAIN, "--out", str(tmp_path / "a")).returncode == 0
    (folder,) = (tmp_path / "a").iterdir()
    fault("resume not asked for")
    (folder / "summary.json").unlink()
    assert_one_line_failure(regscale(*TRAIN, "--out", str(tmp_path / "a")), "pass --resume")
    fault("folder of another run")
    config = json.loads((folder / "config.json").read_text())
    config["run_id"] = "0123456789ab"
    (folder / "config.json").write_text(json.dumps(config))
    assert_one_line_failure(regscale(*TRAIN, "--out", str(tmp_path / "a"), "--resume"),
                            "holds run 0123456789ab")
    fault("corrupt run config")
    (folder / "config.json").write_text("{not json")
    assert_one_line_failure(regscale(*TRAIN, "--out", str(tmp_path / "a"), "--resume"),
                            "corrupt run config")
    assert (folder / "checkpoint.pt").exists()  # nothing of the run was touched


def test_a_torn_metrics_line_is_repaired_on_resume(tmp_path: Path, fault: Record) -> None:
    fault("torn metrics line")
    assert regscale(*TRAIN, "--out", str(tmp_path)).returncode == 0
    (folder,) = tmp_path.iterdir()
    run = RunFolder(folder)
    whole = run.read_metrics()
    checkpoint = run.load_checkpoint(folder.name).step
    (folder / "summary.json").unlink()
    with run.metrics.open("a") as handle:
        handle.write('{"step": 99, "loss": 0.5')  # a crash mid-line
    assert run.torn_metric_lines() == 1
    again = regscale(*TRAIN, "--out", str(tmp_path), "--resume")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("torn line") == 1  # said once
    assert run.torn_metric_lines() == 0
    assert [r["step"] for r in run.read_metrics()] == [r["step"] for r in whole]
    assert checkpoint == whole[-1]["step"]


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
    assert (other / "summary.json").exists()
    assert not (folder / "summary.json").exists()  # a refused resume writes no summary
    assert json.loads(summary)["status"] == "completed"  # what the deleted summary said


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
    landed_mid_run = landed_mid_sweep = False
    for kill in range(3):
        fault("SIGKILL mid-sweep")
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "OMP_NUM_THREADS": "1"})
        # kill at a random point while some run has metrics but no summary (and, after the
        # first kill, once some run has finished)
        deadline = time.time() + 120
        while time.time() < deadline and not (
                any(RunFolder(m.parent).read_metrics() and not (m.parent / "summary.json").exists()
                    for m in out.glob("runs/*/metrics.jsonl"))
                and (kill == 0 or snapshot(out))):
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        folders = [RunFolder(p) for p in out.glob("runs/*") if p.is_dir()]
        for folder in folders:
            if folder.summary.exists():
                assert folder.read_summary() is not None
        landed_mid_run |= any(f.read_metrics() and not f.summary.exists() for f in folders)
        landed_mid_sweep |= 0 < len(snapshot(out)) < 8
    assert landed_mid_run, "no kill landed while a run had metrics but no summary"
    assert landed_mid_sweep, "no kill landed after some runs finished and before all did"
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
