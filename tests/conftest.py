"""Shared test hooks: the fault suite counts the faults it tries and reports them at the end."""

from __future__ import annotations

from typing import Any

import pytest

FAULTS_TRIED: list[str] = []
"""Names of the faults the fault suite injected (tests/test_faults.py)."""


@pytest.fixture
def fault() -> Any:
    """Record a fault by name: ``fault("corrupt summary")``."""
    return FAULTS_TRIED.append


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FAULTS_TRIED:
        kinds = sorted(set(FAULTS_TRIED))
        terminalreporter.write_line(
            f"fault suite: {len(FAULTS_TRIED)} faults tried across {len(kinds)} kinds: "
            + ", ".join(kinds))
