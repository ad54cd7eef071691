"""Click options that pick a language (regular or natural) and a sampling policy, shared by
commands."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

import click

from regscale.automata.random_dfa import RandomDFASpec
from regscale.automata.regex_to_dfa import DEFAULT_MAX_STATES
from regscale.errors import ConfigError
from regscale.sources.catalog import load_language_config
from regscale.sources.language_config import CONTEXT_FREE_KINDS, LanguageConfig, RegexSpec
from regscale.sources.policies import POLICIES, PolicyConfig

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = [
    click.option("--language", "-l", help="Catalog name, .toml path, regex:PAT or dfa:n=..."),
    click.option("--regex", "-r", help="A regex, e.g. 'a*b' (see `regscale inspect --help`)."),
    click.option("--alphabet", help="Symbols of a --regex language (default: those used)."),
    click.option("--states", type=int, help="Random DFA: live states n."),
    click.option("--transitions", type=int, help="Random DFA: live transitions t."),
    click.option("--accepting", type=int, help="Random DFA: accepting states f."),
    click.option("--alphabet-size", type=int, help="Random DFA: symbols k."),
    click.option("--dfa-seed", type=int, default=0, show_default=True, help="Random DFA seed."),
    click.option("--policy", type=click.Choice(sorted(POLICIES)), help="Sampling policy."),
    click.option("--p-stop", type=float, help="walk: stop probability in accepting states."),
    click.option("--min-length", type=int, help="uniform_length: shortest length."),
    click.option("--max-length", type=int, help="uniform_length: longest length."),
    click.option("--concentration", type=float, help="dirichlet: concentration."),
    click.option("--policy-seed", type=int, help="dirichlet: seed of the weights."),
    click.option("--max-states", type=int,
                 help="DFA state limit during subset construction [default: the language "
                      f"file's max_states, else {DEFAULT_MAX_STATES:,}]."),
]
_POLICY_FLAGS = {"policy": "name", "p_stop": "p_stop", "min_length": "min_length",
                 "max_length": "max_length", "concentration": "concentration",
                 "policy_seed": "seed"}
_DFA_FLAGS = ("states", "transitions", "accepting", "alphabet_size")
NAMES = ["language", "regex", "alphabet", *_DFA_FLAGS, "dfa_seed", *_POLICY_FLAGS, "max_states"]


def language_options(func: F) -> F:
    """Add the language and policy options to a command."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


def language_from_options(options: dict[str, Any]) -> LanguageConfig:
    """Build the config the options describe; exactly one language source must be given."""
    random_given = [options[k] is not None for k in _DFA_FLAGS]
    sources = [options["language"] is not None, options["regex"] is not None, any(random_given)]
    if sum(sources) != 1:
        raise ConfigError(
            "give exactly one of --language, --regex, or the random-DFA options "
            "--states/--transitions/--accepting/--alphabet-size"
        )
    if options["language"] is not None:
        config = load_language_config(options["language"])
    elif options["regex"] is not None:
        spec = RegexSpec(regex=options["regex"], alphabet=options["alphabet"])
        config = LanguageConfig(name=f"regex:{options['regex']}", spec=spec)
    else:
        if not all(random_given):
            raise ConfigError("a random DFA needs all of --states --transitions --accepting "
                              "--alphabet-size")
        dfa = RandomDFASpec(
            **{k: options[k] for k in _DFA_FLAGS}, seed=options["dfa_seed"]
        )
        config = LanguageConfig(name=dfa.name, spec=dfa)
    changes = {field: options[flag] for flag, field in _POLICY_FLAGS.items()
               if options[flag] is not None}
    if changes and config.spec.kind in CONTEXT_FREE_KINDS:
        raise ConfigError(f"{config.name} is context-free: its probabilities are its grammar's, "
                          "so it takes no sampling policy (--policy and its options)")
    policy = dataclasses.replace(config.policy, **changes) if changes else config.policy
    limit = {} if options["max_states"] is None else {"max_states": options["max_states"]}
    return dataclasses.replace(config, policy=PolicyConfig(**dataclasses.asdict(policy)),
                               **limit)
