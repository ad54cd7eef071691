"""``regscale train``: one run of the one training loop, with progress and a summary line."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import click

from regscale.cli.language_options import NAMES, language_from_options, language_options
from regscale.cli.numbers import COUNT
from regscale.cli.run_fields import parse_sets, set_option
from regscale.errors import ConfigError, RegscaleError
from regscale.models.registry import MODELS, SIZES, ModelConfig
from regscale.report.learning_curves import run_curves
from regscale.store import RunFolder
from regscale.threads import available_cores, use_threads
from regscale.training.live_metrics import SINKS
from regscale.training.loop import train
from regscale.training.run_config import (
    DataConfig,
    EvalConfig,
    OptimConfig,
    RunConfig,
    SystemConfig,
    override,
)

FLAGS = {"arch": "model.arch", "size": "model.size", "n_layer": "model.n_layer",
         "d_model": "model.d_model", "n_head": "model.n_head", "context": "model.context",
         "tokens": "data.tokens", "dataset_tokens": "data.dataset_tokens",
         "max_string_length": "data.max_string_length",
         "batch_size": "data.batch_size", "lr": "optim.lr", "warmup_steps": "optim.warmup_steps",
         "eval_every": "eval.every_steps", "device": "system.device", "dtype": "system.dtype"}
"""Flag -> run field; a flag not given leaves RunConfig's default."""


def _default(value: object) -> str:
    return f" [default: {value}]"


class RunDivergedError(RegscaleError):
    """The run's loss became NaN or infinite."""


@click.command("train")
@language_options
@click.option("--model", "arch", metavar="NAME",
              help=f"Architecture: {', '.join(sorted(MODELS))}, an installed plug-in, or your "
              "own as module:Name (a SequenceModel builder)." + _default(ModelConfig.arch))
@click.option("--size", type=click.Choice(list(SIZES)),
              help="Size preset (n_layer, d_model, n_head)." + _default(ModelConfig.size))
@click.option("--n-layer", type=int, help="Override the preset's layers.")
@click.option("--d-model", type=int, help="Override the preset's width.")
@click.option("--n-head", type=int, help="Override the preset's heads.")
@click.option("--context", type=int, help="Window/segment." + _default(ModelConfig.context))
@click.option("--tokens", type=COUNT, help="Training budget in tokens (2e5 works)."
              + _default(DataConfig.tokens))
@click.option("--dataset-tokens", type=COUNT, help="Finite dataset of D tokens, repeated, with "
              "early stopping; default: fresh data.")
@click.option("--max-string-length", type=click.IntRange(min=1),
              help="Train on strings of at most L symbols, then evaluate by length bin up to 4L "
                   "(table in summary.json, figure length_generalisation.png).")
@click.option("--batch-size", type=int, help="Global batch." + _default(DataConfig.batch_size))
@click.option("--lr", type=float, help="Peak learning rate." + _default(OptimConfig.lr))
@click.option("--warmup-steps", type=int, help="Linear warm-up."
              + _default(OptimConfig.warmup_steps))
@click.option("--eval-every", type=int, help="Steps between evaluations (and checkpoints)."
              + _default(EvalConfig.every_steps))
@click.option("--seed", type=int, default=0, show_default=True, help="Model and data seed.")
@click.option("--device", help="auto, cpu, cuda, cuda:1." + _default(SystemConfig.device))
@click.option("--dtype", type=click.Choice(["auto", "float32", "bfloat16"]),
              help="auto = bf16 autocast on CUDA, fp32 on CPU." + _default(SystemConfig.dtype))
@click.option("--compile", "compile_", is_flag=True, help="torch.compile the model.")
@click.option("--init-from", type=click.Path(exists=True, dir_okay=False),
              help="Start from these weights (fine-tuning).")
@set_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"),
              show_default=True, help="Parent folder; the run goes to OUT/<run id>.")
@click.option("--resume", is_flag=True, help="Continue an unfinished run from its checkpoint.")
@click.option("--quiet", is_flag=True, help="No per-evaluation lines.")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path),
              help="Draw the run's learning curves (losses, exact floor, excess) to this PNG.")
@click.option("--log", "live", type=click.Choice(SINKS), multiple=True,
              help="Also write every evaluation live, e.g. tensorboard (event files in the run "
              "folder: tensorboard --logdir <out>).")
@click.option("--threads", type=click.IntRange(min=1),
              help="CPU threads (torch, BLAS); default: the cores this process may run on, "
              "shared among torchrun's local processes.")
def command(seed: int, compile_: bool, init_from: str | None, sets: tuple[str, ...], out: Path,
            resume: bool, quiet: bool, png: Path | None, live: tuple[str, ...],
            threads: int | None, **options: Any) -> None:
    """Train one model on one language and compare it with the exact optimum.

    Every evaluation reports loss, the Bayes-optimal loss on the same tokens, excess loss,
    accuracy, valid mass and the DFA acceptance of free-running samples; the run folder gets
    config.json, metrics.jsonl, checkpoint.pt, best_model.pt and summary.json. Flags not given
    keep the defaults every study shares; --set reaches any other field.

    \b
    Examples:
      regscale train --language tomita3 --model gpt --size tiny --tokens 2e5
      regscale train --regex '(a|b)*a(a|b){3}' --model lstm --size mini --dataset-tokens 5e4
      regscale train --language tomita3 --tokens 2e5 --set optim.weight_decay=0
      regscale train --language tomita5 --model lstm --tokens 3e5 --png curves.png
      regscale train --language tomita3 --tokens 2e5 --resume      # after a kill
      regscale train --language tomita3 --model mypkg.models:MyNet --size tiny
      torchrun --nproc_per_node 2 -m regscale train --language parity --device cpu
    """
    language = language_from_options({k: options[k] for k in NAMES})
    changes: dict[str, Any] = {field: options[flag] for flag, field in FLAGS.items()
                               if options[flag] is not None}
    changes.update({"data.seed": seed, "system.seed": seed})
    if compile_:
        changes["system.compile"] = True
    if init_from is not None:
        changes["init_from"] = str(Path(init_from).resolve())
    config = override(RunConfig(language=language), {**changes, **parse_sets(sets)})
    if png is not None and not png.parent.resolve().is_dir():  # before training, not after
        raise ConfigError(f"--png {png}: its folder {png.parent} does not exist")
    folder = out / config.run_id()
    local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    use_threads(threads or max(1, available_cores() // local_processes))
    summary = train(config, folder, resume=resume, log=None if quiet else click.echo,
                    live=live)
    if summary["status"] == "diverged":
        raise RunDivergedError(f"run {summary['run_id']} diverged: {summary['message']}")
    line = (f"{summary['status']}: run {summary['run_id']} in {folder}  "
            f"N={summary['non_embedding_params']:,}  tokens={summary['tokens']:,}  "
            f"loss {summary['loss']:.4f} ± {summary.get('loss_se', math.nan):.4f} nats")
    if "excess_bits" in summary:
        excess_se = summary.get("excess_se", math.nan) / math.log(2)
        line += (f"  optimal {summary['optimal_loss']:.4f}  excess {summary['excess_bits']:.4f} "
                 f"± {excess_se:.4f} bits/token"
                 f"  accepted {summary.get('acceptance', math.nan):.2f} "
                 f"± {summary.get('acceptance_se', math.nan):.2f}")
    click.echo(line)
    if "length_generalisation" in summary:
        _show_lengths(summary, folder)
    if png is not None:
        rows = RunFolder(folder).read_metrics()
        title = f"{summary['language']} {summary['arch']} {summary['size']}"
        click.echo(f"wrote {run_curves(rows, png, title=title)}")


def _show_lengths(summary: dict[str, Any], folder: Path) -> None:
    """The length bins as a table, and their figure in the run folder."""
    from regscale.report.length_figures import length_figure

    rows = summary["length_generalisation"]
    click.echo("length     strings  excess (nats)       valid mass  acceptance")
    for r in rows:
        click.echo(f"{r['bin_low']:>3}-{r['bin_high']:<5} {r['strings']:>7}  "
                   f"{r['excess_nats']:>8.4f} ± {r['excess_se_nats']:.4f}  "
                   f"{r['valid_mass']:>10.3f}  {r['acceptance']:.2f} ± {r['acceptance_se']:.2f}"
                   f" (of {r['samples']})")
    title = (f"{summary['language']} {summary['arch']} {summary['size']}: trained on |w| <= "
             f"{rows[0]['bin_high']}")
    path = length_figure({summary["size"]: rows}, folder / "length_generalisation.png",
                         title=title)
    click.echo(f"wrote {path}")

