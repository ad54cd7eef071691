"""Sweeps: grids of run configs, executors, resumable runs, and the collected results table."""
