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
              help="Tokens per Parquet row.")
@click.option("--seed", type=int, default=0, show_default=True, help="Data seed.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write.")
@click.option("--overwrite", is_flag=True, help="Replace an export already in --out.")
def command(tokens: int, val_tokens: int, window: int, seed: int, out: Path, overwrite: bool,
            **options: Any) -> None:
    """Write a language's sample as Parquet windows with the exact per-token optimal loss
    (Hugging Face datasets reads them) and as nanoGPT's train.bin / val.bin (uint16) with
    meta.pkl.

    \b
    Examples:
      regscale export --language tomita5 --tokens 1e6 --out data/tomita5
      regscale export --language "dfa:n=64,t=192,f=16,k=4,seed=0" --window 128 --out data/n64
    """
    config = language_from_options({k: options[k] for k in NAMES})
    for path in export(config, out, tokens=tokens, val_tokens=val_tokens, window=window,
                       seed=seed, overwrite=overwrite):
        click.echo(f"wrote {path}")
