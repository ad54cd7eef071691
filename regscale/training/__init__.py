"""The one training loop and what it needs: configs, data, evaluation, checkpoints, run folders."""
