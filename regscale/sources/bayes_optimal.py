"""The exact Bayes-optimal next-token loss of given tokens, by the forward filter.

For a probabilistic automaton (:mod:`regscale.sources.automaton`) the belief over hidden states
before token ``t`` is ``alpha_t``; the optimal probability of the token is
``P(x_t | x_<t) = sum_h alpha_t(h) probs[h, x_t]`` and the belief moves on as
``alpha_{t+1}(h') ∝ sum_h alpha_t(h) probs[h, x_t] [next(h, x_t) = h']`` (after SEP,
``alpha_{t+1} = initial``). Start at the stationary distribution for a window cut at a random
stream position (GPT), or carry ``alpha`` across segments for models with memory. The average
optimal loss is >= the entropy rate and tends to it with the window length.

Computed in float64 with torch on any device, O(batch x hidden states) per token.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from regscale.automata.compact_dfa import DEAD, CompactDFA
from regscale.sources.automaton import SEP, ProbabilisticAutomaton


@dataclass(frozen=True)
class FilterResult:
    """Output of :meth:`BayesFilter.run`."""

    nll_nats: torch.Tensor  # float64[B, T]: -log P_opt(x_t | x_<t); inf for impossible tokens
    valid: torch.Tensor  # bool[B, T, V]: tokens that keep the prefix live (exact, from the DFA)
    belief: torch.Tensor  # float64[B, H]: alpha after the last token, to carry on


class BayesFilter:
    """The forward filter of one automaton on ``device``."""

    def __init__(
        self,
        automaton: ProbabilisticAutomaton,
        dfa: CompactDFA,
        device: str | torch.device = "cpu",
    ) -> None:
        self.automaton = automaton
        self.device = torch.device(device)
        f64 = torch.float64
        self._probs_t = torch.tensor(automaton.probs.T, dtype=f64, device=self.device)  # [V, H]
        nxt = automaton.next_state.T  # [V, H]
        self._moves = torch.tensor(nxt >= 0, dtype=f64, device=self.device)
        self._next_t = torch.tensor(nxt.clip(min=0), dtype=torch.long, device=self.device)
        self._initial = torch.tensor(automaton.initial, dtype=f64, device=self.device)
        self._stationary = torch.tensor(automaton.stationary, dtype=f64, device=self.device)
        # allowed[h, x]: token x keeps the DFA state of h live.
        q = automaton.dfa_state
        allowed = torch.zeros((automaton.n_hidden, automaton.vocab_size), dtype=torch.float64)
        allowed[:, SEP] = torch.tensor(dfa.accepting[q], dtype=torch.float64)
        allowed[:, 1:] = torch.tensor(dfa.transitions[q] != DEAD, dtype=torch.float64)
        self._allowed = allowed.to(self.device)

    def stationary_belief(self, batch: int) -> torch.Tensor:
        """``float64[batch, H]``: the belief for windows cut at random stream positions."""
        return self._stationary.expand(batch, -1).clone()

    def run(self, tokens: torch.Tensor, belief: torch.Tensor | None = None) -> FilterResult:
        """Filter ``tokens`` (``long[B, T]``) from ``belief`` (default: stationary)."""
        tokens = tokens.to(self.device)
        b, steps = tokens.shape
        alpha = self.stationary_belief(b) if belief is None else belief.to(self.device).clone()
        nll = torch.empty((b, steps), dtype=torch.float64, device=self.device)
        valid = torch.empty(
            (b, steps, self.automaton.vocab_size), dtype=torch.bool, device=self.device
        )
        for t in range(steps):
            x = tokens[:, t]
            valid[:, t] = ((alpha > 0).double() @ self._allowed) > 0
            joint = alpha * self._probs_t[x]
            mass = joint.sum(dim=1)
            nll[:, t] = -torch.log(mass)
            moved = torch.zeros_like(alpha).scatter_add_(
                1, self._next_t[x], joint * self._moves[x]
            )
            reset = (x == SEP).double()[:, None] * mass[:, None] * self._initial
            alpha = (moved + reset) / mass.clamp(min=1e-300)[:, None]
        return FilterResult(nll_nats=nll, valid=valid, belief=alpha)
