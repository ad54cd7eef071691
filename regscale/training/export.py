"""A finite sample of a language in the formats other stacks read, each in that stack's own
convention.

``regscale export`` writes to a folder:

- ``train.parquet`` and ``val.parquet``, Hugging Face's causal-LM convention: one row per
  window of ``window + 1`` tokens, ``labels`` **equal** to ``input_ids`` (the model shifts:
  logits at position i are scored against token i + 1) but for the first, which no position
  predicts and which is ``-100`` so that ``Trainer``'s count of label tokens is the count of
  scored tokens (it divides the summed loss by it), and ``optimal_nll`` of the same length,
  where ``optimal_nll[i]`` is the exact Bayes-optimal loss (nats) of predicting token ``i + 1``
  from tokens ``0..i`` of the row, and the last entry is null (nothing follows it); null
  throughout for a natural language. The convention is also in the Parquet schema's metadata
  (key ``regscale``). ``load_dataset("parquet", data_files=...)`` reads them; ``Trainer`` drops
  ``optimal_nll`` as an unused column unless ``remove_unused_columns=False``;
- ``train.bin`` and ``val.bin``: nanoGPT's format, the tokens of one continuous stream as
  ``uint16`` (a regular language: its packed strings, drawn from the stationary distribution;
  a natural language: the corpus' training and held-out bytes);
- ``val_optimal.bin``: ``float32``, the exact floor (nats) of predicting each token of
  ``val.bin`` from the ``context`` tokens before it (fewer at the start), what a model of that
  context can reach at best on that token (regular languages only);
- ``meta.pkl`` in nanoGPT's character convention (``vocab_size``, ``stoi`` and ``itos`` of single
  characters, SEP as ``"\n"``, which no symbol is), so ``sample.py``'s default start is SEP and
  decoded samples are the language's strings one per line; a natural language's bytes map to
  ``chr(byte)`` (UTF-8 text reads back with ``.encode("latin-1").decode("utf-8")``);
- ``meta.json``: the same, with the language, the seeds, the entropy rate and the mean floor of
  windows of ``context`` tokens (nats and bits, with its standard error).
"""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch

from regscale.errors import ConfigError
from regscale.sources.context_free_language import grammar_window_floor
from regscale.sources.language_config import LanguageConfig
from regscale.training.data import TrainingData
from regscale.training.grammar_data import GrammarTrainingData
from regscale.training.regular_data import RegularTrainingData
from regscale.training.torch_dataset import LanguageStream, block_seed

BLOCK = 256
"""Windows drawn at a time."""

CONTINUOUS_BLOCK = 2**32 - 1
"""The block index whose seed draws the continuous ``.bin`` stream (no window block uses it)."""


IGNORE = -100
"""Hugging Face's label that no loss counts."""

EXPORT_FILES = ("train.parquet", "val.parquet", "train.bin", "val.bin", "val_optimal.bin",
                "meta.pkl", "meta.json")
"""What an export writes; a folder holding any of them is not written over unless asked."""


def export(config: LanguageConfig, out: Path, *, tokens: int, val_tokens: int, window: int,
           seed: int = 0, overwrite: bool = False, context: int | None = None) -> list[Path]:
    """Write the files of the module docstring (``context``: of ``val_optimal.bin`` and the
    window floor, default ``window``); returns their paths.

    Raises
    ------
    ConfigError
        Token counts below one window, a vocabulary too large for ``uint16``, a symbol that is
        not one character other than a newline, or ``out`` already holds an export and
        ``overwrite`` is False.
    """
    context = window if context is None else context
    if context < 1:
        raise ConfigError(f"context must be >= 1, got {context}")
    if min(tokens, val_tokens) < window or window < 1:
        raise ConfigError(f"tokens ({tokens}) and val tokens ({val_tokens}) must each hold at "
                          f"least one window of {window}")
    present = [name for name in EXPORT_FILES if (out / name).exists()]
    if present and not overwrite:
        raise ConfigError(f"{out} already holds an export ({', '.join(present)}); choose "
                          "another folder, or pass --overwrite to replace it")
    out.mkdir(parents=True, exist_ok=True)
    stream = LanguageStream(config, window=window, block=BLOCK, seed=seed)
    data = stream.data  # the language is built once, for both splits
    if data.vocab_size > np.iinfo(np.uint16).max:
        raise ConfigError(f"{data.vocab_size} tokens do not fit uint16 .bin files")
    itos = character_map(data)
    written = []
    val = np.zeros(0, np.int64)
    for split, count in (("train", tokens), ("val", val_tokens)):
        written.append(_write_parquet(stream, split, out / f"{split}.parquet",
                                      math.ceil(count / window), config.name))
        flat = _continuous(data, split, count, seed)
        path = out / f"{split}.bin"
        flat.astype(np.uint16).tofile(path)
        written.append(path)
        val = flat if split == "val" else val
    floor = None
    if isinstance(data, RegularTrainingData):
        optimal = sliding_floor(data, val, context)
        floor = window_floor(data, context, seed=seed)
    elif isinstance(data, GrammarTrainingData):
        optimal = data.sliding_floor(val, context)
        floor = grammar_window_floor(data.language, context, seed=seed)
    if floor is not None:
        optimal.astype(np.float32).tofile(out / "val_optimal.bin")
        written.append(out / "val_optimal.bin")
    written += _write_meta(data, config, out, itos, seed=seed, window=window, context=context,
                           floor=floor)
    return written


def character_map(data: TrainingData) -> dict[int, str]:
    """Token id -> one character: SEP is a newline, symbols themselves, bytes ``chr(byte)``
    (the newline byte, which cleaned verses never hold, as U+240A so that SEP stays unique).

    Raises
    ------
    ConfigError
        A symbol that is not one character, or a newline.
    """
    if data.natural:
        return {0: "\n", **{b + 1: chr(b) if b != 10 else "\u240a" for b in range(256)}}
    symbols = list(data.language.alphabet)
    bad = [s for s in symbols if len(s) != 1 or s == "\n"]
    if bad:
        raise ConfigError(f"nanoGPT's character files need one character per symbol other "
                          f"than a newline; {data.name!r} has {bad!r}")
    return {0: "\n", **{i + 1: s for i, s in enumerate(symbols)}}


def sliding_floor(data: RegularTrainingData, tokens: np.ndarray, context: int,
                  chunk: int = 4096) -> np.ndarray:
    """Per token of ``tokens``: the exact floor (nats) of predicting it from the ``context``
    tokens before it (fewer at the start; the first token from none: the stationary law), what
    a model of context ``context`` reaches at best at its last position."""
    tokens = np.asarray(tokens, np.int64)
    out = np.empty(len(tokens))
    pad = np.concatenate([np.zeros(context, np.int64), tokens])
    for start in range(0, len(tokens), chunk):
        stop = min(start + chunk, len(tokens))
        index = np.arange(start, stop)[:, None] + np.arange(context + 1)[None, :]
        out[start:stop] = data.filter.run(torch.as_tensor(pad[index])).nll_nats[:, -1].numpy()
    for j in range(min(context, len(tokens))):  # the first tokens see fewer than context
        out[j] = float(data.filter.run(torch.as_tensor(tokens[None, :j + 1])).nll_nats[0, -1])
    return out


WINDOW_SAMPLES = 4096
"""Windows behind the mean window floor."""


def window_floor(data: RegularTrainingData, context: int, *, seed: int = 0,
                 windows: int = WINDOW_SAMPLES) -> dict[str, float]:
    """The mean exact floor over the ``context`` positions of a window of ``context`` tokens
    that starts anywhere in the stream (nanoGPT's ``estimate_loss`` scores every position of
    such windows), estimated over ``windows`` sampled windows, with its standard error."""
    stream = data.train_stream(stateful=False, batch_size=windows, window=context + 1,
                               seed=block_seed(seed, CONTINUOUS_BLOCK - 1, "val"),
                               dataset_tokens=None)
    nll = data.filter.run(stream.next_batch()).nll_nats[:, 1:].double().cpu().numpy()
    means = nll.mean(axis=1)
    value, se = float(means.mean()), float(means.std(ddof=1) / math.sqrt(windows))
    return {"window_floor_nats": value, "window_floor_se_nats": se,
            "window_floor_bits": value / math.log(2), "window_floor_se_bits": se / math.log(2)}


def _write_parquet(stream: LanguageStream, split: str, path: Path, windows: int,
                   language: str) -> Path:
    rows: dict[str, list[np.ndarray]] = {"input_ids": [], "optimal_nll": []}
    drawn, index = 0, 0
    while drawn < windows:
        block = stream.draw_block(index, split)
        take = min(windows - drawn, stream.block)
        tokens = np.concatenate([block["input_ids"][:take].numpy(),
                                 block["labels"][:take, -1:].numpy()], axis=1)
        floor = np.concatenate([block["optimal_nll"][:take].numpy(),
                                np.full((take, 1), np.nan)], axis=1)
        rows["input_ids"].append(tokens)
        rows["optimal_nll"].append(floor)
        drawn, index = drawn + take, index + 1
    width = stream.window + 1
    ids = np.concatenate(rows["input_ids"]).reshape(-1).astype(np.int32)
    floors = np.concatenate(rows["optimal_nll"]).reshape(-1)
    offsets = pa.array(np.arange(0, len(ids) + 1, width, dtype=np.int32))
    id_list = pa.ListArray.from_arrays(offsets, pa.array(ids))
    labels = ids.copy()
    labels[::width] = IGNORE  # the first token of a row is no position's target
    table = pa.table({"input_ids": id_list,
                      "labels": pa.ListArray.from_arrays(offsets, pa.array(labels)),
                      "optimal_nll": pa.ListArray.from_arrays(
                          offsets, pa.array(floors, mask=np.isnan(floors)))})
    convention = {"language": language, "tokens_per_row": width,
                  "labels": "input_ids, the first -100: the model shifts (Hugging Face causal "
                            "LM)",
                  "optimal_nll": "optimal_nll[i] is the exact Bayes-optimal loss in nats of "
                                 "predicting input_ids[i + 1] from input_ids[0..i]; the last "
                                 "entry is null"}
    table = table.replace_schema_metadata({"regscale": json.dumps(convention)})
    pq.write_table(table, path)
    return path


def _continuous(data: TrainingData, split: str, count: int, seed: int) -> np.ndarray:
    """``count`` consecutive tokens of one stream (natural: as many as the text has)."""
    if data.natural:
        text = data.train_tokens.cpu().numpy() if split == "train" else \
            np.asarray(data.eval_tokens)
        return np.asarray(text[:count])
    stream = data.train_stream(stateful=False, batch_size=1, window=count,
                               seed=block_seed(seed, CONTINUOUS_BLOCK, split),
                               dataset_tokens=None)
    return stream.next_batch()[0].cpu().numpy()


def _write_meta(data: TrainingData, config: LanguageConfig, out: Path, itos: dict[int, str], *,
                seed: int, window: int, context: int,
                floor: dict[str, float] | None) -> list[Path]:
    stoi = {symbol: token for token, symbol in itos.items()}
    meta = {"vocab_size": data.vocab_size, "itos": itos, "stoi": stoi}
    with (out / "meta.pkl").open("wb") as file:
        pickle.dump(meta, file)
    rate = None if data.natural else data.entropy_rate_nats
    described = {**meta, "language": config.name, "natural": data.natural, "seed": seed,
                 "window": window, "sep": "\n", "context": context,
                 "entropy_rate_nats": rate,
                 "entropy_rate_bits": None if rate is None else rate / math.log(2),
                 **(floor or {}),
                 "val_optimal": None if data.natural else
                 f"val_optimal.bin: float32 floor (nats) of each val.bin token given the "
                 f"{context} before it" + (
                     "; NaN where they do not hold the SEP that opened its string; the window "
                     "floor is of windows that start at a SEP"
                     if isinstance(data, GrammarTrainingData) else "")}
    (out / "meta.json").write_text(json.dumps(described, indent=1, default=str) + "\n")
    return [out / "meta.pkl", out / "meta.json"]
