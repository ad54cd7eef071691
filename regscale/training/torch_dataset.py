"""Any regscale language as a ``torch.utils.data.IterableDataset``, for training stacks other
than regscale's own loop (nanoGPT, litgpt, Hugging Face ``Trainer``, a plain ``DataLoader``).

Items are windows of ``window + 1`` tokens drawn as the loop draws them (a window of a regular
language starts at a random position of the packed stream of strings; of a natural language at
a random position of the corpus), given as ``input_ids`` and ``labels`` (the same window shifted
by one) and ``optimal_nll``: the exact Bayes-optimal loss of each label given the window before
it, in nats (NaN for a natural language, which has no exact floor). A model's mean loss minus
the mean ``optimal_nll`` is its excess loss, as regscale reports it.

Windows come in blocks of ``block``; block ``b`` is drawn from its own seed (the dataset seed and
``b``), so it is the same whoever draws it. With ``num_workers = W``, worker ``w`` draws blocks
``w, w + W, ...``: no block twice, and a ``DataLoader`` with ``batch_size = block`` yields block
0, 1, 2, ... in order whatever ``W`` is. :meth:`LanguageStream.state_dict` after consuming
``n`` items and :meth:`LanguageStream.from_state_dict` resume exactly there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from regscale.errors import ConfigError
from regscale.sources.catalog import load_language_config
from regscale.sources.language_config import LanguageConfig
from regscale.training.data import TrainingData, training_data

SPLITS = ("train", "val")
"""``train`` draws from the training stream; ``val`` from held-out data: a regular language's
stream under other seeds, a natural language's held-out text (consecutive windows, cycling)."""


def block_seed(seed: int, block: int, split: str = "train") -> int:
    """The seed of one block: independent streams for different blocks, splits and seeds."""
    entropy = [seed, SPLITS.index(split), block]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint32)[0])


class LanguageStream(IterableDataset[dict[str, torch.Tensor]]):
    """Windows of a language, endless, with their exact per-token optimal loss (module
    docstring).

    Parameters
    ----------
    language
        A name ``regscale`` resolves (catalog name, ``dfa:...``, a language file), or its
        config.
    window
        Tokens per item (``input_ids`` and ``labels`` each have ``window``).
    block
        Windows drawn together, and the ``DataLoader`` batch size for which items come in
        order.
    seed
        The dataset's seed.
    start
        Items to skip (a multiple of ``block``): where a resumed stream begins.
    split
        ``train`` or ``val`` (:data:`SPLITS`).
    """

    def __init__(self, language: str | LanguageConfig, *, window: int, block: int = 32,
                 seed: int = 0,
                 start: int = 0, split: str = "train") -> None:
        super().__init__()
        if window < 1 or block < 1 or start < 0 or start % block:
            raise ConfigError(f"window and block must be >= 1 and start a multiple of block, "
                              f"got window={window}, block={block}, start={start}")
        if split not in SPLITS:
            raise ConfigError(f"unknown split {split!r}; choose one of {SPLITS}")
        self.split = split
        self.config = load_language_config(language) if isinstance(language, str) \
            else language  # a name fails here, in one line, if unknown
        self.language, self.window, self.block = language, window, block
        self.seed, self.start = seed, start
        self._data: TrainingData | None = None

    @property
    def data(self) -> TrainingData:
        """The language's training data, built in each worker on first use."""
        if self._data is None:
            self._data = training_data(self.config, torch.device("cpu"))
        return self._data

    def draw_block(self, index: int, split: str | None = None) -> dict[str, torch.Tensor]:
        """Block ``index`` of ``split`` (default: the stream's): ``input_ids``, ``labels``
        ``long[block, window]`` and ``optimal_nll`` ``float64[block, window]``."""
        data, split = self.data, split or self.split
        if data.natural and split == "val":
            text = torch.as_tensor(np.asarray(data.eval_tokens), dtype=torch.long)
            span = len(text) - self.window
            if span < 1:
                raise ConfigError(f"the held-out text of {data.name!r} is shorter than one "
                                  f"window of {self.window + 1}")
            starts = (np.arange(index * self.block, (index + 1) * self.block)
                      * (self.window + 1)) % span
            tokens = text[torch.as_tensor(starts)[:, None] + torch.arange(self.window + 1)]
        else:
            stream = data.train_stream(stateful=False, batch_size=self.block,
                                       window=self.window + 1,
                                       seed=block_seed(self.seed, index, split),
                                       dataset_tokens=None)
            tokens = stream.next_batch().cpu()
        if data.natural:
            optimal = torch.full((self.block, self.window), float("nan"), dtype=torch.float64)
        else:
            optimal = data.exact_nll(tokens).cpu()
        return {"input_ids": tokens[:, :-1], "labels": tokens[:, 1:], "optimal_nll": optimal}

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        worker = get_worker_info()
        first, step = (0, 1) if worker is None else (worker.id, worker.num_workers)
        index = self.start // self.block + first
        while True:
            items = self.draw_block(index)
            for row in range(self.block):
                yield {key: value[row] for key, value in items.items()}
            index += step

    def state_dict(self, consumed: int) -> dict[str, Any]:
        """Where a stream resumes after ``consumed`` items (a multiple of ``block``)."""
        if consumed % self.block:
            raise ConfigError(f"resume after a whole block: {consumed} items is not a "
                              f"multiple of {self.block}")
        return {"language": self.language, "window": self.window, "block": self.block,
                "seed": self.seed, "start": self.start + consumed, "split": self.split}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> LanguageStream:
        """The stream :meth:`state_dict` describes."""
        return cls(state["language"], window=int(state["window"]),
                   block=int(state["block"]), seed=int(state["seed"]),
                   start=int(state["start"]), split=str(state.get("split", "train")))
