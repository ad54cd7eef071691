"""Score any causal language model on a regular language against the exact optimum.

``score(model_fn, language)`` takes a callable from token ids ``long[B, T]`` (in the model's own
vocabulary) to logits ``[B, T, V_model]``, and a map from regscale's token ids (``0 = SEP``,
``i + 1`` for symbol ``i``) to the model's. On held-out windows of the language (each cut from a
random position of the packed stream, as GPT evaluation uses them) it reports, with standard
errors over windows:

- ``loss_nats``: the model's log-loss of the actual next token (probability the model puts on
  tokens outside the language counts as lost, nothing is renormalised);
- ``optimal_loss_nats`` and ``excess_nats`` (``excess_bits``): the exact Bayes-optimal loss of
  the same tokens, and the model's excess over it; ``excess_by_position_nats`` (``_bits``): the
  mean excess at each window position; every key with a unit names it;
- ``valid_mass``: the probability the model puts on tokens that keep the prefix live;
- ``acceptance``: the fraction of free-running samples (from SEP to the next SEP) the DFA
  accepts; a sampled token outside the map ends the sample as invalid.

``regscale score --hf DIR`` loads a Hugging Face causal LM from a local directory (never the
hub) and maps the vocabulary explicitly: ``--token-map`` lists the model's id for each regscale
token, or ``--text`` maps SEP to a newline and each symbol to its character through the model's
tokenizer (each must be one token).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.nn import functional as F

from regscale.errors import ConfigError
from regscale.sources.automaton import SEP
from regscale.sources.language_config import LanguageConfig
from regscale.training.data import training_data
from regscale.training.evaluation import binomial_standard_error, standard_error
from regscale.training.grammar_data import GrammarTrainingData
from regscale.training.regular_data import RegularTrainingData

ModelFn = Callable[[torch.Tensor], torch.Tensor]
"""Token ids ``long[B, T]`` -> logits ``float[B, T, V]``."""


@torch.no_grad()
def score(model_fn: ModelFn, language: LanguageConfig, *, token_map: Sequence[int],
          window: int = 64, rows: int = 256, samples: int = 64, seed: int = 1_000_003,
          device: str = "cpu") -> dict[str, Any]:
    """Score ``model_fn`` on ``language`` (module docstring).

    Raises
    ------
    ConfigError
        A natural language (no exact floor), or a map of the wrong length or with repeats.
    """
    data = training_data(language, torch.device(device))
    if data.natural:
        raise ConfigError(f"{language.name} is a natural language: it has no exact floor to "
                          "score against")
    if len(token_map) != data.vocab_size or len(set(token_map)) != len(token_map):
        raise ConfigError(f"the token map needs {data.vocab_size} distinct model ids (SEP, "
                          f"then the symbols {''.join(data.language.alphabet)}), got "
                          f"{list(token_map)}")
    mapping = torch.as_tensor(list(token_map), dtype=torch.long, device=device)
    eval_set = data.eval_set(stateful=False, rows=rows, segments=1, window=window + 1, seed=seed)
    tokens = eval_set.tokens[0]
    log_probs = F.log_softmax(model_fn(mapping[tokens[:, :-1]]).float(), dim=-1)
    if log_probs.shape[:2] != (tokens.shape[0], window):
        raise ConfigError(f"the model returned logits of shape {tuple(log_probs.shape)} for "
                          f"input of shape {(tokens.shape[0], window)}")
    nll = -log_probs.gather(-1, mapping[tokens[:, 1:]][..., None])[..., 0].double()
    assert eval_set.optimal_nll is not None and eval_set.valid is not None
    optimal = eval_set.optimal_nll[0].double()
    excess = nll - optimal
    in_language = log_probs[..., mapping].exp().double()  # [R, T, V_language]
    valid_mass = (in_language * eval_set.valid[0].double()).sum(-1)
    accepted, n = _acceptance(model_fn, data, mapping, window, samples, seed, device)
    bits = math.log(2)
    return {
        "language": data.name, "windows": int(tokens.shape[0]), "window": window,
        "loss_nats": nll.mean().item(), "loss_se_nats": standard_error(nll.mean(1)),
        "optimal_loss_nats": optimal.mean().item(),
        "excess_nats": excess.mean().item(), "excess_se_nats": standard_error(excess.mean(1)),
        "excess_bits": excess.mean().item() / bits,
        "excess_se_bits": standard_error(excess.mean(1)) / bits,
        "valid_mass": valid_mass.mean().item(),
        "acceptance": accepted / n if n else math.nan,
        "acceptance_se": binomial_standard_error(accepted / n, n) if n else math.nan,
        "samples": n,
        "excess_by_position_nats": excess.mean(0).tolist(),
        "excess_by_position_bits": (excess.mean(0) / bits).tolist(),
    }


def _acceptance(model_fn: ModelFn, data: RegularTrainingData | GrammarTrainingData,
                mapping: torch.Tensor,
                window: int, samples: int, seed: int, device: str) -> tuple[int, int]:
    """Accepted free-running samples of ``samples``; full recompute over the last ``window``
    tokens at every step (any model_fn), at most ``4 E|W| + 16`` symbols each."""
    if samples == 0:
        return 0, 0
    back = {int(model_id): token for token, model_id in enumerate(mapping.tolist())}
    max_len = int(min(4 * data.mean_string_length + 16, 512))
    generator = torch.Generator(device=device).manual_seed(seed)
    seqs = torch.full((samples, 1), int(mapping[SEP]), dtype=torch.long, device=device)
    done: list[list[int] | None] = [None] * samples
    open_rows = list(range(samples))
    for _ in range(max_len + 1):
        probs = F.softmax(model_fn(seqs[:, -window:])[:, -1].float(), dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator)
        seqs = torch.cat([seqs, nxt], dim=1)
        keep = []
        for i, row in enumerate(open_rows):
            token = back.get(int(nxt[i, 0]))
            if token is None:
                done[row] = [-1]  # outside the language: never accepted
            elif token == SEP:
                done[row] = [back[int(t)] for t in seqs[i, 1:-1].tolist()]
            else:
                keep.append(i)
        open_rows = [open_rows[i] for i in keep]
        seqs = seqs[keep]
        if not open_rows:
            break
    accepted = sum(s is not None and -1 not in s and data.accepts(s) for s in done)
    return accepted, samples
