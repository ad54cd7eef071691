"""The plain-Python kernels draw exactly the numbers and tokens the compiled ones draw, so which
one a job used never changes a result; and a small job never loads numba."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.sources import chains, cpu_kernels, strings, xoshiro
from regscale.sources.language import build_language
from regscale.sources.language_config import LanguageConfig, RegexSpec
from regscale.sources.strings import sample_strings

seeds = st.integers(min_value=-(2**63), max_value=2**64 - 1)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(min_value=0, max_value=50))
def test_seeding_uniforms_and_chain_states_match_bit_for_bit(seed: int, n: int) -> None:
    a, b = xoshiro.seed_state(seed), xoshiro.seed_state(seed)
    assert np.array_equal(xoshiro.uniforms(a, n), cpu_kernels.uniforms(b, n))
    assert np.array_equal(a, b)
    assert np.array_equal(xoshiro.splitmix_states(a, n), cpu_kernels.splitmix_states(b, n))
    assert np.array_equal(a, b)


@st.composite
def tables(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int | None]:
    """Random sampling tables: H hidden states, V tokens, some probabilities exactly 0."""
    h = draw(st.integers(min_value=1, max_value=6))
    v = draw(st.integers(min_value=2, max_value=5))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    probs = rng.dirichlet(np.ones(v), size=h) * (rng.random((h, v)) < 0.7)
    probs[:, 0] += 1e-3  # SEP possible everywhere, so every row has mass
    probs /= probs.sum(axis=1, keepdims=True)
    cdf = np.cumsum(probs, axis=1)
    last = v - 1 - np.argmax(probs[:, ::-1] > 0, axis=1)
    cdf[np.arange(v)[None, :] >= last[:, None]] = 1.0
    next_state = rng.integers(0, h, size=(h, v))
    initial = rng.dirichlet(np.ones(h))
    start = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=h - 1)))
    return cdf, next_state, chains.pinned_cdf(initial), start


@settings(max_examples=60, deadline=None)
@given(table=tables(), seed=seeds, chains_n=st.integers(min_value=1, max_value=8),
       steps=st.integers(min_value=1, max_value=40))
def test_python_and_compiled_chains_emit_the_same_tokens(
    table: tuple[np.ndarray, np.ndarray, np.ndarray, int | None], seed: int, chains_n: int,
    steps: int,
) -> None:
    cdf, next_state, initial_cdf, start = table
    tables_ = chains.ChainTables(cdf, next_state, initial_cdf, start)
    hidden0 = np.random.default_rng(0).integers(0, cdf.shape[0], size=chains_n)
    out = {}
    for kind in ("python", "compiled"):
        with chains.kernels(kind):  # type: ignore[arg-type]
            gen = chains.CpuGenerator(seed)
            hidden = hidden0.copy()
            first = tables_.run(hidden, steps, gen)
            second = tables_.run(hidden, steps, gen)  # state carries across calls
            out[kind] = (first, second, hidden, gen.master)
    for mine, theirs in zip(out["python"], out["compiled"], strict=True):
        assert np.array_equal(mine, theirs)


def test_strings_do_not_depend_on_which_kernels_drew_them() -> None:
    language = build_language(LanguageConfig(name="regex:(ab|b)*a?",
                                             spec=RegexSpec(regex="(ab|b)*a?")))
    with chains.kernels("python"):
        python = sample_strings(language.automaton, language.dfa, 300, seed=5)
    with chains.kernels("compiled"):
        compiled = sample_strings(language.automaton, language.dfa, 300, seed=5)
    # the training sampler (TokenSampler, torch tensors around the same kernels) agrees
    with chains.kernels("compiled"):
        rows = strings._torch_rows(language.automaton, 300, 5, 64, "cpu", "numba")
    sampler = ["".join(language.dfa.alphabet[t - 1] for t in row[: row.index(0)]) for row in rows]
    assert python == compiled == sampler
    assert all(language.dfa.accepts(word) for word in python)


def test_gen_and_inspect_load_neither_torch_nor_numba() -> None:
    """`regscale gen` of a regex needs none of torch, numba, scipy; `inspect` needs no torch."""
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom regscale.cli import cli\n"
        "out = CliRunner().invoke(cli, ['gen', '--regex', 'a*b', '-n', '5'])\n"
        "assert out.exit_code == 0, out.output\n"
        "loaded = [m for m in ('torch', 'numba', 'scipy') if m in sys.modules]\n"
        "assert not loaded, f'gen loaded {loaded}'\n"
        "out = CliRunner().invoke(cli, ['inspect', '--language', 'tomita5', '--json'])\n"
        "assert out.exit_code == 0, out.output\n"
        "loaded = [m for m in ('torch', 'numba') if m in sys.modules]\n"
        "assert not loaded, f'inspect loaded {loaded}'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
