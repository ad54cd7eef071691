"""``regscale export``: a finite sample of a language for other training stacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from regscale.cli.language_options import NAMES, language_from_options, language_options
from regscale.cli.numbers import COUNT
from regscale.training.export import export


@click.command("export")
@language_options
@click.option("--tokens", type=COUNT, default=1_000_000, show_default=True,
              help="Training tokens (2e6 works).")
@click.option("--val-tokens", type=COUNT, default=100_000, show_default=True,
              help="Held-out tokens.")
@click.option("--window", type=int, default=256, show_default=True,
              help="Predictions per Parquet row (rows hold window + 1 tokens).")
@click.option("--context", type=click.IntRange(min=1), default=None,
              help="Context of val_optimal.bin and of the window floor in meta.json "
                   "(default: --window): the block size you will train with.")
@click.option("--seed", type=int, default=0, show_default=True, help="Data seed.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write.")
@click.option("--overwrite", is_flag=True, help="Replace an export already in --out.")
def command(tokens: int, val_tokens: int, window: int, context: int | None, seed: int,
            out: Path, overwrite: bool, **options: Any) -> None:
    """Write a language's sample as Parquet windows with the exact per-token optimal loss, in
    Hugging Face's causal-LM convention (labels = input_ids; optimal_nll[i] is the floor of
    token i + 1), and as nanoGPT's train.bin / val.bin (uint16) with meta.pkl in its
    character convention (SEP is a newline), val_optimal.bin (the float32 floor of every
    val.bin token at the stated context) and meta.json (entropy rate and window floor).

    \b
    Examples:
      regscale export --language tomita5 --tokens 1e6 --out data/tomita5
      regscale export --language "dfa:n=64,t=192,f=16,k=4,seed=0" --window 128 --out data/n64
      regscale export --language tomita5 --context 32 --out data/tomita5   # nanoGPT block 32
    """
    config = language_from_options({k: options[k] for k in NAMES})
    for path in export(config, out, tokens=tokens, val_tokens=val_tokens, window=window,
                       seed=seed, overwrite=overwrite, context=context):
        click.echo(f"wrote {path}")
