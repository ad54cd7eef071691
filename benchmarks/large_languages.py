"""Large languages (issue 14): random minimal DFAs, their exact entropy rate and ``inspect``'s
memory, with references measured in the same run.

    python benchmarks/large_languages.py

Prints, with a verdict for every target:
- ``random_min_dfa`` at 1,000 to 10,000 states over 4 symbols (transitions 3.99 n, a quarter
  of the states accepting), and at 10,000 states for sparse targets (1.75 n and 1.01 n over 2
  symbols, 1.5 n over 3), which rejection cannot meet and construction does; target under 10 s
  at 10,000 states;
- minimisation of the 3,000-state draw by regscale's arrays against automata-lib's Hopcroft;
- the expected visits behind the stationary distribution and the entropy rate (GMRES) against
  sparse LU on the same chain;
- peak memory of ``regscale inspect --language last_a_12`` (8,192 states): target under
  200 MiB.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from regscale.automata.compact_dfa import CompactDFA
from regscale.automata.minimize import minimize
from regscale.automata.random_dfa import RandomDFASpec, random_min_dfa
from regscale.sources.automaton import ProbabilisticAutomaton
from regscale.sources.policies import PolicyConfig, compile_policy
from regscale.sources.visits import expected_visits


def spec(states: int) -> RandomDFASpec:
    return RandomDFASpec(states=states, transitions=int(3.99 * states), accepting=states // 4,
                         alphabet_size=4, seed=0)


def seconds(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - start


def chain(automaton: ProbabilisticAutomaton) -> sp.csr_matrix:
    rows, cols = np.nonzero(automaton.probs[:, 1:] > 0)
    return sp.csr_matrix((automaton.probs[rows, cols + 1],
                          (rows, automaton.next_state[rows, cols + 1])),
                         shape=(automaton.n_hidden,) * 2)


def main() -> None:
    print("random minimal DFAs, 4 symbols, t = 3.99 n, f = n / 4, seed 0")
    dfas: dict[int, CompactDFA] = {}
    for states in (1000, 3000, 10000):
        start = time.perf_counter()
        dfas[states] = random_min_dfa(spec(states))
        took = time.perf_counter() - start
        verdict = "" if states < 10000 else \
            f" (target < 10 s: {'ok' if took < 10 else 'BELOW TARGET'})"
        print(f"  {states:>6} states: {took:6.2f} s{verdict}")
    print("sparse targets at 10,000 states (construction and repair), seed 0")
    for t, k in ((17500, 2), (10100, 2), (15000, 3)):
        sparse = RandomDFASpec(states=10000, transitions=t, accepting=2500, alphabet_size=k,
                               seed=0)
        took = seconds(lambda sparse=sparse: random_min_dfa(sparse))
        print(f"  t = {t / 10000:.2f} n, {k} symbols: {took:6.2f} s "
              f"(target < 10 s: {'ok' if took < 10 else 'BELOW TARGET'})")
    big = dfas[3000]
    ours = seconds(lambda: minimize(big))
    theirs = seconds(lambda: big.to_automata_lib().minify())
    print(f"minimising the 3,000-state DFA: ours {ours:.3f} s, automata-lib {theirs:.3f} s, "
          f"ratio {theirs / ours:.1f}x (target >= 1x: {'ok' if theirs >= ours else 'BELOW'})")
    print("expected visits per string (stationary distribution, entropy rate), walk policy")
    for states in (3000, 10000):
        automaton = compile_policy(dfas[states], PolicyConfig())
        q, initial = chain(automaton), automaton.initial
        ours = seconds(lambda q=q, initial=initial: expected_visits(q, initial))
        system = (sp.identity(q.shape[0], format="csr") - q).T.tocsc()
        theirs = seconds(lambda system=system, initial=initial: spla.spsolve(system, initial))
        print(f"  {states:>6} states: GMRES {ours:.3f} s, sparse LU {theirs:.3f} s, "
              f"ratio {theirs / ours:.1f}x")
    # The child reports its own peak (VmHWM, Linux): getrusage's would include the fork of
    # this process, already large here.
    report = ("import sys\nfrom regscale.cli import main\n"
              "sys.argv = ['regscale', 'inspect', '--language', 'last_a_12']\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
              "print(int(status.split()[0]))")
    out = subprocess.run([sys.executable, "-c", report], check=True, capture_output=True,
                         text=True).stdout
    peak = int(out.split()[-1]) / 1024
    verdict = "ok" if peak < 200 else "BELOW TARGET"
    print(f"regscale inspect --language last_a_12 (8,192 states): peak {peak:.0f} MiB "
          f"(target < 200 MiB: {verdict})")

if __name__ == "__main__":
    main()
