"""Reading an uploaded or local file as CSV text: UTF-8 (with or without Excel's byte
order mark), the delimiter sniffed from the header (``,``, ``;`` or tab). A file that is
not UTF-8 text is refused as a whole, before anything is imported, with one line saying
where (``InvalidFile``)."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from typing import IO

from db.imports.rows import InvalidFile

DELIMITERS = (",", ";", "\t")
_CHUNK = 1 << 20


def check_utf8(raw: IO[bytes]) -> None:
    """Read the whole (seekable) file once: InvalidFile at the first NUL byte or invalid
    UTF-8 sequence, with its line; then rewind."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    while chunk := raw.read(_CHUNK):
        if b"\x00" in chunk:
            at = line + chunk[: chunk.index(b"\x00")].count(b"\n")
            raise InvalidFile(f"not a text file: a NUL byte on line {at}")
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            at = line + chunk[: max(exc.start, 0)].count(b"\n")
            raise InvalidFile(
                f"not UTF-8 text: invalid byte 0x{chunk[exc.start]:02x} on line {at} "
                "(save the file as CSV UTF-8)"
            ) from None
        line += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InvalidFile(
            f"not UTF-8 text: the file ends inside a character (line {line})"
        ) from None
    raw.seek(0)


def text_lines(raw: IO[bytes]) -> io.TextIOWrapper:
    """The checked file as text lines (a BOM is dropped)."""
    check_utf8(raw)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def dict_reader(lines: Iterable[str]) -> csv.DictReader[str]:
    """A DictReader over the lines, the BOM dropped and the delimiter sniffed from the
    header (the one of ``,``, ``;`` and tab it has most of)."""
    it: Iterator[str] = iter(lines)
    first = next(it, "")
    first = first.removeprefix("\ufeff")
    delimiter = max(DELIMITERS, key=first.count) if first else ","
    return csv.DictReader(itertools.chain([first], it), delimiter=delimiter)


def records(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(first line of the record, record); a NUL byte or undecodable text → InvalidFile."""
    start = 2
    try:
        for raw in reader:
            yield start, raw
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidFile(f"line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise InvalidFile(f"not UTF-8 text after line {reader.line_num}: {exc.reason}") from None


def require(reader: csv.DictReader[str], required: Iterable[str], what: str) -> None:
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        shown = ", ".join(header[:8]) + (", …" if len(header) > 8 else "")
        raise InvalidFile(
            f"not {what}: missing columns {', '.join(missing)} (found: {shown or 'nothing'})"
        )
