"""The language catalog: every entry loads, named languages match independent predicates."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from regscale.automata.compact_dfa import CompactDFA
from regscale.errors import ConfigError, UnknownNameError
from regscale.sources.catalog import language_names, load_language_config
from regscale.sources.language_config import CONTEXT_FREE_KINDS
from regscale.sources.regular_language import RegularLanguage
from tests.fixtures import PREDICATES

REQUIRED = {f"tomita{i}" for i in range(1, 8)} | {"parity", "a_star_b", "ab_star",
                                                   "count_mod3", "random_n8"}


def test_catalog_has_the_required_languages() -> None:
    assert set(language_names()) >= REQUIRED


REGULAR = [n for n in language_names() if not load_language_config(n).natural
           and load_language_config(n).spec.kind not in CONTEXT_FREE_KINDS]
CONTEXT_FREE = [n for n in language_names()
                if load_language_config(n).spec.kind in CONTEXT_FREE_KINDS]


def test_catalog_has_natural_languages() -> None:
    natural = set(language_names()) - set(REGULAR) - set(CONTEXT_FREE)
    assert natural >= {"en", "de", "es", "zh", "fr", "ru", "ja"}


def test_catalog_has_the_context_free_languages() -> None:
    assert set(CONTEXT_FREE) >= {"dyck1", "dyck2", "dyck3", "anbn", "palindromes",
                                 "dyck1_depth3"}


@pytest.mark.parametrize("name", REGULAR)
def test_every_catalog_language_builds(name: str) -> None:
    language = RegularLanguage.build(load_language_config(name))
    dfa = language.dfa
    if dfa.n_states <= 2_000:  # minimal and trim by automata-lib's own minimisation
        again = CompactDFA.from_automata_lib(dfa.to_automata_lib().minify(), dfa.alphabet)
        assert again.n_states == dfa.n_states
    # the entropy rate lies between 0 and log2 of the most choices any state has (its live
    # symbols and SEP), and is 0 only where no state has a choice
    choices = (dfa.transitions >= 0).sum(axis=1) + dfa.accepting.astype(int)
    rate = language.automaton.entropy_rate_bits
    assert 0 <= rate <= math.log2(choices.max()) + 1e-12
    assert (rate > 0) == bool((choices > 1).any())


@pytest.mark.parametrize("name", sorted(set(PREDICATES) - {"last_a_12"}))
def test_catalog_languages_match_their_predicates(name: str) -> None:
    language = RegularLanguage.build(load_language_config(name))
    alphabet = "".join(language.dfa.alphabet)
    for n in range(11):
        for word in map("".join, itertools.product(alphabet, repeat=n)):
            assert language.dfa.accepts(word) == PREDICATES[name](word), (name, word)


def test_regex_and_dfa_specs_by_name() -> None:
    assert load_language_config("regex:a*b").spec == load_language_config("a_star_b").spec
    config = load_language_config("dfa:n=8,t=14,f=3,k=2,seed=4")
    assert RegularLanguage.build(config).dfa.n_states == 8


def test_unknown_name_lists_the_catalog() -> None:
    with pytest.raises(UnknownNameError, match="tomita3"):
        load_language_config("tomita99")


@pytest.mark.parametrize(
    ("text", "message"),
    [('description = "x"\n[regex]\nregex = "a"\nbogus = 1\n', "unknown key"),
     ('[regex]\nregex = "a"\n[dfa]\nalphabet = "a"\n', "exactly one"),
     ('[regex\nregex = "a"\n', "invalid TOML"),
     ('[regex]\nregex = "a"\n[policy]\nname = "nope"\n', "unknown sampling policy"),
     ('[random_dfa]\nstates = 2\ntransitions = 9\naccepting = 1\nalphabet_size = 2\n',
      "impossible"),
     ('[dfa]\nalphabet = "ab"\ntransitions = [[0]]\naccepting = [0]\n', "rows of 2")],
)
def test_bad_language_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises((ConfigError, UnknownNameError), match=message):
        load_language_config(str(path))


@pytest.mark.parametrize("name", ["tomita3", "a_star_b", "count_mod3"])
def test_token_acceptance_agrees_with_string_acceptance(name: str) -> None:
    language = RegularLanguage.build(load_language_config(name))
    alphabet = "".join(language.dfa.alphabet)
    for n in range(7):
        for word in map("".join, itertools.product(alphabet, repeat=n)):
            tokens = [i + 1 for i in language.dfa.symbol_ids(word)]
            assert language.accepts_tokens(tokens) == language.dfa.accepts(word)
            assert not language.accepts_tokens([*tokens, 0])  # SEP is not a symbol
    assert not language.dfa.accepts("z")  # outside the alphabet
