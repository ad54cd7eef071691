"""``regscale gen``: print sampled strings of a regular or context-free language, or verses of a
natural one."""

from __future__ import annotations

import json
from typing import Any

import click
import numpy as np

from regscale.cli.language_options import NAMES, language_from_options, language_options
from regscale.sources.language import build_language


@click.command("gen")
@language_options
@click.option("-n", "count", type=click.IntRange(min=1), default=10, show_default=True,
              help="Number of strings.")
@click.option("--seed", type=int, default=0, show_default=True, help="Sampling seed.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text",
              show_default=True, help="One string per line, or JSON lines.")
def command(count: int, seed: int, fmt: str, **options: Any) -> None:
    """Sample strings of a regular or context-free language, or training verses of a natural
    one (same seed, same strings).

    In text format the empty word prints as an empty line.

    \b
    Examples:
      regscale gen --regex 'a*b' -n 5
      regscale gen --language tomita3 --policy uniform_length --max-length 12
      regscale gen --states 8 --transitions 14 --accepting 3 --alphabet-size 2 --format jsonl
      regscale gen --language dyck2 -n 5
      regscale gen --language cfg:nonterminals=6,rules=18,k=4,seed=0 -n 5
      regscale gen --language de -n 3
    """
    language = build_language(language_from_options({k: options[k] for k in NAMES}))
    if language.natural:
        texts = language.train_texts
        picks = np.random.default_rng(seed).choice(len(texts), min(count, len(texts)),
                                                   replace=False)
        words = [texts[i] for i in sorted(picks)]
    else:
        words = language.sample_words(count, seed=seed)
    for word in words:
        if fmt == "jsonl":
            click.echo(json.dumps({"language": language.name, "string": word,
                                   "length": len(word)}))
        else:
            click.echo(word)
