"""``regscale inspect``: complexity measures, exact entropy, and drawings of the minimal DFA."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from regscale.automata.render import save_png, to_dot
from regscale.cli.language_options import NAMES, language_from_options, language_options
from regscale.errors import ConfigError
from regscale.sources.context_free_language import ContextFreeLanguage, grammar_window_floor
from regscale.sources.language import build_language
from regscale.sources.language_config import LanguageConfig


@click.command("inspect")
@language_options
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a drawing of the minimal DFA.")
@click.option("--dot", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the minimal DFA as Graphviz DOT.")
@click.option("--json", "as_json", is_flag=True, help="Print the measures as one JSON object.")
@click.option("--context", type=click.IntRange(min=1),
              help="Also the exact mean floor of windows of this many tokens (nats and bits, "
                   "with its standard error): what a model of this context can reach.")
def command(png: Path | None, dot: Path | None, as_json: bool, context: int | None,
            **options: Any) -> None:
    """Print a language's complexity measures and exact entropy rate (context-free languages:
    the grammar's measures, the entropy rate exact where the grammar is declared unambiguous,
    else an estimate with its standard error; natural languages: the corpus sizes).

    Regex syntax: symbols [A-Za-z0-9], concatenation, |, *, +, ?, {m}, {m,}, {m,n},
    groups (), classes [abc] [a-c]; meaning as Python's re.fullmatch.

    \b
    Examples:
      regscale inspect --regex '(a|b)*a(a|b){3}'
      regscale inspect --language tomita3 --png tomita3.png --dot tomita3.dot
      regscale inspect --language tomita5 --context 32 --json
      regscale inspect --language dyck2 --context 64 --json
      regscale inspect --language zh
    """
    config = language_from_options({k: options[k] for k in NAMES})
    if config.natural and (png is not None or dot is not None):
        raise ConfigError(f"{config.name} is a natural language; it has no DFA to draw")
    if config.natural and context is not None:
        raise ConfigError(f"{config.name} is a natural language; it has no exact floor")
    language = build_language(config)
    if language.natural:
        _show({"language": language.name, "corpus": f"{language.spec.corpus}:"
               f"{language.spec.version}", "part": language.spec.part, **language.stats()},
              as_json)
        return
    if isinstance(language, ContextFreeLanguage):
        if png is not None or dot is not None:
            raise ConfigError(f"{language.name} is context-free; it has no DFA to draw")
        _show(_grammar_measures(language, config, context), as_json)
        return
    measures: dict[str, Any] = {"language": language.name, "policy": language.config.policy.name}
    if (regex := language.regex()) is not None:
        measures["regex"] = regex
    measures["alphabet"] = "".join(language.dfa.alphabet)
    measures.update(language.complexity.as_dict())
    measures["entropy_rate_nats"] = language.automaton.entropy_rate_nats
    if context is not None:
        measures["context"] = context
        measures.update(_window_floor(config, context))
    _show(measures, as_json)
    if dot is not None:
        dot.write_text(to_dot(language.dfa, language.name))
        click.echo(f"wrote {dot}")
    if png is not None:
        save_png(language.dfa, png, title=f"{language.name}: {language.dfa.n_states} states")
        click.echo(f"wrote {png}")


def _window_floor(config: LanguageConfig, context: int) -> dict[str, float]:
    """The mean floor of windows of ``context`` tokens (imports torch: only when asked)."""
    import torch

    from regscale.training.data import training_data
    from regscale.training.export import window_floor
    from regscale.training.regular_data import RegularTrainingData

    data = training_data(config, torch.device("cpu"))
    assert isinstance(data, RegularTrainingData)
    return window_floor(data, context)


def _grammar_measures(language: ContextFreeLanguage, config: LanguageConfig,
                      context: int | None) -> dict[str, Any]:
    """A grammar's measures, its entropy rate in both units (exact, or an estimate with its
    standard error) and, with ``context``, the floor of windows that start at a SEP."""
    c = language.complexity
    out: dict[str, Any] = {"language": language.name, "kind": "context-free",
                           "alphabet": "".join(language.alphabet), **c.as_dict()}
    if context is not None:
        out["context"] = context
        out["window_start"] = "string boundary (SEP)"
        out.update(grammar_window_floor(language, context))
    return out


def _show(measures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(measures))
    else:
        width = max(map(len, measures))
        for key, value in measures.items():
            shown = f"{value:.6f}" if isinstance(value, float) else value
            click.echo(f"{key:<{width}}  {shown}")
