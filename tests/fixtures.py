"""Named example languages shared by the tests, with independent Python predicates."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable


def tomita3(w: str) -> bool:
    """No odd run of 1s directly followed by an odd run of 0s (a maximal run of 0s)."""
    runs = re.findall(r"1+|0+", w)
    for a, b in itertools.pairwise(runs):
        if a[0] == "1" and len(a) % 2 == 1 and b[0] == "0" and len(b) % 2 == 1:
            return False
    return True


PREDICATES: dict[str, Callable[[str], bool]] = {
    "tomita1": lambda w: "0" not in w,
    "tomita2": lambda w: re.fullmatch("(10)*", w) is not None,
    "tomita3": tomita3,
    "tomita4": lambda w: "000" not in w,
    "tomita5": lambda w: w.count("0") % 2 == 0 and w.count("1") % 2 == 0,
    "tomita6": lambda w: (w.count("0") - w.count("1")) % 3 == 0,
    "tomita7": lambda w: re.fullmatch("0*1*0*1*", w) is not None,
    "parity": lambda w: w.count("1") % 2 == 0,
    "a_star_b": lambda w: re.fullmatch("a*b", w) is not None,
    "ab_star": lambda w: re.fullmatch("(ab)*", w) is not None,
    "count_mod2": lambda w: w.count("a") % 2 == 0,
    "count_mod3": lambda w: w.count("a") % 3 == 0,
    "count_mod5": lambda w: w.count("a") % 5 == 0,
    "last_a_12": lambda w: len(w) >= 13 and w[-13] == "a",
}
"""Catalog language -> membership predicate written independently of its definition."""

# Small regexes with their minimal DFA sizes (live states), used across the tests.
EXAMPLE_REGEXES: dict[str, int] = {
    "a*b": 2,
    "(a|b)*": 1,
    "(ab)*": 2,
    "(a|b)*a(a|b){3}": 16,
    "a{2,4}": 5,
    "[a-c]+d?": 3,
}
