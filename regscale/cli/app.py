"""The click group; bad input (:class:`~regscale.errors.RegscaleError`) exits 1 with one line.

Commands are imported when they run, not when the group is built: ``regscale --help`` lists
them from :data:`COMMANDS` without importing torch.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from regscale import __version__
from regscale.errors import RegscaleError

COMMANDS: dict[str, tuple[str, str, str]] = {
    "gen": ("regscale.cli.gen", "command", "Sample strings of a language."),
    "inspect": ("regscale.cli.inspect", "command",
                "Complexity measures, exact entropy and drawings of a language."),
    "train": ("regscale.cli.train", "command", "Train one model on one language."),
    "sweep": ("regscale.cli.sweep", "sweep_command", "Run a sweep, then fit, plot and report."),
    "collect": ("regscale.cli.sweep", "collect_command",
                "Collect a study's runs and learning curves."),
    "fit": ("regscale.cli.sweep", "fit_command", "Fit scaling laws with their verdicts."),
    "report": ("regscale.cli.sweep", "report_command",
               "Figures and report.md of a sweep or transfer study."),
    "transfer": ("regscale.cli.transfer", "command",
                 "Measure transfer: effective data from a source to targets."),
    "score": ("regscale.cli.score", "command",
              "Score a Hugging Face causal LM against a language's exact optimum."),
    "export": ("regscale.cli.export", "command",
               "Write a language's sample as Parquet and nanoGPT .bin files."),
}
"""Command name -> (module, attribute, one-line help shown by ``regscale --help``)."""


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, _, short) in COMMANDS.items()])

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RegscaleError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="regscale")
def cli() -> None:
    """regscale: scaling laws in the complexity of the data.

    \b
    Try:
      regscale gen --regex 'a*b' -n 5
      regscale inspect --language tomita3 --png tomita3.png
      regscale train --language tomita3 --model gpt --size tiny --tokens 2e5
      regscale sweep complexity --preset smoke
      regscale transfer --src en --tgt de --preset smoke
    """


def main() -> None:
    """Console entry point: every error, usage errors included, is one line on stderr."""
    try:
        code = cli.main(standalone_mode=False)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        click.echo(f"Error: {exc.format_message()}{hint}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
