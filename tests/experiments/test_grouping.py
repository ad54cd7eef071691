"""plan_groups: runs of one shape share groups of at most the measured K; the rest train solo."""

from __future__ import annotations

from pathlib import Path

from regscale.experiments.grouping import FUSED_GROUP_SIZES, plan_groups
from regscale.models.fused_lstm import FusedLSTM
from regscale.sources.language_config import LanguageConfig
from regscale.training.loop import train_group
from regscale.training.run_config import RunConfig, override
from tests.training.helpers import small_run


def vocab(language: LanguageConfig) -> int:
    return {"tomita3": 3, "tomita5": 3, "parity": 3}.get(language.name, 5)


def jobs(configs: list[RunConfig]) -> list[tuple[RunConfig, Path]]:
    return [(c, Path(c.run_id())) for c in configs]


def grid() -> list[RunConfig]:
    runs = []
    for lang in ("tomita3", "tomita5", "parity"):
        for tokens in (4096, 16384, 8192):
            for lr in (1e-3, 3e-3):
                runs.append(override(small_run(lang, size="pico", tokens=tokens),
                                     {"optim.lr": lr}))
    return runs


def test_one_shape_fills_groups_up_to_the_limit_in_order_of_steps() -> None:
    runs = grid()
    groups = plan_groups(jobs(runs), max_group=4, device_type="cpu", vocab_size=vocab)
    assert sorted(len(g) for g in groups) == [3, 3, 4, 4, 4]  # 18 runs, balanced
    assert sorted(c.run_id() for g in groups for c, _ in g) == sorted(c.run_id() for c in runs)
    steps = [[c.total_steps for c, _ in g] for g in groups]
    flat = [s for g in steps for s in g]
    assert flat == sorted(flat)  # members of a group end close together


def test_the_measured_size_applies_and_no_fuse_is_solo() -> None:
    runs = grid()
    measured = FUSED_GROUP_SIZES[("cpu", "gpt", "pico")]
    groups = plan_groups(jobs(runs), max_group=None, device_type="cpu", vocab_size=vocab)
    assert len(groups) == -(-len(runs) // measured)  # as few groups as the limit allows
    assert max(len(g) for g in groups) <= measured
    assert max(len(g) for g in groups) - min(len(g) for g in groups) <= 1
    solo = plan_groups(jobs(runs), max_group=1, device_type="cpu", vocab_size=vocab)
    assert [len(g) for g in solo] == [1] * len(runs)
    unmeasured = plan_groups(jobs(runs), max_group=None, device_type="tpu", vocab_size=vocab)
    assert [len(g) for g in unmeasured] == [1] * len(runs)


def test_what_differs_in_shape_never_shares_a_group() -> None:
    base = small_run("tomita3", size="pico")
    runs = [base, override(base, {"optim.lr": 1e-2}),  # these two share
            small_run("a_star_b", size="pico"),  # another vocabulary
            override(base, {"data.batch_size": 8}),
            override(base, {"model.dropout": 0.1}),
            override(base, {"system.compile": True}),
            small_run("tomita3", size="nano"),
            small_run("tomita3", size="pico", arch="lstm")]
    groups = plan_groups(jobs(runs), max_group=8, device_type="cpu", vocab_size=vocab)
    ids = sorted(sorted(c.run_id() for c, _ in g) for g in groups)
    assert sorted([runs[0].run_id(), runs[1].run_id()]) in ids
    assert len(groups) == len(runs) - 1


def plugin_runs(arch: str) -> list[RunConfig]:
    return [override(small_run("tomita3", size="pico", tokens=2048, every=8, samples=0),
                     {"model.arch": arch, "optim.lr": lr}) for lr in (1e-3, 3e-3)]


def test_a_plugin_without_a_fused_form_trains_solo() -> None:
    groups = plan_groups(jobs(plugin_runs("tests.plugins.models:GRU")), max_group=8,
                         device_type="cpu", vocab_size=vocab)
    assert [len(g) for g in groups] == [1, 1]


def test_a_plugin_that_declares_a_fused_form_trains_fused(tmp_path: Path) -> None:
    runs = plugin_runs("tests.plugins.models:FusableGPT")
    groups = plan_groups(jobs(runs), max_group=8, device_type="cpu", vocab_size=vocab)
    assert [len(g) for g in groups] == [2]
    summaries = train_group([(c, tmp_path / c.run_id()) for c in runs], progress=False)
    assert [s["group_size"] for s in summaries] == [2, 2]
    assert all(s["status"] == "completed" for s in summaries)


def test_a_group_too_small_to_pay_for_fusing_trains_solo() -> None:
    fewest = FusedLSTM.min_members  # nn.LSTM alone beats a few fused members
    lstm = [override(small_run("tomita3", arch="lstm", size="pico", tokens=4096 * (1 + k % 2)),
                     {"optim.lr": 1e-2 * (1 + k)}) for k in range(fewest - 1)]
    solo = plan_groups(jobs(lstm), max_group=None, device_type="cpu", vocab_size=vocab)
    assert [len(g) for g in solo] == [1] * len(lstm)
    more = [*lstm, override(lstm[0], {"data.seed": 9})]
    fused = plan_groups(jobs(more), max_group=None, device_type="cpu", vocab_size=vocab)
    assert [len(g) for g in fused] == [len(more)]
    gpt = plan_groups(jobs(grid()[:2]), max_group=None, device_type="cpu", vocab_size=vocab)
    assert [len(g) for g in gpt] == [2]  # two GPTs already pay
