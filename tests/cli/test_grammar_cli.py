"""`regscale gen` and `regscale inspect` on context-free languages: catalog grammars, grammar
files, random grammars, and bad grammars in one line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from regscale.cli import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def balanced(word: str) -> bool:
    pairs, stack = {")": "(", "]": "["}, []
    for c in word:
        if c in "([":
            stack.append(c)
        elif not stack or stack.pop() != pairs[c]:
            return False
    return not stack


def test_gen_prints_balanced_dyck2_words_and_jsonl() -> None:
    code, out = run("gen", "--language", "dyck2", "-n", "200", "--seed", "4")
    assert code == 0
    words = out.split("\n")[:-1]
    assert len(words) == 200 and all(balanced(w) for w in words)
    assert any(words) and any("[" in w for w in words)
    code, out = run("gen", "--language", "dyck2", "-n", "3", "--format", "jsonl")
    assert code == 0 and json.loads(out.splitlines()[0])["language"] == "dyck2"


def test_a_grammar_file_is_a_language(tmp_path: Path) -> None:
    path = tmp_path / "mirror.toml"
    path.write_text('description = "a^n c b^n"\n[grammar]\nrules = ["S -> a S b", "S -> c"]\n'
                    'probs = [0.3, 0.7]\nunambiguous = true\n')
    code, out = run("gen", "--language", str(path), "-n", "50")
    assert code == 0
    for w in out.splitlines():
        n = w.index("c")
        assert w == "a" * n + "c" + "b" * n
    code, out = run("inspect", "--language", str(path), "--json")
    measures = json.loads(out)
    # E|W| = 1 + 2 E[n] = 1 + 2 * 0.3 / 0.7; H(W) = H(0.3) / 0.7 over E|W| + 1 tokens
    assert measures["mean_string_length"] == pytest.approx(1 + 0.6 / 0.7, rel=1e-12)
    h = -(0.3 * math.log(0.3) + 0.7 * math.log(0.7)) / 0.7
    assert measures["entropy_rate_nats"] == pytest.approx(h / (2 + 0.6 / 0.7), rel=1e-12)
    assert measures["entropy_rate_bits"] == pytest.approx(
        measures["entropy_rate_nats"] / math.log(2))
    assert measures["entropy_exact"] is True and measures["kind"] == "context-free"


def test_inspect_context_gives_a_window_floor_for_a_grammar() -> None:
    code, out = run("inspect", "--language", "dyck1", "--context", "16", "--json")
    assert code == 0, out
    m = json.loads(out)
    assert m["window_start"].startswith("string boundary")
    assert m["window_floor_bits"] == pytest.approx(m["window_floor_nats"] / math.log(2))
    assert abs(m["window_floor_nats"] - m["entropy_rate_nats"]) < 6 * m["window_floor_se_nats"] \
        + 0.02  # windows that start at SEP see each string whole: near the rate


def test_random_grammars_by_name_report_an_estimated_entropy() -> None:
    code, out = run("inspect", "--language", "cfg:nonterminals=5,rules=12,k=3,seed=2", "--json")
    assert code == 0, out
    m = json.loads(out)
    assert (m["nonterminals"], m["rules"], m["terminals"]) == (5, 12, 3)
    assert m["entropy_exact"] is False and m["entropy_rate_se_nats"] > 0


@pytest.mark.parametrize(("text", "message"), [
    ('[grammar]\nrules = ["S -> ( S ) S", "S ->"]\nprobs = [0.7, 0.6]\n', "sum to 1.3"),
    ('[grammar]\nrules = ["S -> S S", "S -> a"]\nprobs = [0.6, 0.4]\n', "infinite"),
    ('[grammar]\nrules = ["S -> a"]\nprobs = [0.5, 0.5]\n', "one probability per rule"),
    ('[grammar]\nrules = ["S -> S S", "S -> a"]\nprobs = [0.3, 0.7]\nunambiguous = true\n',
     "declared unambiguous"),
])
def test_bad_grammar_files_fail_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    code, out = run("inspect", "--language", str(path))
    assert code == 1 and message in out and len(out.strip().splitlines()) == 1, out


def test_a_grammar_has_no_dfa_to_draw(tmp_path: Path) -> None:
    code, out = run("inspect", "--language", "dyck1", "--png", str(tmp_path / "x.png"))
    assert code == 1 and "context-free" in out


def test_a_grammar_takes_no_sampling_policy() -> None:
    code, out = run("gen", "--language", "dyck1", "--policy", "uniform_length")
    assert code == 1 and "takes no sampling policy" in out
