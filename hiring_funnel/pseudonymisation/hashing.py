"""Keyed pseudonyms and date shifts: HMAC-SHA-256 of normalised identifiers.

- :func:`normalise` makes the spellings of one identifier one text: Unicode
  NFKC without invisible characters, trimmed; an email (a value with ``@``)
  lower-cased; a phone number (digits with ``+ ( ) . - /`` and spaces, at
  least 7 digits) its digits only; anything else with runs of spaces made one,
  and case-folded when it has no digit (a name: "Jane  DOE" is "jane doe"),
  kept in its case when it has one (an id such as "A0001x" is not "a0001x").
- A pseudonym is ``p_`` and the first :data:`PSEUDONYM_HEX` hex digits (80
  bits) of HMAC-SHA-256(key, ``"hiring_funnel.pseudonym" NUL normalised``).
  The same key gives the same pseudonym in every column and every export,
  so pseudonymised files join; another key gives unrelated ones. Without the
  key a pseudonym cannot be checked against a list of emails, unlike a plain
  hash.
- A candidate's date shift is ``-7 * (1 + n mod 26)`` days, n the first 8 bytes
  of HMAC-SHA-256(key, ``"hiring_funnel.shift" NUL normalised``): between 1
  and 26 whole weeks earlier, never 0. Whole weeks keep weekdays; earlier
  keeps every date on or before the export date.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from hiring_funnel.text import clean_id

__all__ = [
    "PSEUDONYM_HEX",
    "PSEUDONYM_PREFIX",
    "SHIFT_WEEKS",
    "hash_kind",
    "normalise",
    "pseudonyms",
    "shift_days",
]

PSEUDONYM_PREFIX = "p_"
#: Hex digits of a pseudonym: 80 bits, a collision between 1e9 identifiers has odds below 1e-6.
PSEUDONYM_HEX = 20
#: Shifts are 1 to this many whole weeks earlier.
SHIFT_WEEKS = 26
_PSEUDONYM_TAG = b"hiring_funnel.pseudonym\x00"
_SHIFT_TAG = b"hiring_funnel.shift\x00"
_PHONE = re.compile(r"\+?[\d\s().\-/]+")
_DIGIT = re.compile(r"\d")
_NOT_DIGIT = re.compile(r"\D")
#: Hex digests by length: what a plain hash of an email looks like in an export.
HASH_LENGTHS = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}
#: The same as a regular expression for DuckDB (RE2) and Python.
HASH_PATTERN = r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128}"
#: A UUID written without dashes is 32 hex digits too, with its version and variant digits.
UUID_PATTERN = r"[0-9a-fA-F]{12}[1-8][0-9a-fA-F]{3}[89abAB][0-9a-fA-F]{15}"
_HASH = re.compile(HASH_PATTERN)


def normalise(value: object) -> str:
    """One text for the spellings of one identifier (see the module's docstring).

    Examples
    --------
    >>> normalise("  Jane.Doe@Example.COM "), normalise("+1 (555) 867-5309")
    ('jane.doe@example.com', '15558675309')
    >>> normalise("Jane   DOE"), normalise("A0001x")
    ('jane doe', 'A0001x')
    """
    text = str(value)
    if not text.isascii():  # ASCII is its own NFKC and holds no invisible character
        text = unicodedata.normalize("NFKC", clean_id(text))
    text = text.strip()
    if "@" in text:
        return text.lower()
    if _PHONE.fullmatch(text):
        digits = _NOT_DIGIT.sub("", text)
        if len(digits) >= 7:
            return digits
    text = " ".join(text.split())
    return text if _DIGIT.search(text) else text.casefold()


class _Keyed:
    """HMAC-SHA-256(key, tag + message) for many messages: RFC 2104 with the pads hashed once.

    The same bytes as :func:`hmac.new` (a test checks it), without building an
    HMAC object per value.
    """

    def __init__(self, key: bytes, tag: bytes) -> None:
        if len(key) > 64:  # the block size of SHA-256
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self.inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + tag)
        self.outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(self, message: str) -> bytes:
        inner = self.inner.copy()
        inner.update(message.encode("utf-8", "surrogatepass"))
        outer = self.outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def pseudonyms(key: bytes, values: Iterable[object]) -> list[str]:
    """The pseudonym of each value, keyed: ``p_`` and 20 hex digits of HMAC-SHA-256.

    Examples
    --------
    >>> key = bytes(range(32))
    >>> a, b, c = pseudonyms(key, ["Kate@example.com", " kate@EXAMPLE.com", "A1"])
    >>> a == b, a.startswith("p_"), len(a), a != c
    (True, True, 22, True)
    >>> pseudonyms(bytes(range(1, 33)), ["Kate@example.com"])[0] != a
    True
    >>> import hmac
    >>> tag = b"hiring_funnel.pseudonym\\x00"
    >>> a == "p_" + hmac.new(key, tag + b"kate@example.com", "sha256").hexdigest()[:20]
    True
    """
    keyed = _Keyed(key, _PSEUDONYM_TAG)
    return [PSEUDONYM_PREFIX + keyed.digest(normalise(v)).hex()[:PSEUDONYM_HEX] for v in values]


def shift_days(key: bytes, values: Iterable[object]) -> list[int]:
    """The date shift of each candidate, in days: -7 to -182, whole weeks, never 0.

    Examples
    --------
    >>> key = bytes(range(32))
    >>> s = shift_days(key, ["kate@example.com", "KATE@example.com", "C2"])
    >>> s[0] == s[1], all(d % 7 == 0 and -182 <= d <= -7 for d in s)
    (True, True)
    """
    keyed = _Keyed(key, _SHIFT_TAG)
    out = []
    for value in values:
        n = int.from_bytes(keyed.digest(normalise(value))[:8], "big")
        out.append(-7 * (1 + n % SHIFT_WEEKS))
    return out


def hash_kind(value: str) -> str | None:
    """The plain hash ``value`` looks like ("SHA-256", "MD5", ...), or None.

    Examples
    --------
    >>> import hashlib
    >>> hash_kind(hashlib.md5(b"kate@example.com").hexdigest()), hash_kind("A0001")
    ('MD5', None)
    """
    text = value.strip()
    if _HASH.fullmatch(text):
        return HASH_LENGTHS[len(text)]
    return None
