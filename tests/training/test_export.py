"""``regscale export``: Parquet windows that Hugging Face datasets loads, with the exact floor,
and nanoGPT .bin files a few lines of plain torch train on."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from regscale.sources.catalog import load_language_config
from regscale.sources.language import build_language

LANGUAGE = "dfa:n=8,t=24,f=2,k=4,seed=0"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    subprocess.run([sys.executable, "-m", "regscale", "export", "--language", LANGUAGE,
                    "--tokens", "6e4", "--val-tokens", "2e4", "--window", "32", "--out",
                    str(out)], check=True, capture_output=True)
    return out


def test_parquet_loads_with_hugging_face_datasets(exported: Path) -> None:
    datasets = pytest.importorskip("datasets", reason="datasets is not installed "
                                   "(pip install '.[hf]')")
    data = datasets.load_dataset("parquet", data_files={
        "train": str(exported / "train.parquet"), "val": str(exported / "val.parquet")})
    assert data["train"].num_rows == math.ceil(6e4 / 32) and data["val"].num_rows == 625
    rows = data["train"].with_format("numpy")[:]
    inputs, labels = np.stack(rows["input_ids"]), np.stack(rows["labels"])
    optimal = np.stack(rows["optimal_nll"])
    assert inputs.shape == labels.shape == optimal.shape == (1875, 32)
    assert np.array_equal(inputs[:, 1:], labels[:, :-1])
    rate = build_language(load_language_config(LANGUAGE)).automaton.entropy_rate_nats
    late = optimal[:, 16:].mean()
    assert abs(late - rate) < 4 * optimal[:, 16:].mean(1).std() / math.sqrt(1875) + 1e-3
    assert not np.array_equal(np.stack(data["val"].with_format("numpy")[:8]["input_ids"]),
                              inputs[:8])


def test_nanogpt_style_training_from_the_bin_files_learns_but_never_beats_the_floor(
        exported: Path) -> None:
    """nanoGPT's get_batch over np.memmap, a bigram model, AdamW: the held-out loss falls well
    below uniform and stays above the exact entropy rate of the stream."""
    meta = pickle.loads((exported / "meta.pkl").read_bytes())
    vocab = meta["vocab_size"]
    assert json.loads((exported / "meta.json").read_text())["vocab_size"] == vocab
    train = np.memmap(exported / "train.bin", dtype=np.uint16, mode="r")
    val = np.memmap(exported / "val.bin", dtype=np.uint16, mode="r")
    assert len(train) == 60_000 and len(val) == 20_000 and int(train.max()) < vocab
    generator = torch.Generator().manual_seed(0)

    def get_batch(data: np.memmap, block: int = 32, batch: int = 64
                  ) -> tuple[torch.Tensor, torch.Tensor]:
        ix = torch.randint(len(data) - block - 1, (batch,), generator=generator)
        x = torch.stack([torch.from_numpy(data[i:i + block].astype(np.int64)) for i in ix])
        y = torch.stack([torch.from_numpy(data[i + 1:i + 1 + block].astype(np.int64))
                         for i in ix])
        return x, y

    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(vocab, 32), nn.Linear(32, vocab))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-2)
    for _ in range(300):
        x, y = get_batch(train)
        loss = F.cross_entropy(model(x).reshape(-1, vocab), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        tokens = torch.from_numpy(val.astype(np.int64))
        held_out = F.cross_entropy(model(tokens[:-1]), tokens[1:]).item()
    rate = build_language(load_language_config(LANGUAGE)).automaton.entropy_rate_nats
    assert held_out < math.log(vocab) - 0.2
    assert held_out > rate - 0.02
