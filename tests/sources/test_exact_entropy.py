"""Exact entropy rate and Bayes-optimal loss: closed forms, enumeration, estimators."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from regscale.automata.regex_to_dfa import min_dfa_from_regex
from regscale.sources.bayes_optimal import BayesFilter
from regscale.sources.policies import PolicyConfig, compile_policy
from regscale.sources.sampler import TokenSampler

LN2 = math.log(2)


def test_closed_form_uniform_choice() -> None:
    p = 0.2
    pa = compile_policy(min_dfa_from_regex("(a|b)*"), PolicyConfig(p_stop=p))
    expected = -(p * math.log2(p) + (1 - p) * math.log2((1 - p) / 2))
    assert pa.entropy_rate_bits == pytest.approx(expected, rel=1e-12)
    assert pa.mean_string_length == pytest.approx((1 - p) / p)


def test_closed_form_a_star_b() -> None:
    # a^n b with P = 2^-(n+1): H(W) = 2 bits, E|W| + 1 = 3 tokens.
    pa = compile_policy(min_dfa_from_regex("a*b"), PolicyConfig())
    assert pa.string_entropy_nats / LN2 == pytest.approx(2.0)
    assert pa.entropy_rate_bits == pytest.approx(2 / 3)


@pytest.mark.parametrize("policy", ["walk", "dirichlet"])
def test_string_entropy_by_enumeration(policy: str) -> None:
    """Enumerate every word of probability > 1e-14 depth-first, from the emission table."""
    dfa = min_dfa_from_regex("(ab|b)*a?")
    pa = compile_policy(dfa, PolicyConfig(name=policy, p_stop=0.6, seed=5))  # short words
    entropy, mass, length = 0.0, 0.0, 0.0
    stack = [(0, 1.0, 0)]  # hidden state, prefix probability, length
    while stack:
        h, prefix, n = stack.pop()
        end = prefix * pa.probs[h, 0]
        if end > 0:
            entropy -= end * math.log(end)
            mass += end
            length += end * n
        for x in (1, 2):
            if prefix * pa.probs[h, x] > 1e-14:
                stack.append((int(pa.next_state[h, x]), prefix * pa.probs[h, x], n + 1))
    assert mass == pytest.approx(1.0, abs=1e-7)  # the cut-off tail
    assert pa.string_entropy_nats == pytest.approx(entropy, rel=1e-6)
    assert pa.mean_string_length == pytest.approx(length, rel=1e-6)


def test_uniform_length_entropy_against_word_counts() -> None:
    dfa = min_dfa_from_regex("(a|b)*a(a|b){3}")
    pa = compile_policy(dfa, PolicyConfig(name="uniform_length", min_length=4, max_length=9))
    oracle = dfa.to_automata_lib()
    lengths = range(4, 10)
    expected = math.log(len(lengths)) + np.mean(
        [math.log(oracle.count_words_of_length(m)) for m in lengths])
    assert pa.string_entropy_nats == pytest.approx(expected, rel=1e-10)
    assert pa.mean_string_length == pytest.approx(np.mean(list(lengths)))


@pytest.mark.parametrize("policy", ["walk", "uniform_length", "dirichlet"])
def test_optimal_probabilities_sum_to_one_over_all_windows(policy: str) -> None:
    dfa = min_dfa_from_regex("(a|b)*a(a|b)")
    pa = compile_policy(dfa, PolicyConfig(name=policy, max_length=6))
    windows = torch.tensor(list(itertools.product(range(3), repeat=6)))
    nll = BayesFilter(pa, dfa).run(windows).nll_nats
    assert torch.exp(-nll.sum(dim=1)).sum().item() == pytest.approx(1.0, abs=1e-10)


def test_window_probabilities_match_sampled_frequencies() -> None:
    dfa = min_dfa_from_regex("(ab|b)*a?")
    pa = compile_policy(dfa, PolicyConfig(p_stop=0.5))
    sampler = TokenSampler(pa)
    gen = sampler.generator(0)
    tokens, _ = sampler.run(sampler.stationary_states(40_000, gen), 3, gen)
    rows, counts = torch.unique(tokens, dim=0, return_counts=True)
    probs = torch.exp(-BayesFilter(pa, dfa).run(rows).nll_nats.sum(dim=1))
    frequency = counts.double() / counts.sum()
    assert torch.allclose(frequency, probs, atol=0.006)


def test_exact_tokens_when_the_state_is_known() -> None:
    # One hidden state: every token's optimal loss is exactly -log P(token).
    pa = compile_policy(min_dfa_from_regex("(a|b)*"), PolicyConfig(p_stop=0.2))
    tokens = torch.tensor([[1, 2, 0, 1, 0, 0, 2]])
    nll = BayesFilter(pa, min_dfa_from_regex("(a|b)*")).run(tokens).nll_nats[0]
    expected = [-math.log(0.4 if t else 0.2) for t in tokens[0].tolist()]
    assert nll.tolist() == pytest.approx(expected)


@pytest.mark.parametrize("policy", ["walk", "uniform_length"])
def test_long_window_optimal_loss_approaches_the_entropy_rate(policy: str) -> None:
    dfa = min_dfa_from_regex("(a|b)*a(a|b){3}")
    pa = compile_policy(dfa, PolicyConfig(name=policy, max_length=12))
    sampler = TokenSampler(pa)
    gen = sampler.generator(5)
    tokens, _ = sampler.run(sampler.stationary_states(64, gen), 3000, gen)
    nll = BayesFilter(pa, dfa).run(tokens).nll_nats
    late = nll[:, 1000:].mean().item()
    assert late == pytest.approx(pa.entropy_rate_nats, rel=0.02)
    # early tokens carry less context, so their optimal loss is higher on average
    assert nll[:, :2].mean().item() > pa.entropy_rate_nats


def test_optimal_loss_beats_a_fitted_bigram_model() -> None:
    dfa = min_dfa_from_regex("(a|b)*a(a|b){2}")
    pa = compile_policy(dfa, PolicyConfig())
    sampler = TokenSampler(pa)
    gen = sampler.generator(11)
    train, _ = sampler.run(sampler.stationary_states(16, gen), 5000, gen)
    test, _ = sampler.run(sampler.stationary_states(16, gen), 2000, gen)
    counts = torch.ones(3, 3, dtype=torch.float64)  # add-one smoothing
    pairs = torch.stack([train[:, :-1].reshape(-1), train[:, 1:].reshape(-1)], dim=1)
    counts.index_put_((pairs[:, 0], pairs[:, 1]), torch.ones(len(pairs), dtype=torch.float64),
                      accumulate=True)
    bigram = counts / counts.sum(dim=1, keepdim=True)
    bigram_nll = -torch.log(bigram[test[:, :-1], test[:, 1:]]).mean().item()
    optimal_nll = BayesFilter(pa, dfa).run(test).nll_nats[:, 1:].mean().item()
    assert optimal_nll < bigram_nll - 0.01


def test_valid_mask_from_the_dfa() -> None:
    dfa = min_dfa_from_regex("a*b")
    pa = compile_policy(dfa, PolicyConfig())
    result = BayesFilter(pa, dfa).run(torch.tensor([[0, 1, 2, 0]]))
    # after SEP we are at the start: a, b valid, SEP not; after b (accepting, no moves): SEP only
    assert result.valid[0, 1].tolist() == [False, True, True]
    assert result.valid[0, 3].tolist() == [True, False, False]
