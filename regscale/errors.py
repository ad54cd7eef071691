"""User-facing errors: each is one clear line naming the problem.

The CLI prints ``Error: <message>`` and exits with status 1 for any :class:`RegscaleError`;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class RegscaleError(Exception):
    """Base class of errors caused by bad input, reported as one line without a traceback."""


class InvalidRegexError(RegscaleError):
    """The regex is malformed; the message names the character position."""


class UnsupportedSyntaxError(RegscaleError):
    """The regex uses syntax outside the documented subset (anchors, ``.``, escapes, ...)."""


class EmptyLanguageError(RegscaleError):
    """The language has no words, so it cannot be sampled."""


class StateLimitError(RegscaleError):
    """Subset construction produced more DFA states than the configured limit."""


class ImpossibleTargetsError(RegscaleError):
    """Random-DFA targets (states, transitions, accepting, alphabet) cannot be met."""


class UnknownNameError(RegscaleError):
    """An unknown language, policy, model or corpus name."""


class ConfigError(RegscaleError):
    """A configuration value or file is invalid."""


class StorageError(RegscaleError):
    """A file could not be written (disk full, file too large, permissions)."""


class CorpusMissingError(RegscaleError):
    """A natural-language corpus needs a package that is not installed; says what to install."""


class RunBusyError(RegscaleError):
    """Another process is training the run (it holds the run folder's lock)."""
