"""Scoring outside models against the exact optimum: a uniform model's loss is known exactly;
a tiny GPT-2 built from a config and saved locally is loaded by ``regscale score --hf`` and its
excess falls after a few steps of training."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from regscale.errors import ConfigError
from regscale.sources.catalog import load_language_config
from regscale.training.score import score
from regscale.training.torch_dataset import LanguageStream
from tests.fixtures import PREDICATES

LANGUAGE = "tomita3"


def test_a_uniform_model_scores_exactly_log_v_and_never_below_the_floor() -> None:
    """Logits of zeros over a model vocabulary of 7 (the 3 language tokens mapped to 4..6):
    every token costs log 7 exactly; valid mass is at most 3/7."""
    config = load_language_config(LANGUAGE)
    result = score(lambda ids: torch.zeros(*ids.shape, 7), config, token_map=[4, 5, 6],
                   window=16, rows=64, samples=16)
    assert result["loss_nats"] == pytest.approx(math.log(7), abs=1e-6)  # float32 logits
    assert result["loss_se_nats"] == pytest.approx(0.0, abs=1e-6)
    assert result["excess_nats"] == pytest.approx(math.log(7) - result["optimal_loss_nats"])
    assert result["excess_nats"] > 0 and result["valid_mass"] <= 3 / 7 + 1e-9
    assert len(result["excess_by_position_nats"]) == 16
    # a sample is accepted when its symbols (1/7 each; 4 of 7 ids are outside the language)
    # spell a word of the language before SEP (1/7): sum over words w of (1/7)^(|w| + 1),
    # counted with the language's own predicate (lengths past 14 weigh under 1e-5). On
    # tomita5 that is 0.149, where counting every finished string would give 0.2.
    samples = 2000
    zeros = score(lambda ids: torch.zeros(*ids.shape, 7), load_language_config("tomita5"),
                  token_map=[4, 5, 6], window=16, rows=8, samples=samples)
    words = (w for n in range(15) for w in map("".join, itertools.product("01", repeat=n)))
    exact = sum((1 / 7) ** (len(w) + 1) for w in words if PREDICATES["tomita5"](w))
    spread = math.sqrt(exact * (1 - exact) / samples)
    assert abs(zeros["acceptance"] - exact) <= 4 * spread, (zeros["acceptance"], exact)


def test_a_uniform_model_on_dyck1_accepts_what_the_grammar_predicts() -> None:
    """On a grammar: log 7 per token again, and a uniform sampler's string is accepted with
    probability sum over Dyck words w of (1/7)^(|w| + 1): with C_n words of length 2n, that is
    (1/7) sum_n C_n 49^-n = (1/7) (1 - sqrt(1 - 4/49)) / (2/49)."""
    result = score(lambda ids: torch.zeros(*ids.shape, 7), load_language_config("dyck1"),
                   token_map=[4, 5, 6], window=16, rows=32, samples=2000)
    assert result["loss_nats"] == pytest.approx(math.log(7), abs=1e-6)
    assert result["excess_nats"] > 0 and result["valid_mass"] <= 3 / 7 + 1e-9
    exact = (1 / 7) * (1 - math.sqrt(1 - 4 / 49)) / (2 / 49)
    spread = math.sqrt(exact * (1 - exact) / 2000)
    assert abs(result["acceptance"] - exact) <= 4 * spread, (result["acceptance"], exact)


def test_a_bad_token_map_is_refused() -> None:
    with pytest.raises(ConfigError, match="3 distinct model ids"):
        score(lambda ids: torch.zeros(*ids.shape, 3), load_language_config(LANGUAGE),
              token_map=[0, 0, 1])


def test_a_local_gpt2_scores_through_the_cli_and_learns(tmp_path: Path) -> None:
    transformers = pytest.importorskip("transformers", reason="transformers is not installed "
                                       "(pip install '.[hf]')")
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=3, n_positions=32, n_embd=32, n_layer=1,
                                     n_head=2)
    model = transformers.GPT2LMHeadModel(config)
    model.save_pretrained(tmp_path / "untrained")

    def cli_score(folder: Path) -> dict[str, float]:
        result = subprocess.run(
            [sys.executable, "-m", "regscale", "score", "--language", LANGUAGE, "--hf",
             str(folder), "--token-map", "identity", "--window", "16", "--rows", "64",
             "--samples", "16", "--json"], capture_output=True, text=True, check=True)
        scored: dict[str, float] = json.loads(result.stdout)
        return scored

    before = cli_score(tmp_path / "untrained")
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    stream = iter(torch.utils.data.DataLoader(LanguageStream(LANGUAGE, window=16, block=32),
                                              batch_size=32))
    for _ in range(150):
        batch = next(stream)
        loss = model(input_ids=batch["input_ids"], labels=batch["input_ids"]).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.save_pretrained(tmp_path / "trained")
    after = cli_score(tmp_path / "trained")
    assert after["excess_nats"] < before["excess_nats"] - 3 * before["excess_se_nats"]
    assert after["loss_nats"] >= after["optimal_loss_nats"] - 3 * after["loss_se_nats"]


def test_the_cli_asks_for_an_explicit_mapping(tmp_path: Path) -> None:
    transformers = pytest.importorskip("transformers", reason="transformers is not installed "
                                       "(pip install '.[hf]')")
    transformers.GPT2LMHeadModel(transformers.GPT2Config(
        vocab_size=3, n_positions=16, n_embd=8, n_layer=1, n_head=2)).save_pretrained(tmp_path)
    result = subprocess.run([sys.executable, "-m", "regscale", "score", "--language",
                             LANGUAGE, "--hf", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 1 and "--token-map" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_text_mode_maps_through_the_tokenizer(tmp_path: Path) -> None:
    """A character-level tokenizer saved beside the model: --text gives the same scores as the
    explicit map it implies (newline -> 2, '0' -> 0, '1' -> 1)."""
    transformers = pytest.importorskip("transformers", reason="transformers is not installed "
                                       "(pip install '.[hf]')")
    tokenizers = pytest.importorskip("tokenizers")
    torch.manual_seed(0)
    transformers.GPT2LMHeadModel(transformers.GPT2Config(
        vocab_size=3, n_positions=16, n_embd=8, n_layer=1, n_head=2)).save_pretrained(tmp_path)
    vocab = {"0": 0, "1": 1, "\n": 2}
    backend = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="\n"))
    backend.pre_tokenizer = tokenizers.pre_tokenizers.Split("", "isolated")
    transformers.PreTrainedTokenizerFast(tokenizer_object=backend).save_pretrained(tmp_path)

    def run(*mapping: str) -> dict[str, float]:
        out = subprocess.run([sys.executable, "-m", "regscale", "score", "--language", LANGUAGE,
                              "--hf", str(tmp_path), *mapping, "--window", "8", "--rows",
                              "16", "--samples", "4", "--json"],
                             capture_output=True, text=True, check=True).stdout
        scored: dict[str, float] = json.loads(out)
        return scored

    assert run("--text") == run("--token-map", "2,0,1")
