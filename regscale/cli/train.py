"""``regscale train``: one run of the one training loop, with progress and a summary line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from regscale.cli.language_options import NAMES, language_from_options, language_options
from regscale.cli.numbers import COUNT
from regscale.errors import RegscaleError
from regscale.models.registry import MODELS, SIZES, ModelConfig
from regscale.training.loop import train
from regscale.training.run_config import (
    DataConfig,
    EvalConfig,
    OptimConfig,
    RunConfig,
    SystemConfig,
)


class RunDivergedError(RegscaleError):
    """The run's loss became NaN or infinite."""


@click.command("train")
@language_options
@click.option("--model", "arch", type=click.Choice(sorted(MODELS)), default="gpt",
              show_default=True, help="Architecture.")
@click.option("--size", type=click.Choice(list(SIZES)), default="tiny", show_default=True,
              help="Size preset (n_layer, d_model, n_head).")
@click.option("--n-layer", type=int, help="Override the preset's layers.")
@click.option("--d-model", type=int, help="Override the preset's width.")
@click.option("--n-head", type=int, help="Override the preset's heads.")
@click.option("--context", type=int, default=64, show_default=True, help="Window/segment.")
@click.option("--tokens", type=COUNT, default=200_000, show_default=True,
              help="Training budget in tokens (2e5 works).")
@click.option("--dataset-tokens", type=COUNT, help="Finite dataset of D tokens, repeated, with "
              "early stopping; default: fresh data.")
@click.option("--batch-size", type=int, default=32, show_default=True)
@click.option("--lr", type=float, default=3e-3, show_default=True, help="Peak learning rate.")
@click.option("--warmup-steps", type=int, default=50, show_default=True)
@click.option("--eval-every", type=int, default=100, show_default=True, help="Steps between "
              "evaluations (and checkpoints).")
@click.option("--seed", type=int, default=0, show_default=True, help="Model and data seed.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:1.")
@click.option("--dtype", type=click.Choice(["auto", "float32", "bfloat16"]), default="auto",
              show_default=True, help="auto = bf16 autocast on CUDA, fp32 on CPU.")
@click.option("--compile", "compile_", is_flag=True, help="torch.compile the model.")
@click.option("--init-from", type=click.Path(exists=True, dir_okay=False),
              help="Start from these weights (fine-tuning).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"),
              show_default=True, help="Parent folder; the run goes to OUT/<run id>.")
@click.option("--resume", is_flag=True, help="Continue an unfinished run from its checkpoint.")
@click.option("--quiet", is_flag=True, help="No per-evaluation lines.")
def command(arch: str, size: str, n_layer: int | None, d_model: int | None, n_head: int | None,
            context: int, tokens: int, dataset_tokens: int | None, batch_size: int, lr: float,
            warmup_steps: int, eval_every: int, seed: int, device: str, dtype: str,
            compile_: bool, init_from: str | None, out: Path, resume: bool, quiet: bool,
            **options: Any) -> None:
    """Train one model on one language and compare it with the exact optimum.

    Every evaluation reports loss, the Bayes-optimal loss on the same tokens, excess loss,
    accuracy, valid mass and the DFA acceptance of free-running samples; the run folder gets
    config.json, metrics.jsonl, checkpoint.pt, best_model.pt and summary.json.

    \b
    Examples:
      regscale train --language tomita3 --model gpt --size tiny --tokens 2e5
      regscale train --regex '(a|b)*a(a|b){3}' --model lstm --size mini --dataset-tokens 5e4
      regscale train --language tomita3 --tokens 2e5 --resume      # after a kill
      torchrun --nproc_per_node 2 -m regscale train --language parity --device cpu
    """
    language = language_from_options({k: options[k] for k in NAMES})
    config = RunConfig(
        language=language,
        model=ModelConfig(arch=arch, size=size, n_layer=n_layer, d_model=d_model,
                          n_head=n_head, context=context),
        data=DataConfig(tokens=tokens, dataset_tokens=dataset_tokens, batch_size=batch_size,
                        seed=seed),
        optim=OptimConfig(lr=lr, warmup_steps=warmup_steps),
        eval=EvalConfig(every_steps=eval_every),
        system=SystemConfig(device=device, dtype=dtype, compile=compile_, seed=seed),
        init_from=None if init_from is None else str(Path(init_from).resolve()),
    )
    folder = out / config.run_id()
    summary = train(config, folder, resume=resume, log=None if quiet else click.echo)
    if summary["status"] == "diverged":
        raise RunDivergedError(f"run {summary['run_id']} diverged: {summary['message']}")
    line = (f"{summary['status']}: run {summary['run_id']} in {folder}  "
            f"N={summary['non_embedding_params']:,}  tokens={summary['tokens']:,}  "
            f"loss {summary['loss']:.4f} nats")
    if "excess_bits" in summary:
        line += (f"  optimal {summary['optimal_loss']:.4f}  excess {summary['excess_bits']:.4f} "
                 f"bits/token  accepted {summary.get('acceptance', float('nan')):.2f}")
    click.echo(line)
