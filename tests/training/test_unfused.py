"""A fused group left with too few members goes on solo, as if its members had trained alone."""

from __future__ import annotations

import contextlib

import pytest
import torch

from regscale.models.registry import MODELS, ModelConfig, build_model, fused_form
from regscale.training.distributed import DistInfo
from regscale.training.model_group import FusedGroup, SoloGroup, SoloSet
from regscale.training.run_config import OptimConfig

VOCAB, CONTEXT, ROWS = 5, 16, 8


def model(arch: str, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return build_model(ModelConfig(arch=arch, size="pico", context=CONTEXT), VOCAB)


@pytest.mark.parametrize("arch", sorted(MODELS))
def test_the_last_member_goes_on_solo_with_its_weights_moments_and_memory(arch: str) -> None:
    optim = OptimConfig(lr=3e-3, grad_clip=1.0)
    cpu = torch.device("cpu")
    solos = [model(arch, seed) for seed in (0, 1)]
    fused_class = fused_form(solos[0])
    assert fused_class is not None
    group = FusedGroup(solos, fused_class, optim, cpu)
    reference_model = model(arch, 1)
    reference = SoloGroup(reference_model, optim, cpu, reference_model, DistInfo())
    gen = torch.Generator().manual_seed(0)
    batches = [torch.randint(0, VOCAB, (2, ROWS, CONTEXT + 1), generator=gen)
               for _ in range(8)]
    rates = [3e-3, 2e-3]
    none = contextlib.nullcontext()
    ours, theirs = [], []
    for step, batch in enumerate(batches):
        if step == 3:  # member 0 has finished
            group.keep([1])
            assert group.members < fused_class.min_members
            unfused = group.unfused()
            assert isinstance(unfused, SoloSet) and unfused.members == 1
            group = unfused
        if step < 3:
            ours.append(group.train_step([batch[0], batch[1]], rates, none)[1])
        else:
            ours.append(group.train_step([batch[1]], rates[1:], none)[0])
        theirs.append(reference.train_step([batch[1]], rates[1:], none)[0])
    assert ours == pytest.approx(theirs, rel=1e-5)  # moments lost would change steps 4-8
    for name, tensor in reference_model.state_dict().items():
        torch.testing.assert_close(group.view(0).state_dict()[name], tensor, rtol=1e-4,
                                   atol=1e-6)


def test_a_group_with_enough_members_stays_fused() -> None:
    solos = [model("gpt", seed) for seed in range(3)]
    fused_class = fused_form(solos[0])
    assert fused_class is not None
    group = FusedGroup(solos, fused_class, OptimConfig(), torch.device("cpu"))
    group.keep([0, 2])
    assert group.unfused() is group
