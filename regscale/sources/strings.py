"""Whole strings drawn from a source: each chain starts a string and runs to its first SEP.

On the CPU backend this needs neither torch nor, for a small job, numba
(:mod:`regscale.sources.chains`); the tokens are those :class:`TokenSampler` draws with the same
seed.
"""

from __future__ import annotations

import numpy as np

from regscale.automata.compact_dfa import CompactDFA
from regscale.sources.automaton import SEP, ProbabilisticAutomaton
from regscale.sources.chains import ChainTables, CpuGenerator, sampling_tables


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
        Where and how to sample (:class:`~regscale.sources.sampler.TokenSampler`; the CPU
        default, ``numba``, runs without torch).
    """
    if device == "cpu" and backend in (None, "numba"):
        rows = _cpu_rows(chain_tables(automaton), n, CpuGenerator(seed), block)
    else:
        rows = _torch_rows(automaton, n, seed, block, device, backend)
    return ["".join(dfa.alphabet[t - 1] for t in row[: row.index(SEP)]) for row in rows]


def chain_tables(automaton: ProbabilisticAutomaton) -> ChainTables:
    """The CPU kernels' tables of ``automaton``: build once, draw many times."""
    return ChainTables(*sampling_tables(automaton), automaton.start_state)


def token_words(tables: ChainTables, n: int, generator: CpuGenerator, *,
                block: int = 64) -> list[list[int]]:
    """``n`` i.i.d. strings as token lists (symbols 1..k, no SEP), drawn from ``generator``
    (advanced) with :func:`chain_tables`: what :func:`sample_strings` gives for the same
    generator state."""
    rows = _cpu_rows(tables, n, generator, block)
    return [row[: row.index(SEP)] for row in rows]


def _cpu_rows(tables: ChainTables, n: int, gen: CpuGenerator, block: int) -> list[list[int]]:
    hidden = np.searchsorted(tables.initial_cdf, gen.uniforms(n), side="right").astype(np.int64)
    pieces: list[np.ndarray] = []
    done = np.zeros(n, dtype=bool)
    while not done.all():
        tokens = tables.run(hidden, block, gen)
        pieces.append(tokens)
        done |= (tokens == SEP).any(axis=1)
    rows: list[list[int]] = np.concatenate(pieces, axis=1).tolist()
    return rows


def _torch_rows(automaton: ProbabilisticAutomaton, n: int, seed: int, block: int, device: str,
                backend: str | None) -> list[list[int]]:
    import torch

    from regscale.sources.sampler import TokenSampler

    sampler = TokenSampler(automaton, device, backend)
    gen = sampler.generator(seed)
    hidden = sampler.start_states(n, gen)
    pieces: list[torch.Tensor] = []
    done = torch.zeros(n, dtype=torch.bool, device=sampler.device)
    while not bool(done.all()):
        tokens, hidden = sampler.run(hidden, block, gen)
        pieces.append(tokens)
        done |= (tokens == SEP).any(dim=1)
    rows: list[list[int]] = torch.cat(pieces, dim=1).cpu().tolist()
    return rows
