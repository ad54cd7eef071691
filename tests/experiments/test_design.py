"""Factorial designs: every cell, every automaton and every policy they promise."""

from __future__ import annotations

import pytest

from regscale.errors import ConfigError
from regscale.experiments.design import DesignConfig, automaton_of
from regscale.experiments.sweep_config import load_sweep
from regscale.sources.catalog import load_language_config
from regscale.sources.language import build_language


def test_languages_cross_states_transitions_and_seeds() -> None:
    design = DesignConfig(states=(4, 8), transitions_per_state=(1.5, 3.0), automata=2,
                          concentrations=(0.3,), entropy_automata=1, mean_length=6.0)
    names = design.languages()
    assert len(names) == 2 * 2 * 2 + 2 * 2 * 1
    assert len(set(names)) == len(names)
    cells = set()
    for name in names:
        config = load_language_config(name)
        complexity = build_language(config).complexity
        n, t = complexity.states, complexity.transitions
        cells.add((n, t))
        assert (n, t) in {(4, 6), (4, 12), (8, 12), (8, 24)}
        assert complexity.alphabet_size == 4 and complexity.accepting == max(1, round(n / 4))
        assert (config.policy.name == "dirichlet") == ("policy=dirichlet" in name)
        assert config.policy.mean_length == 6.0
    assert len(cells) == 4
    automata = {automaton_of(name) for name in names}
    assert len(automata) == 2 * 2 * 2  # the entropy axis reuses the automata


def test_corner_tuning_languages_are_walk_seed_zero_corners() -> None:
    design = DesignConfig(states=(4, 8, 16), transitions_per_state=(1.5, 2.5, 3.5),
                          tuning="corners")
    corners = design.tuning_languages()
    assert len(corners) == 4
    assert set(corners) <= set(design.languages())
    assert all("seed=0" in c and "dirichlet" not in c for c in corners)
    assert DesignConfig(states=(4,), transitions_per_state=(2.0,)).tuning_languages() == ()


def test_automaton_of_strips_the_policy() -> None:
    name = "dfa:n=4,t=6,f=1,k=4,seed=2,len=8,policy=dirichlet,c=0.3,pseed=2"
    assert automaton_of(name) == "dfa:n=4,t=6,f=1,k=4,seed=2"
    assert automaton_of("tomita3") == "tomita3"


@pytest.mark.parametrize(("fields", "message"), [
    ({"states": (4,), "transitions_per_state": (5.0,)}, "t=20 must lie in 3..16"),
    ({"states": (4,), "transitions_per_state": (0.2,)}, "must lie in"),
    ({"states": (4,), "transitions_per_state": (2.0,), "automata": 0}, "automata >= 1"),
    ({"states": (4,), "transitions_per_state": (2.0,), "concentrations": (0.0,)}, "> 0"),
    ({"states": (4,), "transitions_per_state": (2.0,), "accepting_fraction": 0.0}, "(0, 1]"),
])
def test_bad_designs_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        DesignConfig(**fields)  # type: ignore[arg-type]


def test_the_factorial_preset_passes_its_design_checks() -> None:
    """The issue's definition of done: >= 4 levels of states over >= 1.2 decades, >= 3 of
    transitions per state, >= 3 automata per cell, an entropy axis."""
    sweep = load_sweep("complexity", preset="factorial")
    design = DesignConfig(**{k: tuple(v) if isinstance(v, list) else v
                             for k, v in sweep.design.items()})
    assert len(design.states) >= 4 and max(design.states) / min(design.states) >= 10**1.2
    assert len(design.transitions_per_state) >= 3 and design.automata >= 3
    assert design.concentrations
    assert {"gpt", "transformer_xl", "lstm"} <= set(sweep.archs)
    assert sweep.languages == design.languages()
    assert set(sweep.tuning_languages) <= set(sweep.languages)
