"""The secret key of pseudonymisation: made by ``hiring-funnel keygen``, read with checks.

A key file holds the key as hexadecimal text (``keygen`` writes 32 random bytes
as 64 hex digits and a newline); a file that is not hex text is taken as the
key's raw bytes. :func:`read_key` refuses, each with one line that never shows
the file's contents:

- a missing file, or one that is not a regular file;
- a file that other users may read or write (any of the mode bits ``0o077``):
  whoever reads the key can re-identify every pseudonym (``chmod 600 FILE``);
- a key of fewer than :data:`MIN_KEY_BYTES` bytes, or one with so few
  different bytes that it cannot be random (a password, a repeated character).

:func:`write_key` makes the file with mode 0600 from the first byte (never
readable by others, whatever the umask) and never replaces an existing key: a
key replaced is every earlier pseudonym made unjoinable. It does not go through
:mod:`hiring_funnel.outputs`, whose temporaries take the umask's mode and whose
``force`` replaces files; it writes a temporary with ``O_EXCL`` and mode 0600,
fsyncs it and hard-links it to the name (which fails if the name exists), so
the key appears whole or not at all.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

from hiring_funnel.schema import HiringFunnelError

__all__ = ["MIN_KEY_BYTES", "check_key", "new_key", "read_key", "write_key"]

#: The least number of bytes of a key (256 bits, the size of an HMAC-SHA-256 block's output).
MIN_KEY_BYTES = 32
#: A key file longer than this is not a key file (a key is 32 to a few hundred bytes).
MAX_KEY_FILE_BYTES = 4096
#: A random key of 32 bytes has about 30 different byte values; fewer than this is no random key.
MIN_DISTINCT_BYTES = 12
_HEX = re.compile(rb"(?:[0-9a-fA-F]{2})+")
_MAKE_ONE = "make one with `hiring-funnel keygen FILE`"


def new_key() -> bytes:
    """A new random key of :data:`MIN_KEY_BYTES` bytes from the system's secure source.

    Examples
    --------
    >>> len(new_key()), new_key() != new_key()
    (32, True)
    """
    return secrets.token_bytes(MIN_KEY_BYTES)


def check_key(key: object) -> bytes:
    """Return ``key`` if it is bytes of a random-looking key of at least 32 bytes, else raise.

    Raises
    ------
    HiringFunnelError
        Saying what is wrong with the key, never showing it.

    Examples
    --------
    >>> check_key(bytes(range(32))) == bytes(range(32))
    True
    >>> check_key(b"secret")
    Traceback (most recent call last):
    ...
    hiring_funnel.schema.HiringFunnelError: the key is 6 bytes long; a key of at least 32 random bytes is needed (make one with `hiring-funnel keygen FILE`)
    """
    if not isinstance(key, bytes | bytearray):
        raise HiringFunnelError(
            f"the key must be bytes, not {type(key).__name__}",
            hint="read a key file with hiring_funnel.pseudonymisation.read_key",
        )
    if len(key) < MIN_KEY_BYTES:
        raise HiringFunnelError(
            f"the key is {len(key)} bytes long; a key of at least {MIN_KEY_BYTES} random "
            "bytes is needed",
            hint=_MAKE_ONE,
        )
    if len(set(key)) < MIN_DISTINCT_BYTES:
        raise HiringFunnelError(
            f"the key has only {len(set(key))} different byte values, so it is not random",
            hint=_MAKE_ONE,
        )
    return bytes(key)


def read_key(path: str | os.PathLike[str]) -> bytes:
    """Read and check the key in ``path`` (hex text, or raw bytes).

    Raises
    ------
    HiringFunnelError
        For a missing file, a file others may read, or a key that is too short;
        the message names the file and never shows its contents.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "k.key"
    >>> _ = write_key(path)
    >>> len(read_key(path))
    32
    >>> path.chmod(0o644)
    >>> read_key(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hiring_funnel.schema.HiringFunnelError: ...k.key: other users may read the key file (mode 0644)...
    """
    name = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise HiringFunnelError("key file not found", file=name, hint=_MAKE_ONE) from None
    except OSError as exc:
        raise HiringFunnelError(
            f"cannot read the key file: {exc.strerror or type(exc).__name__}", file=name
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise HiringFunnelError("the key file is not a regular file", file=name, hint=_MAKE_ONE)
    mode = stat.S_IMODE(st.st_mode)
    if os.name == "posix" and mode & 0o077:
        raise HiringFunnelError(
            f"other users may read the key file (mode {mode:04o}); whoever reads the key can "
            "re-identify every pseudonym",
            file=name,
            hint=f"chmod 600 {Path(name).name}, and make a new key if others may have read it",
        )
    if st.st_size > MAX_KEY_FILE_BYTES:
        raise HiringFunnelError(
            f"the key file is {st.st_size} bytes long, too long to be a key file",
            file=name,
            hint=_MAKE_ONE,
        )
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise HiringFunnelError(
            f"cannot read the key file: {exc.strerror or type(exc).__name__}", file=name
        ) from None
    text = data.strip()
    key = bytes.fromhex(text.decode("ascii")) if _HEX.fullmatch(text) else data
    try:
        return check_key(key)
    except HiringFunnelError as exc:
        raise HiringFunnelError(exc.message, file=name, hint=exc.hint) from None


def write_key(path: str | os.PathLike[str]) -> Path:
    """Write a new random key to ``path`` (mode 0600); never replaces a file.

    Raises
    ------
    HiringFunnelError
        If ``path`` exists or cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = write_key(pathlib.Path(tempfile.mkdtemp()) / "k.key")
    >>> oct(path.stat().st_mode & 0o777), len(path.read_text())
    ('0o600', 65)
    """
    target = Path(path)
    name = str(path)
    if os.path.lexists(target):
        raise HiringFunnelError(
            "already exists; a key is never replaced (pseudonyms made with it could no longer "
            "be joined with new ones)",
            file=name,
            hint="choose another name, or remove the old key yourself if it is no longer needed",
        )
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except OSError as exc:
        raise HiringFunnelError(
            f"cannot write the key file: {exc.strerror or type(exc).__name__}", file=name
        ) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), 0o600)  # whatever the umask did
            f.write(new_key().hex().encode("ascii") + b"\n")
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, target)  # fails if the name was taken meanwhile: never replaces
    except FileExistsError:
        raise HiringFunnelError(
            "already exists; a key is never replaced", file=name, hint="choose another name"
        ) from None
    except OSError as exc:
        raise HiringFunnelError(
            f"cannot write the key file: {exc.strerror or type(exc).__name__}", file=name
        ) from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    return target
