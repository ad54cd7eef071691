"""Whole strings drawn from a source: each chain starts a string and runs to its first SEP."""

from __future__ import annotations

import torch

from regscale.automata.compact_dfa import CompactDFA
from regscale.sources.automaton import SEP, ProbabilisticAutomaton
from regscale.sources.sampler import TokenSampler


def sample_strings(
    automaton: ProbabilisticAutomaton,
    dfa: CompactDFA,
    n: int,
    *,
    seed: int,
    block: int = 64,
    device: str = "cpu",
    backend: str | None = None,
) -> list[str]:
    """``n`` i.i.d. strings of the language, distributed as the policy declares.

    Parameters
    ----------
    automaton, dfa
        The compiled policy and the DFA whose alphabet names the symbols.
    n
        Number of strings.
    seed
        Same seed, same strings.
    block
        Tokens drawn per chain per round while some string is unfinished.
    device, backend
        Where and how to sample (:class:`~regscale.sources.sampler.TokenSampler`).
    """
    sampler = TokenSampler(automaton, device, backend)
    gen = sampler.generator(seed)
    hidden = sampler.start_states(n, gen)
    pieces: list[torch.Tensor] = []
    done = torch.zeros(n, dtype=torch.bool, device=sampler.device)
    while not bool(done.all()):
        tokens, hidden = sampler.run(hidden, block, gen)
        pieces.append(tokens)
        done |= (tokens == SEP).any(dim=1)
    rows = torch.cat(pieces, dim=1).cpu().tolist()
    return ["".join(dfa.alphabet[t - 1] for t in row[: row.index(SEP)]) for row in rows]
