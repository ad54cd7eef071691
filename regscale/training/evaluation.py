"""Evaluation of a model on the fixed held-out set, against the exact optimum where known.

Per evaluation, on the same target tokens: loss (nats/token), bits/token and next-token
accuracy, and the standard error of the loss (``loss_se``: the spread of the rows' mean losses
over the square root of the number of rows; tokens within a row are correlated, rows are drawn
independently). For a regular language also the Bayes-optimal loss, excess loss = model - optimal
with its standard error ``excess_se`` (the same rule applied to the per-row excess, paired on the
same tokens), and valid mass (the model's probability on tokens that keep the prefix live).
:func:`acceptance_rate` gives the fraction of free-running model samples (strings generated from
SEP until the next SEP) that the DFA accepts; the loop measures it once, for the best model.
For a natural language also bits per byte and bits per character.
"""

from __future__ import annotations

import math
from contextlib import AbstractContextManager
from typing import Any

import torch
from torch.nn import functional as F

from regscale.models.base import SequenceModel
from regscale.sources.automaton import SEP
from regscale.training.eval_set import EvalSet
from regscale.training.grammar_data import GrammarTrainingData
from regscale.training.regular_data import RegularTrainingData

LN2 = math.log(2)


@torch.no_grad()
def evaluate(model: SequenceModel, eval_set: EvalSet, autocast: AbstractContextManager[Any]
             ) -> dict[str, float]:
    """Loss, optimum, excess, accuracy and valid mass on ``eval_set`` (means over targets)."""
    was_training = model.training
    model.eval()
    memory = None
    total = {"nll": 0.0, "correct": 0.0, "valid_mass": 0.0}
    row_nll: list[torch.Tensor] = []
    for segment in range(eval_set.tokens.shape[0]):
        batch = eval_set.tokens[segment]
        with autocast:
            logits, memory = model(batch[:, :-1], memory if model.stateful else None)
        log_probs = F.log_softmax(logits.float(), dim=-1)
        targets = batch[:, 1:]
        nll = -log_probs.gather(-1, targets[..., None])[..., 0].double()
        row_nll.append(nll.mean(-1))
        total["nll"] += nll.sum().item()
        total["correct"] += (log_probs.argmax(-1) == targets).sum().item()
        if eval_set.valid is not None:
            valid = eval_set.valid[segment]  # tokens beyond the language's (padding) never are
            mass = (log_probs[..., :valid.shape[-1]].exp() * valid.to(log_probs.dtype)).sum(-1)
            total["valid_mass"] += mass.sum().item()
    model.train(was_training)
    n = eval_set.n_targets
    loss = total["nll"] / n
    rows = torch.stack(row_nll)  # float64[S, R]: mean loss of each row of each segment
    metrics = {"loss": loss, "loss_se": standard_error(rows.mean(0)),
               "bits_per_token": loss / LN2, "accuracy": total["correct"] / n}
    if eval_set.char_start is not None:
        metrics.update(bits_per_byte=loss / LN2,
                       bits_per_char=total["nll"] / LN2 / int(eval_set.char_start.sum().item()))
    if eval_set.optimal_nll is not None:
        optimal = eval_set.optimal_nll.mean().item()
        row_excess = (rows - eval_set.optimal_nll.mean(-1)).mean(0)
        metrics.update(optimal_loss=optimal, excess_loss=loss - optimal,
                       excess_se=standard_error(row_excess),
                       excess_bits=(loss - optimal) / LN2, valid_mass=total["valid_mass"] / n)
    return metrics


def standard_error(row_means: torch.Tensor) -> float:
    """Standard error of the mean of independent rows (NaN for a single row)."""
    if row_means.numel() < 2:
        return math.nan
    return float(row_means.std(unbiased=True).item() / math.sqrt(row_means.numel()))


def binomial_standard_error(fraction: float, n: int) -> float:
    """Standard error of a fraction of ``n`` independent trials (NaN for none)."""
    return math.sqrt(fraction * (1 - fraction) / n) if n else math.nan


@torch.no_grad()
def sample_from_model(model: SequenceModel, n: int, max_len: int, *, context: int, seed: int,
                      device: torch.device, autocast: AbstractContextManager[Any]
                      ) -> list[list[int] | None]:
    """Free-running strings: start at SEP, sample until SEP; None where ``max_len`` ran out.

    Models with memory carry it from step to step. A GPT decodes with cached keys and values
    while the string fits its context (then it recomputes the last ``context`` tokens), and a
    row leaves the batch as soon as it emits SEP.
    """
    was_training = model.training
    model.eval()
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    decode = getattr(model, "decode", None)
    rows = torch.arange(n, device=device)  # which samples are still being written
    seqs = torch.full((n, 1), SEP, dtype=torch.long, device=device)
    step_input, memory, cache = seqs, None, None
    out: list[list[int] | None] = [None] * n
    for _ in range(max_len + 1):
        with autocast:
            if model.stateful:
                logits, memory = model(step_input, memory)
            elif decode is not None and seqs.shape[1] <= context:
                logits, cache = decode(step_input, cache)
            else:
                logits, _ = model(seqs[:, -context:])
        probs = F.softmax(logits[:, -1].float(), dim=-1)
        nxt = torch.multinomial(probs, 1, generator=gen)
        seqs = torch.cat([seqs, nxt], dim=1)
        step_input = nxt
        ended = (nxt[:, 0] == SEP) & (rows >= 0)
        if bool(ended.any()):
            for row, seq in zip(rows[ended].tolist(), seqs[ended, 1:-1].tolist(), strict=True):
                out[row] = seq
            if model.stateful:  # memory layouts differ by model: keep the rows, ignore them
                rows = torch.where(ended, -1, rows)
            else:
                keep = ~ended
                rows, seqs, step_input = rows[keep], seqs[keep], step_input[keep]
                cache = None if cache is None else [(k[keep], v[keep]) for k, v in cache]
        if not bool((rows >= 0).any()):
            break
    model.train(was_training)
    return out


def acceptance_rate(model: SequenceModel, data: RegularTrainingData | GrammarTrainingData,
                    n: int, *, context: int, seed: int, device: torch.device,
                    autocast: AbstractContextManager[Any]) -> float:
    """Fraction of ``n`` free-running samples the DFA (or the grammar's parser) accepts
    (unfinished ones count as not)."""
    mean_length = data.mean_string_length
    max_len = int(min(4 * mean_length + 16, 512))
    samples = sample_from_model(model, n, max_len, context=context, seed=seed, device=device,
                                autocast=autocast)
    return sum(s is not None and data.accepts(s) for s in samples) / n
