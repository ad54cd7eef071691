"""Fused models compute exactly what their members compute alone, segment after segment."""

from __future__ import annotations

import pytest
import torch

from regscale.models.base import SequenceModel
from regscale.models.registry import FUSED_MODELS, MODELS, ModelConfig, build_model, fused_form

VOCAB = 5


def solos(arch: str, k: int, size: str = "nano", context: int = 8) -> list[SequenceModel]:
    models = []
    for seed in range(k):
        torch.manual_seed(seed)
        models.append(build_model(ModelConfig(arch=arch, size=size, context=context), VOCAB))
    return models


def test_every_builtin_model_has_a_fused_form() -> None:
    assert {cls.__name__ for cls in FUSED_MODELS} == \
        {type(solos(arch, 1)[0]).__name__ for arch in MODELS}
    dropout = build_model(ModelConfig(arch="gpt", size="pico", dropout=0.1), VOCAB)
    assert fused_form(dropout) is None


@pytest.mark.parametrize("arch", sorted(MODELS))
@pytest.mark.parametrize("size", ["pico", "micro"])
def test_fused_forward_equals_each_solo_forward(arch: str, size: str) -> None:
    models = solos(arch, 3, size)
    cls = fused_form(models[0])
    assert cls is not None
    fused = cls.stack(models)
    assert set(fused.state_dict()) == set(models[0].state_dict())
    gen = torch.Generator().manual_seed(0)
    memory, solo_memory = None, [None] * 3
    for _ in range(3):  # segments: memory carries for Transformer-XL and LSTM
        tokens = torch.randint(0, VOCAB, (3, 4, 8), generator=gen)
        logits, memory = fused(tokens, memory)
        for k, model in enumerate(models):
            expected, solo_memory[k] = model(tokens[k], solo_memory[k])
            torch.testing.assert_close(logits[k], expected, rtol=1e-5, atol=1e-6)
            if model.stateful:
                for mine, theirs in zip(fused.member_memory(memory, k), solo_memory[k],
                                        strict=True):
                    torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("arch", ["transformer_xl", "lstm"])
def test_a_fresh_member_beside_members_with_memory(arch: str) -> None:
    models = solos(arch, 3)
    cls = fused_form(models[0])
    assert cls is not None
    fused = cls.stack(models)
    gen = torch.Generator().manual_seed(1)
    first = torch.randint(0, VOCAB, (4, 8), generator=gen)
    _, carried = models[0](first)  # member 0 has read a segment; 1 has too; 2 is fresh
    _, carried1 = models[1](first)
    memory = fused.stack_memory([carried, carried1, None])
    tokens = torch.randint(0, VOCAB, (3, 4, 8), generator=gen)
    logits, _ = fused(tokens, memory)
    for k, (model, mem) in enumerate(zip(models, [carried, carried1, None], strict=True)):
        expected, _ = model(tokens[k], mem)
        torch.testing.assert_close(logits[k], expected, rtol=1e-5, atol=1e-6)


def test_members_leave_and_the_rest_are_unchanged() -> None:
    models = solos("gpt", 4)
    cls = fused_form(models[0])
    assert cls is not None
    fused = cls.stack(models)
    fused.keep(torch.tensor([3, 1]))
    assert fused.members == 2
    tokens = torch.randint(0, VOCAB, (2, 2, 8))
    logits, _ = fused(tokens)
    for slot, k in enumerate((3, 1)):
        torch.testing.assert_close(logits[slot], models[k](tokens[slot])[0])
        state = fused.member_state(slot)
        assert all(torch.equal(state[n], t) for n, t in models[k].state_dict().items())
