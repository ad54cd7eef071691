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
import pyarrow.parquet as pq
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from regscale.sources.catalog import load_language_config
from regscale.sources.language import build_language
from regscale.training.data import training_data

LANGUAGE = "dfa:n=8,t=24,f=2,k=4,seed=0"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    subprocess.run([sys.executable, "-m", "regscale", "export", "--language", LANGUAGE,
                    "--tokens", "6e4", "--val-tokens", "2e4", "--window", "32", "--out",
                    str(out)], check=True, capture_output=True)
    return out


def test_parquet_follows_the_hugging_face_causal_lm_convention(exported: Path) -> None:
    datasets = pytest.importorskip("datasets", reason="datasets is not installed "
                                   "(pip install '.[hf]')")
    data = datasets.load_dataset("parquet", data_files={
        "train": str(exported / "train.parquet"), "val": str(exported / "val.parquet")})
    assert data["train"].num_rows == math.ceil(6e4 / 32) and data["val"].num_rows == 625
    rows = data["train"].with_format("numpy")[:]
    inputs, labels = np.stack(rows["input_ids"]), np.stack(rows["labels"])
    optimal = np.stack([np.asarray(r, dtype=float) for r in rows["optimal_nll"]])
    assert inputs.shape == labels.shape == optimal.shape == (1875, 33)  # window + 1 tokens
    assert np.array_equal(inputs[:, 1:], labels[:, 1:])  # the model shifts
    assert (labels[:, 0] == -100).all()  # no position predicts the first token
    assert np.isnan(optimal[:, -1]).all() and not np.isnan(optimal[:, :-1]).any()
    rate = build_language(load_language_config(LANGUAGE)).automaton.entropy_rate_nats
    late = optimal[:, 16:-1].mean()
    assert abs(late - rate) < 4 * optimal[:, 16:-1].mean(1).std() / math.sqrt(1875) + 1e-3
    assert not np.array_equal(np.stack(data["val"].with_format("numpy")[:8]["input_ids"]),
                              inputs[:8])
    metadata = pq.read_schema(exported / "train.parquet").metadata
    convention = json.loads(metadata[b"regscale"])
    assert "predicting input_ids[i + 1]" in convention["optimal_nll"]


def test_optimal_nll_is_the_floor_of_the_next_token(exported: Path) -> None:
    """Brute force on the first rows: the filter run on the row's prefix up to token i + 1
    alone gives optimal_nll[i]."""
    table = pq.read_table(exported / "val.parquet").slice(0, 4).to_pylist()
    data = training_data(load_language_config(LANGUAGE), torch.device("cpu"))
    for row in table:
        ids = torch.as_tensor(row["input_ids"])
        for i in (0, 5, 31):
            nll = data.filter.run(ids[None, :i + 2]).nll_nats[0, -1].item()
            assert row["optimal_nll"][i] == pytest.approx(nll, abs=1e-9)


def test_a_trainer_run_scores_the_next_token(exported: Path, tmp_path: Path) -> None:
    """Hugging Face's own Trainer on the exported rows as they are: its evaluation loss is the
    next-token cross-entropy of the same model (one shift, not two), and it stays above the
    exact floor of those tokens."""
    datasets = pytest.importorskip("datasets", reason="pip install '.[hf]'")
    transformers = pytest.importorskip("transformers", reason="pip install '.[hf]'")
    pytest.importorskip("accelerate", reason="Trainer needs accelerate: pip install '.[hf]'")
    data = datasets.load_dataset("parquet", data_files={
        "train": str(exported / "train.parquet"), "val": str(exported / "val.parquet")})
    vocab = json.loads((exported / "meta.json").read_text())["vocab_size"]
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(
        vocab_size=vocab, n_positions=64, n_embd=32, n_layer=2, n_head=2, bos_token_id=0,
        eos_token_id=0, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0))
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path), max_steps=60, per_device_train_batch_size=32,
        per_device_eval_batch_size=64, learning_rate=3e-3, report_to=[], use_cpu=True,
        save_strategy="no", logging_strategy="no", seed=0, dataloader_num_workers=0)
    trainer = transformers.Trainer(model=model, args=args, train_dataset=data["train"],
                                   eval_dataset=data["val"])
    trainer.train()
    eval_loss = trainer.evaluate()["eval_loss"]
    rows = data["val"].with_format("torch")[:]
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=rows["input_ids"]).logits
    by_hand = F.cross_entropy(logits[:, :-1].reshape(-1, vocab),
                              rows["input_ids"][:, 1:].reshape(-1)).item()
    assert eval_loss == pytest.approx(by_hand, rel=1e-4)
    floor = np.nanmean(np.stack([np.asarray(r, float) for r in
                                 data["val"].with_format("numpy")[:]["optimal_nll"]]))
    assert floor - 0.01 < eval_loss < math.log(vocab)


def test_nanogpt_sample_decoding_gives_the_languages_strings(exported: Path) -> None:
    """nanoGPT's sample.py, its own lines: the default start is SEP and the decoded stream is
    the language's strings, one per line."""
    meta = pickle.loads((exported / "meta.pkl").read_bytes())
    stoi, itos = meta["stoi"], meta["itos"]
    encode = lambda s: [stoi[c] for c in s]  # noqa: E731  (sample.py's own lines)
    decode = lambda l: "".join([itos[i] for i in l])  # noqa: E731, E741
    assert encode("\n") == [0]
    val = np.memmap(exported / "val.bin", dtype=np.uint16, mode="r")
    text = decode(val[:2000].astype(int).tolist())
    strings = text.split("\n")[1:-1]  # whole strings between separators
    language = build_language(load_language_config(LANGUAGE))
    assert len(strings) > 20
    assert all(language.dfa.accepts(s) for s in strings)
    assert all(len(c) == 1 for c in itos.values())


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


def test_val_optimal_is_the_floor_at_the_stated_context(tmp_path: Path) -> None:
    """At context 1 each val.bin token's floor is the exact bigram conditional: its mean is
    the conditional entropy that bigram counts of a long sample estimate; at the export's
    context the mean is far lower, and meta.json's window floor lies between the entropy rate
    and that bigram floor."""
    out = tmp_path / "c1"
    subprocess.run([sys.executable, "-m", "regscale", "export", "--language", LANGUAGE,
                    "--tokens", "2e5", "--val-tokens", "2e5", "--window", "32", "--context",
                    "1", "--out", str(out)], check=True, capture_output=True)
    val = np.fromfile(out / "val.bin", dtype=np.uint16).astype(int)
    optimal = np.fromfile(out / "val_optimal.bin", dtype=np.float32)
    assert len(optimal) == len(val)
    train = np.fromfile(out / "train.bin", dtype=np.uint16).astype(int)
    vocab = int(train.max()) + 1
    counts = np.zeros((vocab, vocab))
    np.add.at(counts, (train[:-1], train[1:]), 1)
    conditional = counts / counts.sum(1, keepdims=True)
    with np.errstate(divide="ignore"):
        empirical = -np.log(conditional[val[:-1], val[1:]])
    assert np.isfinite(empirical).all()
    assert optimal[1:].mean() == pytest.approx(empirical.mean(), abs=0.01)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["context"] == 1 and meta["entropy_rate_bits"] == pytest.approx(
        meta["entropy_rate_nats"] / math.log(2))
    wide = tmp_path / "c32"
    subprocess.run([sys.executable, "-m", "regscale", "export", "--language", LANGUAGE,
                    "--tokens", "2e4", "--val-tokens", "2e4", "--window", "32", "--out",
                    str(wide)], check=True, capture_output=True)
    at_32 = json.loads((wide / "meta.json").read_text())
    rate = at_32["entropy_rate_nats"]
    assert rate < at_32["window_floor_nats"] < optimal[1:].mean()
    assert np.fromfile(wide / "val_optimal.bin", dtype=np.float32)[32:].mean() < \
        at_32["window_floor_nats"]  # the last position sees the most
