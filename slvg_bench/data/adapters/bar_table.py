"""``|``-separated annotation tables with a fixed header (PHOENIX-2014T corpus files, CSL-Daily labels).

The corpora write one record per line, fields separated by ``|`` and no quoting; the first line is
the header. Blank lines are skipped; every error names the dataset, the file and (for a malformed
record) the line.
"""

from __future__ import annotations

import csv
from pathlib import Path

from slvg_bench.errors import DatasetError


def read_bar_table(path: Path, header: tuple[str, ...], dataset: str, encoding: str = "utf-8") -> list[dict]:
    """Rows of a ``|``-separated file as dicts keyed by ``header`` (fields stripped of white space).

    Args:
        path: the annotation file.
        header: the exact column names its first line must hold.
        dataset: the dataset's title, the start of every error message (``"CSL-Daily"``).
        encoding: text encoding (``"utf-8-sig"`` also accepts a byte-order mark).
    Raises:
        DatasetError: missing or unreadable file, another header, a record with another field count.
    """
    if not path.is_file():
        raise DatasetError(f"{dataset} annotation file {str(path)!r} does not exist")
    try:
        with open(path, newline="", encoding=encoding) as f:
            lines = list(csv.reader(f, delimiter="|", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DatasetError(f"{dataset} annotation file {str(path)!r} is unreadable: {e}") from e
    if not lines or tuple(c.strip() for c in lines[0]) != header:
        got = "|".join(lines[0]) if lines else "<empty file>"
        raise DatasetError(
            f"{dataset} annotation file {str(path)!r} must start with the '|'-separated header "
            f"{'|'.join(header)!r}, got {got[:120]!r}"
        )
    rows = []
    for lineno, fields in enumerate(lines[1:], start=2):
        if not fields or all(not c.strip() for c in fields):
            continue
        if len(fields) != len(header):
            raise DatasetError(
                f"{dataset} annotation file {str(path)!r} line {lineno}: {len(fields)} '|'-separated fields, "
                f"expected {len(header)}"
            )
        rows.append(dict(zip(header, (c.strip() for c in fields))))
    return rows
