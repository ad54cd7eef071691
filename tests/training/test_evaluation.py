"""Evaluation's standard errors, against an independent computation of the same quantities."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from regscale.models.registry import ModelConfig, build_model
from regscale.sources.catalog import load_language_config
from regscale.training.data import training_data
from regscale.training.evaluation import evaluate


@pytest.mark.parametrize("arch", ["gpt", "lstm"])
def test_standard_errors_are_those_of_the_rows_mean_losses(arch: str) -> None:
    """``loss_se`` and ``excess_se``: the sample standard deviation of the rows' mean loss (mean
    excess) over the square root of the number of rows, recomputed here with
    ``cross_entropy`` and numpy; an untrained model's excess is resolved (SE well below it)."""
    torch.manual_seed(0)
    data = training_data(load_language_config("tomita3"), torch.device("cpu"))
    model = build_model(ModelConfig(arch=arch, size="pico", context=16), data.vocab_size)
    eval_set = data.eval_set(stateful=model.stateful, rows=24, segments=3, window=17, seed=5)
    metrics = evaluate(model, eval_set, contextlib.nullcontext())

    model.eval()
    per_row, memory = [], None
    with torch.no_grad():
        for segment in eval_set.tokens:
            logits, memory = model(segment[:, :-1], memory if model.stateful else None)
            nll = F.cross_entropy(logits.transpose(1, 2), segment[:, 1:], reduction="none")
            per_row.append(nll.double().numpy())
    nll_rows = np.concatenate(per_row, axis=1)  # rows x all targets of the row
    assert eval_set.optimal_nll is not None
    optimal = np.concatenate(list(eval_set.optimal_nll.numpy()), axis=1)
    rows = nll_rows.shape[0]
    expected_loss_se = nll_rows.mean(1).std(ddof=1) / np.sqrt(rows)
    expected_excess_se = (nll_rows - optimal).mean(1).std(ddof=1) / np.sqrt(rows)
    assert metrics["loss_se"] == pytest.approx(expected_loss_se, rel=1e-4)
    assert metrics["excess_se"] == pytest.approx(expected_excess_se, rel=1e-4)
    assert metrics["loss"] == pytest.approx(nll_rows.mean(), rel=1e-5)
    assert 0 < metrics["excess_se"] < metrics["excess_loss"] / 3
