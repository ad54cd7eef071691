"""``regscale score``: a Hugging Face causal LM from a local directory, scored on a language
against the exact optimum."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from regscale.cli.language_options import NAMES, language_from_options, language_options
from regscale.errors import ConfigError
from regscale.sources.language import build_language
from regscale.training.score import ModelFn, score


def load_hf(path: Path, device: str) -> tuple[ModelFn, Any]:
    """The model's logits function and its tokenizer (None when the folder has none); local
    files only, never the hub."""
    try:
        import transformers
    except ImportError:
        raise ConfigError("--hf needs transformers: pip install 'regscale[hf]'") from None
    transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    transformers.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        model = transformers.AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} does not hold a causal LM transformers can load: "
                          f"{str(exc).splitlines()[0]}") from None
    model.to(device)  # type: ignore[arg-type]  # transformers' wrapper types it narrowly
    model.train(False)  # evaluation mode
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError):
        tokenizer = None
    return (lambda ids: model(input_ids=ids).logits), tokenizer


def token_map_from(token_map: str | None, tokenizer: Any, alphabet: tuple[str, ...],
                   sep: str) -> list[int]:
    """The model's id for SEP and each symbol, from ``--token-map`` or else ``--text``."""
    if token_map == "identity":
        return list(range(len(alphabet) + 1))
    if token_map is not None:
        try:
            return [int(part) for part in token_map.split(",")]
        except ValueError:
            raise ConfigError(f"--token-map takes comma-separated integers, got {token_map!r}"
                              ) from None
    if tokenizer is None:
        raise ConfigError("--text needs the model folder's tokenizer; it has none")
    ids = []
    for piece in (sep, *alphabet):
        encoded = tokenizer.encode(piece, add_special_tokens=False)
        if len(encoded) != 1:
            raise ConfigError(f"--text: the tokenizer splits {piece!r} into {len(encoded)} "
                              "tokens; give --token-map instead")
        ids.append(int(encoded[0]))
    return ids


@click.command("score")
@language_options
@click.option("--hf", "hf_path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              required=True, help="A local directory with a Hugging Face causal LM.")
@click.option("--token-map", help="The model's token id for regscale's SEP and each symbol, "
              "comma-separated (e.g. 198,64,65), or 'identity'.")
@click.option("--text", is_flag=True, help="Map SEP and the symbols through the model's "
              "tokenizer as text (byte- or character-level models).")
@click.option("--sep", default="\n", show_default=True, help="--text: the text of SEP.")
@click.option("--window", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--rows", type=click.IntRange(min=2), default=256, show_default=True,
              help="Held-out windows.")
@click.option("--samples", type=click.IntRange(min=0), default=64, show_default=True,
              help="Free-running samples for the acceptance rate.")
@click.option("--device", default="cpu", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print every measure as one JSON object.")
def command(hf_path: Path, token_map: str | None, text: bool, sep: str, window: int, rows: int,
            samples: int, device: str, as_json: bool, **options: Any) -> None:
    """Score a causal LM on a language's held-out windows against the exact Bayes-optimal
    loss: excess loss, valid mass, acceptance of free-running samples, excess by position.

    \b
    Examples:
      regscale score --language tomita3 --hf ./my-gpt2 --token-map identity
      regscale score --language tomita5 --hf ./byte-model --text
    """
    config = language_from_options({k: options[k] for k in NAMES})
    language = build_language(config)
    if language.natural:
        raise ConfigError(f"{config.name} is a natural language: it has no exact floor")
    if text == (token_map is not None):  # before loading the model: a usage error is cheap
        raise ConfigError("give the vocabulary mapping: --token-map IDS (or identity) or --text")
    model_fn, tokenizer = load_hf(hf_path, device)
    ids = token_map_from(token_map, tokenizer, language.alphabet, sep)
    result = score(model_fn, config, token_map=ids, window=window, rows=rows, samples=samples,
                   device=device)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"{result['language']}: {result['windows']} windows of {window} tokens, "
               f"{result['samples']} samples")
    click.echo(f"  loss       {result['loss_nats']:.4f} ± {result['loss_se_nats']:.4f} nats "
               f"(optimal {result['optimal_loss_nats']:.4f})")
    click.echo(f"  excess     {result['excess_bits']:.4f} ± {result['excess_se_bits']:.4f} "
               "bits/token")
    click.echo(f"  valid mass {result['valid_mass']:.4f}")
    click.echo(f"  accepted   {result['acceptance']:.3f} ± {result['acceptance_se']:.3f}")
    by_position = result["excess_by_position_bits"]
    marks = sorted({0, 1, 3, 7, 15, 31, 63, len(by_position) - 1} & set(range(len(by_position))))
    click.echo("  excess by position (bits): " + "  ".join(
        f"{p + 1}:{by_position[p]:.3f}" for p in marks))
