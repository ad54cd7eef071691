"""Sequence models that share one training loop: GPT, Transformer-XL, LSTM."""
