"""Training on natural-language bytes, and moving a model between vocabularies (fine-tuning)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from regscale.errors import ConfigError
from regscale.models.registry import MODELS, ModelConfig
from regscale.sources.catalog import load_language_config
from regscale.store import RunFolder
from regscale.training.loop import train
from regscale.training.run_config import RunConfig, run_config_from_dict
from tests.parallel_corpus import write_language
from tests.training.helpers import small_run


def natural_run(tmp_path: Path, language: str, **kw: object) -> RunConfig:
    config = small_run("a_star_b", **kw)  # type: ignore[arg-type]
    return dataclasses.replace(
        config, language=load_language_config(str(write_language(tmp_path, language))))


@pytest.mark.parametrize("arch", sorted(MODELS))
def test_models_learn_the_fixture_and_report_bits_per_byte_and_char(tmp_path: Path,
                                                                     arch: str) -> None:
    config = natural_run(tmp_path, "en", arch=arch, tokens=40_000, every=10)
    summary = train(config, tmp_path / "run", progress=False)
    rows = RunFolder(tmp_path / "run").read_metrics()
    assert summary["status"] == "completed" and "acceptance" not in rows[-1]
    assert rows[-1]["bits_per_byte"] < 0.6 * rows[0]["bits_per_byte"]  # it learns
    for row in rows:  # ASCII text: one byte per character
        assert math.isclose(row["bits_per_char"], row["bits_per_byte"], rel_tol=1e-9)
        assert math.isclose(row["bits_per_byte"], row["loss"] / math.log(2), rel_tol=1e-12)
    assert summary["corpus"]["eval_tokens_per_char"] == 1.0
    assert summary["complexity"] == {} and summary["entropy_rate_nats"] is None


def test_multibyte_text_has_more_bits_per_char_than_per_byte(tmp_path: Path) -> None:
    config = natural_run(tmp_path, "zh", tokens=10_000, every=10)
    summary = train(config, tmp_path / "run", progress=False)
    ratio = summary["corpus"]["eval_tokens_per_char"]
    assert 2.5 < ratio < 3.0  # CJK is 3 bytes a character; SEP and "." are 1
    assert math.isclose(summary["bits_per_char"], summary["bits_per_byte"] * ratio, rel_tol=0.02)


def test_fine_tuning_moves_a_regular_model_to_bytes_through_a_shared_vocabulary(
        tmp_path: Path) -> None:
    source = dataclasses.replace(small_run("a_star_b", tokens=5_000, samples=0),
                                 model=ModelConfig(size="tiny", context=32, vocab_size=257))
    train(source, tmp_path / "runs" / "src", progress=False)
    target = natural_run(tmp_path, "de", tokens=5_000)
    tuned = dataclasses.replace(target, model=source.model, init_from="src/best_model.pt")
    summary = train(tuned, tmp_path / "runs" / "tuned", progress=False)
    assert summary["status"] == "completed"
    assert run_config_from_dict(tuned.to_dict()) == tuned
    back_unpadded = dataclasses.replace(small_run("a_star_b", tokens=5_000),
                                        init_from="tuned/best_model.pt")
    with pytest.raises(ConfigError, match="do not fit this model"):
        train(back_unpadded, tmp_path / "runs" / "bad", progress=False)
    too_small = dataclasses.replace(target, model=ModelConfig(size="tiny", context=32,
                                                              vocab_size=3))
    with pytest.raises(ConfigError, match="smaller than the language's 257"):
        train(too_small, tmp_path / "runs" / "small", progress=False)


def test_default_vocab_keeps_run_ids_of_older_configs() -> None:
    config = small_run()
    assert "vocab_size" not in config.to_dict()["model"]
    padded = dataclasses.replace(config, model=ModelConfig(size="tiny", context=32,
                                                           vocab_size=300))
    assert padded.to_dict()["model"]["vocab_size"] == 300
    assert padded.run_id() != config.run_id()


def test_fine_tuning_starts_with_an_evaluation_of_the_pretrained_model(tmp_path: Path) -> None:
    source = natural_run(tmp_path, "en", tokens=8_000, every=5)
    first = train(source, tmp_path / "runs" / "src", progress=False)
    tuned = dataclasses.replace(source, init_from="src/best_model.pt",
                                data=dataclasses.replace(source.data, seed=1))
    train(tuned, tmp_path / "runs" / "tuned", progress=False)
    rows = RunFolder(tmp_path / "runs" / "tuned").read_metrics()
    assert rows[0]["step"] == 0 and math.isnan(rows[0]["train_loss"])
    assert rows[0]["loss"] == pytest.approx(first["loss"], rel=1e-6)  # same model, same set
    assert [r["step"] for r in rows].count(0) == 1


def test_finite_data_is_evaluated_at_least_once_per_epoch() -> None:
    from regscale.training.loop import eval_interval

    config = small_run(every=50)  # 32 x 32 = 1024 tokens a step
    assert eval_interval(config) == 50
    finite = dataclasses.replace(config, data=dataclasses.replace(config.data,
                                                                   dataset_tokens=3000))
    assert eval_interval(finite) == 3
    tiny = dataclasses.replace(config, data=dataclasses.replace(config.data, dataset_tokens=40))
    assert eval_interval(tiny) == 1
