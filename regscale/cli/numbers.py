"""Click parameter types for the numbers researchers type: ``2e5`` tokens, ``1e6`` tokens."""

from __future__ import annotations

import math
from typing import Any

import click


class Count(click.ParamType):  # type: ignore[type-arg]
    """A non-negative whole number, also written in scientific notation (``2e5``)."""

    name = "count"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            number = float(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number) or number < 0 or number != int(number):
            self.fail(f"{value!r} is not a whole non-negative number", param, ctx)
        return int(number)


COUNT = Count()
