"""The model registry: every architecture and size runs a training step; exactness properties."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn import functional as F

from regscale.errors import ConfigError, UnknownNameError
from regscale.models.registry import MODELS, SIZES, ModelConfig, build_model
from regscale.models.transformer_xl import (
    TransformerXL,
    TransformerXLConfig,
    relative_shift,
    sinusoid,
)

CPU_SIZES = ["pico", "nano", "micro", "tiny", "mini", "small"]


@pytest.mark.parametrize("arch", sorted(MODELS))
@pytest.mark.parametrize("size", ["nano", "tiny"])
def test_every_model_takes_a_training_step(arch: str, size: str) -> None:
    """Each registry entry fits one fixed batch on CPU, and its memory path runs."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch=arch, size=size, context=16), vocab_size=5)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    x = torch.randint(0, 5, (4, 17))
    losses = []
    for _ in range(5):
        logits, _ = model(x[:, :-1])
        assert logits.shape == (4, 16, 5)
        loss = F.cross_entropy(logits.reshape(-1, 5), x[:, 1:].reshape(-1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    _, memory = model(x[:, :-1])
    logits, _ = model(x[:, :-1], model.detach_memory(memory))
    assert logits.shape == (4, 16, 5) and torch.isfinite(logits).all()


def test_size_ladder_spans_two_orders_of_magnitude_on_cpu() -> None:
    for arch in MODELS:
        counts = [build_model(ModelConfig(arch=arch, size=s), 16).non_embedding_params()
                  for s in CPU_SIZES]
        assert counts == sorted(counts)
        assert counts[-1] / counts[0] >= 100
    large = build_model(ModelConfig(arch="gpt", size="large"), 16).non_embedding_params()
    assert 5e7 < large < 1.5e8  # ~100M for the GPU


def test_parameter_counts_and_flops_follow_kaplan() -> None:
    model = build_model(ModelConfig(arch="gpt", size="mini", context=64), vocab_size=16)
    n_layer, d = 4, 128
    assert model.non_embedding_params() == n_layer * (12 * d * d + 4 * d) + 2 * d
    assert model.total_params() == model.non_embedding_params() + 16 * d + 64 * d
    assert model.train_flops_per_token() == 6 * model.non_embedding_params() + 6 * n_layer * 64 * d
    lstm = build_model(ModelConfig(arch="lstm", size="mini", context=64), vocab_size=16)
    assert lstm.train_flops_per_token() == 6 * lstm.non_embedding_params()


@pytest.mark.parametrize("arch", sorted(MODELS))
def test_predictions_do_not_see_the_future(arch: str) -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch=arch, size="micro", context=12), vocab_size=6).eval()
    x = torch.randint(0, 6, (2, 12))
    y = x.clone()
    y[:, 7:] = (y[:, 7:] + 1) % 6
    with torch.no_grad():
        a, _ = model(x)
        b, _ = model(y)
    assert torch.allclose(a[:, :7], b[:, :7], atol=1e-6)
    assert not torch.allclose(a[:, 7:], b[:, 7:], atol=1e-4)


def test_relative_shift_aligns_distances() -> None:
    t, m = 4, 3
    k = t + m
    # raw[i, c] = distance of column c = k - 1 - c; after the shift column j holds i + m - j
    raw = (k - 1 - torch.arange(k)).repeat(t, 1).float()
    shifted = relative_shift(raw[None, None])[0, 0]
    for i in range(t):
        for j in range(i + m + 1):
            assert shifted[i, j] == i + m - j


def test_transformer_xl_memory_equals_one_long_segment() -> None:
    """With memory holding the first segment, segment two sees exactly what a long pass sees."""
    torch.manual_seed(0)
    config = TransformerXLConfig(vocab_size=7, context=8, n_layer=2, n_head=2, d_model=16,
                                 mem_len=8)
    model = TransformerXL(config).eval()
    x = torch.randint(0, 7, (3, 16))
    with torch.no_grad():
        whole, _ = model(x)
        first, memory = model(x[:, :8])
        second, _ = model(x[:, 8:], memory)
    assert torch.allclose(torch.cat([first, second], dim=1), whole, atol=1e-5)


def test_lstm_state_carries_exactly() -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="lstm", size="micro", context=8), 5).eval()
    x = torch.randint(0, 5, (2, 16))
    with torch.no_grad():
        whole, _ = model(x)
        first, memory = model(x[:, :8])
        second, _ = model(x[:, 8:], memory)
    assert torch.allclose(torch.cat([first, second], dim=1), whole, atol=1e-6)


def test_sinusoid_shape_and_values() -> None:
    enc = sinusoid(torch.tensor([0.0, 1.0]), 4)
    assert enc.shape == (2, 4)
    assert enc[1].tolist() == pytest.approx([math.sin(1), math.sin(0.01), math.cos(1),
                                             math.cos(0.01)])


def test_model_config_errors() -> None:
    with pytest.raises(UnknownNameError, match="unknown model"):
        ModelConfig(arch="mamba")
    with pytest.raises(UnknownNameError, match="unknown size"):
        ModelConfig(size="huge")
    with pytest.raises(ConfigError):
        ModelConfig(size=None, n_layer=2)
    with pytest.raises(ConfigError):
        ModelConfig(d_model=-4)
    with pytest.raises(ConfigError, match="must divide"):
        build_model(ModelConfig(size="tiny", n_head=3), 5)


def test_all_sizes_are_named_in_order() -> None:
    assert list(SIZES) == [*CPU_SIZES, "medium", "large"]


@settings(max_examples=20, deadline=None)
@given(size=st.sampled_from(["pico", "nano", "micro"]), length=st.integers(1, 16),
       prefill=st.integers(1, 16), seed=st.integers(0, 1000))
def test_gpt_cached_decoding_gives_the_full_recompute_distributions(
        size: str, length: int, prefill: int, seed: int) -> None:
    """Decoding token by token with cached keys/values (after a prefill) gives the logits of
    running the whole prefix through the model, at every position."""
    torch.manual_seed(seed)
    model = build_model(ModelConfig(arch="gpt", size=size, context=16), vocab_size=7).eval()
    tokens = torch.randint(0, 7, (3, length))
    full, _ = model(tokens)
    first = min(prefill, length)
    logits, cache = model.decode(tokens[:, :first], None)
    steps = [logits]
    for t in range(first, length):
        logits, cache = model.decode(tokens[:, t:t + 1], cache)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), full, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="past the context"):
        model.decode(tokens[:, :1], [(k.repeat(1, 1, 17, 1)[:, :, :16], v[:, :, :1].repeat(
            1, 1, 16, 1)) for k, v in cache])
