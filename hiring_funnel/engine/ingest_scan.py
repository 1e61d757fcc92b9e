"""One vectorised pass over the bytes of a CSV file: where each record starts, and its fields.

DuckDB splits the records into cells; this pass gives each record the
physical line it starts on (the header is line 1; a quoted cell holding line
breaks moves the next record down), as :func:`hiring_funnel.io.readers.read_raw` does
with Python's csv module. It works on chunks of the file with numpy (quote
parity by counting quotes, no loop per row), and says when a file is not
plainly quoted CSV that DuckDB and the csv module are sure to split alike:
then the caller falls back to the pandas reader, which gives the exact error
or reading.

What makes a file "not plain" here (each is rare in exports, and each is
read, or refused, by the pandas path exactly as before):

- a quote that neither opens a cell (at its start) nor closes one (before a
  delimiter or line end), or doubles another inside a quoted cell;
- an unclosed quote, a NUL byte, a carriage return not followed by a newline;
- bytes that are not UTF-8, or a byte-order mark of another encoding;
- a cell longer (in bytes) than ``max_cell_chars``.

On the way it counts, per column, the cells that are not *plain*: a plain
cell is empty, or starts with a printable ASCII character other than a space,
a quote or one of ``=@+-`` and ends with a printable ASCII character other
than a space. Python's ``str.strip()`` leaves a plain cell as it is, and it
never looks like a formula, so the SQL that reads a column of plain cells
needs neither (:attr:`Scan.odd`).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_BOM = b"\xef\xbb\xbf"
_QUOTE, _LF, _CR = 34, 10, 13
_IS_SPACE = np.zeros(256, dtype=bool)
_IS_SPACE[[9, 10, 11, 12, 13, 32]] = True  # what bytes.strip() removes
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
# Bytes that may start or end a plain cell (see the module docstring).
_PLAIN_END = np.zeros(256, dtype=bool)
_PLAIN_END[33:127] = True
_PLAIN_START = _PLAIN_END.copy()
_PLAIN_START[[ord(c) for c in '"=@+-']] = False


class NotPlain(Exception):
    """The file is not plainly quoted UTF-8 CSV; the message says why."""


@dataclass
class Scan:
    """Records of a CSV file: the start line and field count of each non-empty one.

    ``lines`` and ``fields`` have one entry per record that is not an empty
    line (the header included, first); ``empty`` counts empty lines (records
    with no field at all, which the csv module returns as ``[]``).
    """

    lines: np.ndarray
    fields: np.ndarray
    empty: int
    bom: bool
    first_line: bytes
    max_record_bytes: int
    #: Per field position (0 = first column): how many cell starts and ends are
    #: not plain (see the module docstring); 0 or past the end: every cell of
    #: that column is plain. None when the file holds a carriage return: then
    #: no column is taken for plain.
    odd: np.ndarray | None = None
    #: Per field position: how many cells start with one of ``nNmM#``, as every
    #: missing token but ``-`` and ``--`` does (those are not plain).
    tokens: np.ndarray | None = None
    #: Whether a quoted cell holds a line break (a record spans lines).
    multiline: bool = False

    def plain(self, column: int) -> bool:
        """Whether every cell in field position ``column`` is plain."""
        if self.odd is None:
            return False
        return column >= len(self.odd) or not self.odd[column]

    def tokenless(self, column: int) -> bool:
        """Whether every cell of ``column`` is plain and no missing token but ''."""
        if self.tokens is None or not self.plain(column):
            return False
        return column >= len(self.tokens) or not self.tokens[column]


def scan_csv(
    path: Path,
    delimiter: str,
    max_cell_bytes: int,
    chunk: int = 1 << 22,
    progress: Callable[[int], None] | None = None,
) -> Scan:
    """Scan ``path`` (see the module docstring); raise :class:`NotPlain` to fall back.

    ``progress`` is called with the bytes of the file scanned so far after each chunk.
    """
    if len(delimiter) != 1 or ord(delimiter) >= 128 or delimiter in '"\r\n\x00':
        raise NotPlain(f"delimiter {delimiter!r} is not one plain ASCII character")
    state = _State(ord(delimiter), max_cell_bytes)
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        head = f.read(4)
        if any(head.startswith(b) for b in _OTHER_BOMS):
            raise NotPlain("the file starts with a byte-order mark of another encoding")
        bom = head.startswith(_BOM)
        f.seek(3 if bom else 0)
        carry = b""
        first_line = b""
        while True:
            block = f.read(chunk)
            data = carry + block
            if not data:
                break
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                raise NotPlain("the file is not valid UTF-8") from exc
            if not first_line and state.offset == 0:
                end = data.find(b"\n")
                first_line = data if end < 0 else data[:end]
            if block:
                body = data[:-1]
                state.feed(np.frombuffer(body, dtype=np.uint8), data[-1], body)
                carry = data[-1:]
                if progress is not None:
                    progress(state.offset + (3 if bom else 0))
            else:
                state.feed(np.frombuffer(data, dtype=np.uint8), None, data)
                if progress is not None:
                    progress(state.offset + (3 if bom else 0))
                break
    return state.finish(bom, first_line)


class _State:
    """What the scan carries from one chunk to the next."""

    def __init__(self, delim: int, max_cell_bytes: int) -> None:
        self.delim = delim
        self.max_cell = max_cell_bytes
        self.offset = 0  # bytes scanned so far
        self.quotes = 0  # quotes seen so far
        self.newlines = 0  # line feeds seen so far
        self.prev: int | None = None  # the byte before the chunk
        self.record_start = 0  # where the open record starts
        self.record_line = 1
        self.record_fields = 1
        self.last_sep = -1  # the last field boundary (delimiter or record end)
        self.nonblank = False
        self.max_record = 0
        self.empty = 0
        self.lines: list[np.ndarray] = []
        self.fields: list[np.ndarray] = []
        self.odd = np.zeros(0, dtype=np.int64)
        self.tokens = np.zeros(0, dtype=np.int64)
        self.any_cr = False
        self.multiline = False
        # Bytes a plain cell may end (start) with, and the boundaries of an empty one.
        self.ok_end = _PLAIN_END.copy()
        self.ok_start = _PLAIN_START.copy()
        self.ok_end[[delim, _LF]] = True
        self.ok_start[[delim, _LF]] = True
        self.token_start = np.zeros(256, dtype=bool)
        self.token_start[[ord(c) for c in "nNmM#"]] = True

    def feed(self, s: np.ndarray, nxt: int | None, raw: bytes) -> None:
        """Scan the bytes ``s`` (``raw``, the same bytes: its searches run at memchr
        speed, and a chunk without a quote or a carriage return skips those passes);
        ``nxt`` is the byte after them, None at the file's end."""
        n = len(s)
        if n == 0:
            return
        if b"\x00" in raw:
            raise NotPlain("the file holds a NUL byte")
        if not self.nonblank:
            self.nonblank = bool((~_IS_SPACE[s]).any())
        quoted = b'"' in raw
        isq = s == _QUOTE if quoted else None
        q = np.flatnonzero(isq) if isq is not None else np.zeros(0, dtype=np.int64)
        self._check_quotes(s, q, nxt)
        cr = np.flatnonzero(s == _CR) if b"\r" in raw else q[:0]
        if len(cr):
            self.any_cr = True
            after = np.append(s[1:], nxt if nxt is not None else 0)[cr]
            if (after != _LF).any():
                raise NotPlain("a carriage return is not followed by a line feed")
        is_lf = s == _LF
        sep = (s == self.delim) | is_lf
        if len(q) or self.quotes % 2:
            # Inside a quoted cell where an odd number of quotes came before
            # (a uint8 running sum wraps at 256, which keeps its parity).
            isq = s == _QUOTE if isq is None else isq
            inside = (np.cumsum(isq, dtype=np.uint8) + np.uint8(self.quotes % 2)) & 1
            sep &= inside == 0
        pos = np.flatnonzero(sep)
        pos_g = pos + self.offset
        if len(pos):
            gaps = np.diff(pos_g, prepend=self.last_sep) - 1
            if gaps.max() > self.max_cell:
                raise NotPlain("a cell may be longer than max_cell_chars")
            self.last_sep = int(pos_g[-1])
        at_lf = is_lf[pos]
        if not self.any_cr:
            self._count_odd(s, pos, at_lf, nxt)
        k_idx = np.flatnonzero(at_lf)  # record ends among the boundaries
        k = len(k_idx)
        if k:
            out_lf = pos[k_idx]
            # Delimiters before each record end, less those before the previous one.
            delims_before = k_idx - np.arange(k)
            counts = np.diff(delims_before, prepend=0)
            rec_fields = counts + 1
            rec_fields[0] += self.record_fields - 1
            ends = out_lf + self.offset
            starts = np.concatenate(([self.record_start], ends[:-1] + 1))
            n_lf = raw.count(b"\n")
            self.multiline |= n_lf != k
            if n_lf == k:  # no line feed inside a quoted cell here
                line_of_lf = np.arange(1, k + 1) + self.newlines
            else:
                line_of_lf = np.searchsorted(np.flatnonzero(is_lf), out_lf) + self.newlines + 1
            lines = np.concatenate(([self.record_line], line_of_lf[:-1] + 1))
            length = ends - starts
            before = s[np.maximum(out_lf - 1, 0)].astype(np.int64)
            if out_lf[0] == 0:
                before[0] = -1 if self.prev is None else self.prev
            # An empty line (CRLF included) is a record with no field: csv gives [].
            empty = (length == 0) | ((length == 1) & (before == _CR))
            self.empty += int(empty.sum())
            self.lines.append(lines[~empty])
            self.fields.append(rec_fields[~empty])
            self.max_record = max(self.max_record, int(length.max()))
            self.record_start = int(ends[-1]) + 1
            self.record_line = int(line_of_lf[-1]) + 1
            self.record_fields = 1 + len(pos) - 1 - int(k_idx[-1])
        else:
            n_lf = raw.count(b"\n")
            self.multiline |= n_lf > 0
            self.record_fields += len(pos)
        self.quotes += len(q)
        self.newlines += n_lf
        self.prev = int(s[-1])
        self.offset += n

    def _count_odd(
        self, s: np.ndarray, pos: np.ndarray, at_lf: np.ndarray, nxt: int | None
    ) -> None:
        """Add the cells of this chunk that are not plain to ``odd``, by field position.

        Each boundary ``p`` (delimiter or record end) ends one cell, whose
        last byte is before it, and starts the next, whose first byte is after
        it; a boundary on either side means an empty cell.
        """
        n = len(s)
        if self.offset == 0:  # the file's first cell
            if not self.ok_start[s[0]]:
                self.odd = _added(self.odd, np.array([0]))
            if self.token_start[s[0]]:
                self.tokens = _added(self.tokens, np.array([0]))
        if not len(pos):
            return
        before = s[pos - 1]  # pos 0 reads s[-1]: replaced below
        after = s[np.minimum(pos + 1, n - 1)]
        if pos[-1] == n - 1:
            after[-1] = _LF if nxt is None else nxt  # the file's end: no cell starts
        odd_end = ~self.ok_end[before]
        odd_start = ~self.ok_start[after]
        if pos[0] == 0:
            odd_end[0] = self.prev is not None and not self.ok_end[self.prev]
        ends = np.flatnonzero(odd_end)
        starts = np.flatnonzero(odd_start)
        token = np.flatnonzero(self.token_start[after])
        if not len(ends) and not len(starts) and not len(token):
            return
        # The field position of the cell boundary i ends: boundaries since the
        # last record end, plus those of the record left open by the last chunk.
        records = np.flatnonzero(at_lf)

        def field(i: np.ndarray) -> np.ndarray:
            if not len(records):
                return i + self.record_fields - 1
            k = np.searchsorted(records, i) - 1  # the last record end before i
            return np.where(k >= 0, i - records[np.maximum(k, 0)] - 1, i + self.record_fields - 1)

        if len(ends):
            self.odd = _added(self.odd, field(ends))
        if len(starts):
            self.odd = _added(self.odd, np.where(at_lf[starts], 0, field(starts) + 1))
        if len(token):
            self.tokens = _added(self.tokens, np.where(at_lf[token], 0, field(token) + 1))

    def _check_quotes(self, s: np.ndarray, q: np.ndarray, nxt: int | None) -> None:
        if not len(q):
            return
        n = len(s)
        opening = (np.arange(len(q)) + self.quotes) % 2 == 0
        before = s[np.maximum(q - 1, 0)].astype(np.int64)
        if q[0] == 0:
            before[0] = -1 if self.prev is None else self.prev
        after = s[np.minimum(q + 1, n - 1)].astype(np.int64)
        if q[-1] == n - 1:
            after[-1] = -1 if nxt is None else nxt
        ok_open = np.isin(before, [-1, self.delim, _LF, _QUOTE])
        ok_close = np.isin(after, [-1, self.delim, _LF, _CR, _QUOTE])
        if not np.where(opening, ok_open, ok_close).all():
            raise NotPlain("a quote inside an unquoted cell, or text after a closing quote")

    def finish(self, bom: bool, first_line: bytes) -> Scan:
        if not self.nonblank:
            raise NotPlain("the file is empty")
        if self.quotes % 2:
            raise NotPlain("a quoted cell is never closed")
        if self.record_start < self.offset:  # a last record without a line feed
            if self.prev is not None and not self.ok_end[self.prev]:
                self.odd = _added(self.odd, np.array([self.record_fields - 1]))
            self.lines.append(np.array([self.record_line]))
            self.fields.append(np.array([self.record_fields]))
            self.max_record = max(self.max_record, self.offset - self.record_start)
        if not self.lines:
            raise NotPlain("the file has no records")
        return Scan(
            lines=np.concatenate(self.lines).astype(np.int64),
            fields=np.concatenate(self.fields).astype(np.int64),
            empty=self.empty,
            bom=bom,
            first_line=first_line,
            max_record_bytes=self.max_record,
            odd=None if self.any_cr else self.odd,
            tokens=None if self.any_cr else self.tokens,
            multiline=self.multiline,
        )


def _added(counts: np.ndarray, fields: np.ndarray) -> np.ndarray:
    """``counts`` (per field position) with one more for each of ``fields``."""
    more = np.bincount(fields)
    if len(more) > len(counts):
        counts = np.concatenate((counts, np.zeros(len(more) - len(counts), np.int64)))
    counts[: len(more)] += more
    return counts
