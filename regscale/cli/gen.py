"""``regscale gen``: print sampled strings of a regular language."""

from __future__ import annotations

import json
from typing import Any

import click

from regscale.cli.language_options import NAMES, language_from_options, language_options
from regscale.sources.regular_language import RegularLanguage
from regscale.sources.strings import sample_strings


@click.command("gen")
@language_options
@click.option("-n", "count", type=click.IntRange(min=1), default=10, show_default=True,
              help="Number of strings.")
@click.option("--seed", type=int, default=0, show_default=True, help="Sampling seed.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text",
              show_default=True, help="One string per line, or JSON lines.")
def command(count: int, seed: int, fmt: str, **options: Any) -> None:
    """Sample strings of a regular language (same seed, same strings).

    In text format the empty word prints as an empty line.

    \b
    Examples:
      regscale gen --regex 'a*b' -n 5
      regscale gen --language tomita3 --policy uniform_length --max-length 12
      regscale gen --states 8 --transitions 14 --accepting 3 --alphabet-size 2 --format jsonl
    """
    language = RegularLanguage.build(language_from_options({k: options[k] for k in NAMES}))
    for word in sample_strings(language.automaton, language.dfa, count, seed=seed):
        if fmt == "jsonl":
            click.echo(json.dumps({"language": language.name, "string": word,
                                   "length": len(word)}))
        else:
            click.echo(word)
