"""Runs at the floor are drawn on the bottom edge of a log axis, not clipped to a made-up value,
and the limits the other data set are kept."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from regscale.report.sweep_plots import FLOOR_LABEL, _floor_marks


def test_floor_marks_sit_on_the_axis_edge() -> None:
    fig, ax = plt.subplots()
    ax.scatter([1e3, 1e4], [0.1, 0.02])
    ax.set(xscale="log", yscale="log")
    limits = ax.get_ylim()
    _floor_marks(ax, [(3e3, "red", "o"), (5e3, "blue", "s")])
    assert ax.get_ylim() == limits
    marks = [c for c in ax.collections if c.get_label() == FLOOR_LABEL or
             np.allclose(c.get_offsets()[:, 1], limits[0])]
    assert len(marks) == 2
    for mark in marks:
        assert np.allclose(mark.get_offsets()[:, 1], limits[0])
        assert not mark.get_clip_on()
    assert min(o[1] for c in ax.collections for o in c.get_offsets()) >= limits[0]
    plt.close(fig)
