"""Replacing files whole: the steps of :func:`hiring_funnel.outputs.write_files`.

Each file is written to a temporary beside it (``.NAME.PID.RANDOM.tmp``) and
fsynced; the files about to be replaced get hard-link backups (``.old``); the
renames happen under an exclusive ``flock`` on the folder with SIGINT, SIGTERM
and SIGHUP held back, and a failed rename puts back the files already renamed.
:mod:`hiring_funnel.outputs` says what this guarantees, and its limits.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import IO, Any

from hiring_funnel.schema import HiringFunnelError

#: A function that writes a file's contents to a binary file object.
Writer = Callable[[IO[bytes]], Any]
#: Signals held back while files are renamed (see :class:`HeldSignals`).
_HELD = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
#: Temporaries and backups of this module: ``.NAME.PID.RANDOM.tmp`` or ``.old``.
_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.(?:tmp|old)")
#: Room left for ``.`` + ``.PID.RANDOM.tmp`` under the usual 255-byte name limit.
_NAME_KEPT = 200


def write_error(exc: OSError, path: str | Path, *, previous: str = "file") -> HiringFunnelError:
    """Say in one line what failed when writing ``path``: disk full, read-only, ...

    ``previous`` names what is left as it was ("file", "report", "files").

    Examples
    --------
    >>> import errno, os
    >>> print(write_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), "r.pdf"))
    r.pdf: cannot write: the disk is full (No space left on device) (free some space or write elsewhere; the previous file is unchanged)
    """
    reasons = {
        errno.ENOSPC: ("the disk is full", "free some space or write elsewhere"),
        errno.EDQUOT: ("the disk is full (over quota)", "free some space or write elsewhere"),
        errno.EROFS: ("the file system is read-only", "write elsewhere"),
        errno.EACCES: ("permission denied", "write elsewhere or change the permissions"),
        errno.EPERM: ("permission denied", "write elsewhere or change the permissions"),
        errno.EFBIG: ("the file is larger than the system allows (file size limit)", ""),
        errno.ENOENT: ("the folder does not exist", "make it first"),
        errno.ENOTDIR: ("a part of the path is a file, not a folder", ""),
        errno.EEXIST: ("a part of the path is a file, not a folder", ""),  # from mkdir
        errno.EISDIR: ("it is a folder", "give a file name"),
        errno.ENAMETOOLONG: ("the name is too long", "give a shorter name"),
        errno.EIO: ("input/output error (a failing disk or a lost network drive?)", ""),
    }
    what, fix = reasons.get(exc.errno or 0, (exc.strerror or type(exc).__name__, ""))
    if exc.strerror and exc.strerror.lower() not in what.lower():
        what += f" ({exc.strerror})"
    kept = (
        "nothing was written" if previous == "nothing" else f"the previous {previous} is unchanged"
    )
    return HiringFunnelError(
        f"cannot write: {what}", source=str(path), hint=f"{fix}; {kept}" if fix else kept
    )


def _beside(target: Path, kind: str) -> Path:
    """A hidden name beside ``target`` that no other write can take: ``.NAME.PID.RANDOM.KIND``."""
    return target.with_name(
        f".{target.name[:_NAME_KEPT]}.{os.getpid()}.{secrets.token_hex(4)}.{kind}"
    )


def write_temporary(target: Path, contents: bytes | Writer, previous: str) -> Path:
    """Write ``contents`` to a new temporary beside ``target``, on disk (fsync); return its path."""
    tmp = _beside(target, "tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o666)  # the umask applies, as for any new file
    except OSError as exc:
        raise write_error(exc, target, previous=previous) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):  # keep the permissions of the file replaced
                with suppress(OSError):
                    os.fchmod(f.fileno(), stat.S_IMODE(os.stat(target).st_mode))
            if callable(contents):
                contents(f)
            else:
                f.write(contents)
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the name points at it
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise write_error(exc, target, previous=previous) from exc
        raise
    return tmp


def hard_link_backup(target: Path) -> Path | None:
    """A hard link to the file about to be replaced, to put it back if a later rename fails."""
    if not os.path.lexists(target):
        return None
    backup = _beside(target, "old")
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError:  # no hard links here (FAT, some network drives): no way back
        return None
    return backup


def rename_all(temps: dict[Path, Path], backups: dict[Path, Path], previous: str) -> None:
    """Rename each temporary over its target; if one fails, put back those already renamed."""
    done: list[Path] = []
    for target, tmp in temps.items():
        try:
            os.replace(tmp, target)
        except OSError as exc:
            for renamed in reversed(done):  # put back what was already replaced
                with suppress(OSError):
                    if renamed in backups:
                        os.replace(backups.pop(renamed), renamed)
                    else:  # it did not exist before
                        os.unlink(renamed)
            raise write_error(exc, target, previous=previous) from exc
        done.append(target)


def remove_leftovers(folder: Path, names: set[str], locked: bool) -> None:
    """Remove temporaries and backups of these file names that killed runs left behind.

    Under the lock every one of them is a leftover (a live run writes its
    temporaries only while holding the lock); without a lock only those of
    processes no longer running are.
    """
    kept = {name[:_NAME_KEPT] for name in names}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        m = _LEFTOVER.fullmatch(entry.name)
        if m is None or m["name"] not in kept:
            continue
        if locked or not _running(int(m["pid"])):
            with suppress(OSError):
                os.unlink(entry.path)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is not ours
        return True
    return True


@contextmanager
def folder_lock(folder: Path) -> Iterator[tuple[int | None, bool]]:
    """Hold an exclusive flock on the folder itself (no lock file to leave behind).

    Yields the folder's descriptor (to fsync it) and whether the lock is held.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # a folder cannot be opened on this system: no lock
        yield None, False
        return
    try:
        locked = False
        if sys.platform != "win32":
            import fcntl

            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                locked = True
            except OSError:  # no flock on this file system: go on unlocked
                pass
        yield fd, locked
    finally:
        os.close(fd)  # closing the descriptor releases the lock


class HeldSignals:
    """Hold back SIGINT, SIGTERM and SIGHUP inside ``with``; :meth:`deliver` them afterwards.

    Blocking them with ``pthread_sigmask`` alone is not enough: the mask is
    per thread, and a SIGTERM left to its default action by a thread that
    does not block it (numpy's BLAS threads, tqdm's monitor) still kills the
    process. So in the main thread the handlers are replaced by one that
    only notes the signal; elsewhere (where Python cannot set handlers) the
    signals are at least blocked in this thread.
    """

    def __init__(self) -> None:
        self.caught: list[int] = []
        self._previous: dict[int, Any] = {}
        self._mask: set[int | signal.Signals] | None = None

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.caught.append(signum)

    def __enter__(self) -> HeldSignals:
        if threading.current_thread() is threading.main_thread():
            for sig in _HELD:
                self._previous[sig] = signal.signal(sig, self._note)
        elif hasattr(signal, "pthread_sigmask"):
            self._mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        self._previous = {}
        if self._mask is not None:  # a blocked signal is delivered when unblocked
            signal.pthread_sigmask(signal.SIG_SETMASK, self._mask)
            self._mask = None

    def deliver(self) -> None:
        """Raise the signals noted, now that the files are in place (default: end the process)."""
        for sig in dict.fromkeys(self.caught):
            signal.raise_signal(sig)
        self.caught = []
