"""A finite sample of a language in the formats other stacks read.

``regscale export`` writes to a folder:

- ``train.parquet`` and ``val.parquet``: one row per window, columns ``input_ids`` and
  ``labels`` (lists of ``window`` token ids, labels shifted by one) and ``optimal_nll`` (the exact
  Bayes-optimal loss of each label in nats; null for a natural language), the windows
  :class:`~regscale.training.torch_dataset.LanguageStream` draws; Hugging Face ``datasets``
  loads them with ``load_dataset("parquet", data_files=...)``;
- ``train.bin`` and ``val.bin``: nanoGPT's format, the tokens of one continuous stream as
  ``uint16`` (a regular language: its packed strings, drawn from the stationary distribution;
  a natural language: the corpus' training and held-out bytes);
- ``meta.pkl`` (nanoGPT reads ``vocab_size``, ``itos``, ``stoi``) and ``meta.json`` (the same,
  with the language, the seeds and the exact entropy rate).
"""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from regscale.errors import ConfigError
from regscale.sources.language_config import LanguageConfig
from regscale.training.data import TrainingData
from regscale.training.torch_dataset import LanguageStream, block_seed

BLOCK = 256
"""Windows drawn at a time."""

CONTINUOUS_BLOCK = 2**32 - 1
"""The block index whose seed draws the continuous ``.bin`` stream (no window block uses it)."""


EXPORT_FILES = ("train.parquet", "val.parquet", "train.bin", "val.bin", "meta.pkl", "meta.json")
"""What an export writes; a folder holding any of them is not written over unless asked."""


def export(config: LanguageConfig, out: Path, *, tokens: int, val_tokens: int, window: int,
           seed: int = 0, overwrite: bool = False) -> list[Path]:
    """Write the files of the module docstring; returns their paths.

    Raises
    ------
    ConfigError
        Token counts below one window, a vocabulary too large for ``uint16``, or ``out``
        already holds an export and ``overwrite`` is False.
    """
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
    written = []
    for split, count in (("train", tokens), ("val", val_tokens)):
        written.append(_write_parquet(stream, split, out / f"{split}.parquet",
                                      math.ceil(count / window)))
        flat = _continuous(data, split, count, seed)
        path = out / f"{split}.bin"
        flat.astype(np.uint16).tofile(path)
        written.append(path)
    written += _write_meta(data, config, out, seed=seed, window=window)
    return written


def _write_parquet(stream: LanguageStream, split: str, path: Path, windows: int) -> Path:
    columns: dict[str, list[np.ndarray]] = {"input_ids": [], "labels": [], "optimal_nll": []}
    drawn, index = 0, 0
    while drawn < windows:
        block = stream.draw_block(index, split)
        take = min(windows - drawn, stream.block)
        for key in columns:
            columns[key].append(block[key][:take].numpy())
        drawn, index = drawn + take, index + 1
    width = stream.window
    arrays = {}
    for key, parts in columns.items():
        values = np.concatenate(parts).reshape(-1)
        offsets = np.arange(0, len(values) + 1, width, dtype=np.int32)
        if key == "optimal_nll":
            flat = pa.array(values, mask=np.isnan(values))
        else:
            flat = pa.array(values.astype(np.int32))
        arrays[key] = pa.ListArray.from_arrays(pa.array(offsets), flat)
    pq.write_table(pa.table(arrays), path)
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


def _write_meta(data: TrainingData, config: LanguageConfig, out: Path, *, seed: int,
                window: int) -> list[Path]:
    if data.natural:
        itos: dict[int, Any] = {0: "SEP", **{b + 1: b for b in range(256)}}
        rate = None
    else:
        itos = {0: "SEP", **{i + 1: s for i, s in enumerate(data.language.dfa.alphabet)}}
        rate = data.language.automaton.entropy_rate_nats
    stoi = {symbol: token for token, symbol in itos.items()}
    meta = {"vocab_size": data.vocab_size, "itos": itos, "stoi": stoi}
    with (out / "meta.pkl").open("wb") as file:
        pickle.dump(meta, file)
    described = {**meta, "language": config.name, "natural": data.natural, "seed": seed,
                 "window": window, "entropy_rate_nats": rate,
                 "stoi": {str(k): v for k, v in stoi.items()}}
    (out / "meta.json").write_text(json.dumps(described, indent=1, default=str) + "\n")
    return [out / "meta.pkl", out / "meta.json"]

