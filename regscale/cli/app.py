"""The click group; bad input (:class:`~regscale.errors.RegscaleError`) exits 1 with one line."""

from __future__ import annotations

import sys
from typing import Any

import click

from regscale import __version__
from regscale.errors import RegscaleError


class _Group(click.Group):
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


def _register() -> None:
    from regscale.cli import gen, inspect, sweep, train, transfer

    for module in (gen, inspect, train, transfer):
        cli.add_command(module.command)
    for command in (sweep.sweep_command, sweep.collect_command, sweep.fit_command,
                    sweep.report_command):
        cli.add_command(command)


_register()


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
