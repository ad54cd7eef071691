"""Advisory locks on run and study folders: one writer per run, one per study's tables.

A lock is ``flock(LOCK_EX)`` on a ``.lock`` file in the folder. The kernel releases it when the
holding process exits or is killed, so a SIGKILLed trainer never leaves a stale lock that blocks
a resume. Locks are per open file, so two holders in one process exclude each other too. On
network filesystems this relies on the filesystem's lock support (NFSv4 maps flock onto its
byte-range locks); a shared filesystem without locks makes every lock succeed.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from regscale.errors import StorageError

LOCK_NAME = ".lock"
"""The lock file's name inside a locked folder."""


class FolderLock:
    """An exclusive advisory lock on ``folder/.lock``; created unlocked."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None
        self._created: list[Path] = []  # folders this lock made, deepest last

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self, *, block: bool = False, timeout: float | None = None) -> bool:
        """Take the lock; returns False when another holder has it (and ``block`` is False,
        or ``timeout`` seconds passed).

        Raises
        ------
        StorageError
            The lock file cannot be created (permissions, missing filesystem).
        """
        if self._fd is not None:
            return True
        try:
            missing = [p for p in (self.path.parent, *self.path.parent.parents) if not p.exists()]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(f"could not lock {self.path.parent}: {exc.strerror or exc}"
                               ) from None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if block and deadline is None
                                                  else fcntl.LOCK_NB))
                self._fd = fd
                self._created = missing[::-1]
                return True
            except BlockingIOError:
                if not block or (deadline is not None and time.monotonic() >= deadline):
                    os.close(fd)
                    return False
                time.sleep(0.05)

    def release(self) -> None:
        """Give the lock up (closing the file releases it). A folder the lock created and
        nothing else wrote to (a run that failed before it started) is removed again."""
        if self._fd is None:
            return
        if self._created and os.listdir(self.path.parent) == [LOCK_NAME]:
            self.path.unlink()
            for folder in reversed(self._created):
                try:
                    folder.rmdir()
                except OSError:  # something else lives there now
                    break
        os.close(self._fd)
        self._fd = None
        self._created = []

    def is_held_elsewhere(self) -> bool:
        """Whether another holder has the lock now (this one does not hold it)."""
        if self._fd is not None or not self.path.exists():
            return False
        probe = FolderLock(self.path.parent)
        if probe.acquire():
            probe.release()
            return False
        return True


@contextmanager
def locked(folder: Path) -> Iterator[FolderLock]:
    """Hold ``folder``'s lock for the body, waiting for another holder to let go."""
    lock = FolderLock(folder)
    lock.acquire(block=True)
    try:
        yield lock
    finally:
        lock.release()
