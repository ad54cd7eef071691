"""Evaluation of a model on the fixed held-out set, against the exact optimum where known.

Per evaluation, on the same target tokens: loss (nats/token), bits/token and next-token
accuracy. For a regular language also the Bayes-optimal loss, excess loss = model - optimal,
valid mass (the model's probability on tokens that keep the prefix live), and the fraction of
free-running model samples (strings generated from SEP until the next SEP) that the DFA accepts.
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
    for segment in range(eval_set.tokens.shape[0]):
        batch = eval_set.tokens[segment]
        with autocast:
            logits, memory = model(batch[:, :-1], memory if model.stateful else None)
        log_probs = F.log_softmax(logits.float(), dim=-1)
        targets = batch[:, 1:]
        total["nll"] += -log_probs.gather(-1, targets[..., None]).sum().item()
        total["correct"] += (log_probs.argmax(-1) == targets).sum().item()
        if eval_set.valid is not None:
            valid = eval_set.valid[segment]  # tokens beyond the language's (padding) never are
            mass = (log_probs[..., :valid.shape[-1]].exp() * valid.to(log_probs.dtype)).sum(-1)
            total["valid_mass"] += mass.sum().item()
    model.train(was_training)
    n = eval_set.n_targets
    loss = total["nll"] / n
    metrics = {"loss": loss, "bits_per_token": loss / LN2, "accuracy": total["correct"] / n}
    if eval_set.char_start is not None:
        metrics.update(bits_per_byte=loss / LN2,
                       bits_per_char=total["nll"] / LN2 / int(eval_set.char_start.sum().item()))
    if eval_set.optimal_nll is not None:
        optimal = eval_set.optimal_nll.mean().item()
        metrics.update(optimal_loss=optimal, excess_loss=loss - optimal,
                       excess_bits=(loss - optimal) / LN2, valid_mass=total["valid_mass"] / n)
    return metrics


@torch.no_grad()
def sample_from_model(model: SequenceModel, n: int, max_len: int, *, context: int, seed: int,
                      device: torch.device, autocast: AbstractContextManager[Any]
                      ) -> list[list[int] | None]:
    """Free-running strings: start at SEP, sample until SEP; None where ``max_len`` ran out."""
    was_training = model.training
    model.eval()
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    tokens = torch.full((n, 1), SEP, dtype=torch.long, device=device)
    memory = None
    step_input = tokens
    done = torch.zeros(n, dtype=torch.bool, device=device)
    for _ in range(max_len + 1):
        with autocast:
            if model.stateful:
                logits, memory = model(step_input, memory)
            else:
                logits, _ = model(tokens[:, -context:])
        probs = F.softmax(logits[:, -1].float(), dim=-1)
        nxt = torch.multinomial(probs, 1, generator=gen)
        tokens = torch.cat([tokens, nxt], dim=1)
        step_input = nxt
        done |= nxt[:, 0] == SEP
        if bool(done.all()):
            break
    model.train(was_training)
    out: list[list[int] | None] = []
    for row in tokens[:, 1:].tolist():
        out.append(row[: row.index(SEP)] if SEP in row else None)
    return out


def acceptance_rate(model: SequenceModel, data: RegularTrainingData, n: int, *, context: int,
                    seed: int, device: torch.device, autocast: AbstractContextManager[Any]
                    ) -> float:
    """Fraction of ``n`` free-running samples the DFA accepts (unfinished ones count as not)."""
    mean_length = data.language.automaton.mean_string_length
    max_len = int(min(4 * mean_length + 16, 512))
    samples = sample_from_model(model, n, max_len, context=context, seed=seed, device=device,
                                autocast=autocast)
    return sum(s is not None and data.accepts(s) for s in samples) / n
