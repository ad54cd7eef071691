"""A regscale language as a torch IterableDataset: exact per-token floors, seeded workers that
never repeat a block, order independent of the worker count, exact resume."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader

from regscale.errors import ConfigError
from regscale.sources.catalog import load_language_config
from regscale.sources.language import build_language
from regscale.training.torch_dataset import LanguageStream
from tests.parallel_corpus import write_language

BLOCK = 8


def batches(stream: LanguageStream, workers: int, count: int) -> list[dict[str, torch.Tensor]]:
    loader = DataLoader(stream, batch_size=BLOCK, num_workers=workers)
    out = []
    for batch in loader:
        out.append(batch)
        if len(out) == count:
            break
    return out


def same(a: list[dict[str, torch.Tensor]], b: list[dict[str, torch.Tensor]]) -> bool:
    return len(a) == len(b) and all(torch.equal(x[k], y[k]) for x, y in zip(a, b, strict=True)
                                    for k in ("input_ids", "labels", "optimal_nll"))


def test_workers_share_out_blocks_in_order_and_resume_exactly() -> None:
    stream = LanguageStream("tomita3", window=16, block=BLOCK, seed=3)
    alone = batches(stream, 0, 6)
    pooled = batches(LanguageStream("tomita3", window=16, block=BLOCK, seed=3), 2, 6)
    assert same(alone, pooled)  # two workers: blocks 0..5 in order, none twice
    windows = {tuple(row.tolist()) for b in alone for row in b["input_ids"]}
    assert len(windows) > 40  # 48 windows of 16 symbols, hardly ever equal by chance
    for b in alone:
        assert torch.equal(b["input_ids"][:, 1:], b["labels"][:, :-1])
    resumed = LanguageStream.from_state_dict(stream.state_dict(consumed=4 * BLOCK))
    assert same(batches(resumed, 2, 2), alone[4:])
    other_seed = batches(LanguageStream("tomita3", window=16, block=BLOCK, seed=4), 0, 1)
    assert not torch.equal(other_seed[0]["input_ids"], alone[0]["input_ids"])


def test_the_optimal_loss_approaches_the_exact_entropy_rate() -> None:
    """The floor of a label is at least the entropy rate on average and reaches it once the
    window has seen enough (exact math, regscale.sources.automaton)."""
    language = "dfa:n=8,t=24,f=2,k=4,seed=0"
    rate = build_language(load_language_config(language)).automaton.entropy_rate_nats
    block = LanguageStream(language, window=64, block=512, seed=0).draw_block(0)
    optimal = block["optimal_nll"]
    assert (optimal >= 0).all()
    late = optimal[:, 32:].mean().item()
    standard_error = optimal[:, 32:].mean(1).std().item() / math.sqrt(512)
    assert abs(late - rate) < 4 * standard_error + 1e-3
    assert optimal.mean().item() >= rate - 4 * standard_error


def test_a_natural_language_gives_bytes_and_no_floor(tmp_path: Path) -> None:
    stream = LanguageStream(str(write_language(tmp_path, "en")), window=32, block=4)
    block = stream.draw_block(0)
    assert block["input_ids"].shape == (4, 32) and int(block["input_ids"].max()) < 257
    assert torch.isnan(block["optimal_nll"]).all()


def test_bad_arguments_are_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match="multiple of block"):
        LanguageStream("tomita3", window=8, block=4, start=3)
    with pytest.raises(ConfigError, match="whole block"):
        LanguageStream("tomita3", window=8, block=4).state_dict(consumed=5)
