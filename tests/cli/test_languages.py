"""`regscale gen` and `regscale inspect`, including bad input: one line, non-zero, no traceback."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from regscale.automata.random_dfa import RandomDFASpec
from regscale.cli import cli
from regscale.sources.language_config import LanguageConfig
from regscale.sources.regular_language import RegularLanguage


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_gen_prints_strings_of_the_language() -> None:
    code, out = run("gen", "--regex", "a*b", "-n", "25", "--seed", "3")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 25 and all(re.fullmatch("a*b", w) for w in lines)
    assert run("gen", "--regex", "a*b", "-n", "25", "--seed", "3")[1] == out


def test_gen_jsonl_with_policy_and_random_dfa() -> None:
    code, out = run("gen", "--states", "6", "--transitions", "9", "--accepting", "2",
                    "--alphabet-size", "2", "--policy", "uniform_length", "--max-length", "7",
                    "--format", "jsonl", "-n", "5")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 5 and all(1 <= r["length"] <= 7 for r in rows)
    dfa = RegularLanguage.build(LanguageConfig(name="d", spec=RandomDFASpec(
        states=6, transitions=9, accepting=2, alphabet_size=2, seed=0))).dfa
    for row in rows:  # every string is a word of the DFA the same targets and seed build
        assert len(row["string"]) == row["length"] and dfa.accepts(row["string"])


def test_inspect_prints_measures_and_writes_drawings(tmp_path: Path) -> None:
    png, dot = tmp_path / "t3.png", tmp_path / "t3.dot"
    code, out = run("inspect", "--language", "tomita3", "--png", str(png), "--dot", str(dot))
    assert code == 0 and "entropy_rate_bits" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert dot.read_text().count("->") == 1 + 7  # start arrow + 7 transitions, no two parallel
    code, out = run("inspect", "--regex", "(a|b)*", "--json")
    # one state: a and b with (1 - p_stop) / 2 each, SEP with p_stop (0.2, the walk default)
    p_stop = 0.2
    closed_form = -(p_stop * math.log2(p_stop) + (1 - p_stop) * math.log2((1 - p_stop) / 2))
    assert json.loads(out)["entropy_rate_bits"] == pytest.approx(closed_form, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--regex", "(ab"], "invalid regex '(ab' at position 0"),
     (["--regex", "a.b"], "unsupported regex syntax"),
     (["--regex", "(a|b)*a(a|b){20}"], "state limit"),
     (["--language", "nope"], "unknown language 'nope'"),
     (["--states", "3", "--transitions", "9", "--accepting", "1", "--alphabet-size", "2"],
      "impossible random-DFA targets"),
     (["--regex", "ab", "--policy", "uniform_length", "--min-length", "5"], "no words"),
     ([], "give exactly one of"),
     (["--regex", "a", "--p-stop", "0"], "p_stop")],
)
def test_bad_input_is_one_clear_line(args: list[str], message: str) -> None:
    code, out = run("gen", *args)
    assert code != 0
    assert message in out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1


def test_installed_entry_point_reports_errors_without_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "regscale", "gen", "--regex", "a)"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "Error: invalid regex 'a)' at position 1: unmatched ')'"


def test_help_shows_examples() -> None:
    for command in ("gen", "inspect"):
        code, out = run(command, "--help")
        assert code == 0 and "Examples:" in out and "regscale " + command in out


def test_a_language_files_state_limit_holds_unless_the_flag_is_given(tmp_path: Path) -> None:
    path = tmp_path / "last_a_6.toml"
    path.write_text('max_states = 20\n[regex]\nregex = "(a|b)*a(a|b){5}"\n')  # 64 DFA states
    code, out = run("inspect", "--language", str(path))
    assert code == 1 and "state limit of 20 states" in out, out
    code, out = run("inspect", "--language", str(path), "--max-states", "1000")
    assert code == 0 and re.search(r"states\s+64", out), out


def test_the_group_help_lists_every_command_without_importing_torch() -> None:
    code = ("import sys\nfrom click.testing import CliRunner\nfrom regscale.cli import cli\n"
            "out = CliRunner().invoke(cli, ['--help']).output\n"
            "assert 'torch' not in sys.modules, 'regscale --help imported torch'\n"
            "print(out)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    for name in ("gen", "inspect", "train", "sweep", "collect", "fit", "report", "transfer"):
        assert re.search(rf"^\s+{name}\s+\S", proc.stdout, re.M), name


def test_inspect_context_gives_the_window_floor_in_nats_and_bits() -> None:
    """The floor of windows of T tokens lies above the entropy rate and falls towards it as T
    grows; every key names its unit."""
    floors = {}
    for context in (2, 64):
        code, out = run("inspect", "--language", "tomita5", "--context", str(context), "--json")
        assert code == 0, out
        measures = json.loads(out)
        rate = measures["entropy_rate_nats"]
        assert rate == pytest.approx(measures["entropy_rate_bits"] * math.log(2))
        assert measures["window_floor_bits"] == pytest.approx(
            measures["window_floor_nats"] / math.log(2))
        floors[context] = measures["window_floor_nats"]
        se = measures["window_floor_se_nats"]
        assert rate - 3 * se < measures["window_floor_nats"] < measures[
            "unigram_entropy_bits"] * math.log(2) + 3 * se
    assert floors[64] < floors[2] - 0.01
    code, out = run("inspect", "--language", "en", "--context", "8")
    assert code != 0 and "natural language" in out
