"""Mean string length held by the policy: the solved p_stop gives the target length exactly
(as the exact visits compute it, and as sampling measures it) wherever it is reachable."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.errors import RegscaleError
from regscale.sources.catalog import load_language_config
from regscale.sources.language import build_language
from regscale.sources.policies import P_STOP_MIN, PolicyConfig, compile_policy
from regscale.sources.strings import sample_strings


@settings(max_examples=15, deadline=None)
@given(n=st.integers(3, 20), ratio=st.sampled_from([1.5, 2.5, 3.5]), seed=st.integers(0, 50),
       target=st.floats(2.0, 30.0))
def test_solved_stop_hits_the_length_or_the_nearest_end(n: int, ratio: float, seed: int,
                                                        target: float) -> None:
    name = f"dfa:n={n},t={round(n * ratio)},f={max(1, n // 4)},k=4,seed={seed}"
    dfa = build_language(load_language_config(name)).dfa
    ends = [compile_policy(dfa, PolicyConfig(p_stop=p)).mean_string_length
            for p in (1.0, P_STOP_MIN)]
    held = compile_policy(dfa, PolicyConfig(mean_length=target)).mean_string_length
    if ends[0] <= target <= ends[1]:
        assert math.isclose(held, target, rel_tol=1e-6)
    else:
        assert math.isclose(held, min(max(target, ends[0]), ends[1]), rel_tol=1e-9)


@pytest.mark.parametrize("policy", ["", ",policy=dirichlet,c=0.3"])
def test_sampled_strings_have_the_held_length(policy: str) -> None:
    language = build_language(load_language_config(f"dfa:n=16,t=40,f=4,k=4,seed=2,len=8{policy}"))
    assert math.isclose(language.complexity.mean_string_length, 8.0, rel_tol=1e-6)
    lengths = [len(s) for s in sample_strings(language.automaton, language.dfa, 4000, seed=0)]
    assert abs(np.mean(lengths) - 8.0) < 4 * np.std(lengths) / math.sqrt(len(lengths))


def test_low_concentration_lowers_entropy_at_the_same_length() -> None:
    walk, peaked = (build_language(load_language_config(f"dfa:n=16,t=56,f=4,k=4,seed=2,len=8{p}"))
                    .complexity for p in ("", ",policy=dirichlet,c=0.3"))
    assert math.isclose(walk.mean_string_length, peaked.mean_string_length, rel_tol=1e-6)
    assert peaked.entropy_rate_bits < walk.entropy_rate_bits - 0.3


def test_unigram_entropy_matches_sampled_frequencies_and_bounds_the_rate() -> None:
    language = build_language(load_language_config("dfa:n=8,t=20,f=2,k=4,seed=1"))
    counts = np.zeros(5)
    for string in sample_strings(language.automaton, language.dfa, 6000, seed=1):
        for token in [*(1 + language.dfa.alphabet.index(c) for c in string), 0]:
            counts[token] += 1
    p = counts[counts > 0] / counts.sum()
    sampled = float(-(p * np.log2(p)).sum())
    complexity = language.complexity
    assert abs(sampled - complexity.unigram_entropy_bits) < 0.01
    assert complexity.unigram_entropy_bits >= complexity.entropy_rate_bits - 1e-9


@pytest.mark.parametrize(("spec", "message"), [
    ("dfa:n=4,t=6,f=1,k=4,len=x", "at 'len=x'"),
    ("dfa:n=4,t=6,f=1,k=4,colour=3", "at 'colour=3'"),
    ("dfa:n=4,t=6,f=1,k=4,len=-2", "mean_length must be > 0"),
    ("dfa:n=4,t=6,f=1,k=4,policy=zipf", "unknown sampling policy"),
])
def test_bad_policy_keys_are_refused(spec: str, message: str) -> None:
    with pytest.raises(RegscaleError, match=message):
        load_language_config(spec)
