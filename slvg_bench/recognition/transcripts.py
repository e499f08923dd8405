"""Gloss transcript files: ``id|gloss gloss …`` lines, STM references and CTM hypotheses.

- bar form: one line per video, ``<id>|<glosses separated by spaces>``; the part after
  the bar may be empty (an empty hypothesis). Blank lines and ``#`` comments are skipped.
- STM (sclite reference, as CorrNet's ``*-groundtruth-*.stm``):
  ``<id> <channel> <speaker> <start> <end> <gloss> <gloss> …``; ``;;`` comments skipped.
- CSV with a header holding ``id`` and ``glosses`` columns (synthsign's ``index.csv`` is one).
- CTM (sclite hypothesis, as CorrNet's ``output-hypothesis-*.ctm``): one gloss per line,
  ``<id> <channel> <start> <duration> <gloss> [<confidence>]``; an id's glosses are put in
  start-time order.

Every reader returns ``{id: [gloss, ...]}`` in file order and raises
:class:`~slvg_bench.errors.UsageError` naming the file and line on malformed input.
"""

from __future__ import annotations

from pathlib import Path

from slvg_bench.errors import UsageError

FORMATS = ("bar", "stm", "ctm", "csv")


def _lines(path: Path):
    if not path.is_file():
        raise UsageError(f"transcript file {str(path)!r} does not exist")
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith((";;", "#")):
            yield no, line


def read_bar(path: str | Path) -> dict[str, list[str]]:
    path = Path(path)
    out: dict[str, list[str]] = {}
    for no, line in _lines(path):
        key, sep, glosses = line.partition("|")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"{path}:{no}: expected 'id|gloss gloss ...', got {line!r}")
        if key in out:
            raise UsageError(f"{path}:{no}: id {key!r} appears twice")
        out[key] = glosses.split()
    return out


def read_stm(path: str | Path) -> dict[str, list[str]]:
    path = Path(path)
    out: dict[str, list[str]] = {}
    for no, line in _lines(path):
        fields = line.split()
        if len(fields) < 5:
            raise UsageError(f"{path}:{no}: an STM line needs 'id channel speaker start end glosses...', got {line!r}")
        if fields[0] in out:
            raise UsageError(f"{path}:{no}: id {fields[0]!r} appears twice")
        out[fields[0]] = fields[5:]
    return out


def read_ctm(path: str | Path) -> dict[str, list[str]]:
    path = Path(path)
    rows: dict[str, list[tuple[float, int, str]]] = {}
    for no, line in _lines(path):
        fields = line.split()
        if len(fields) not in (5, 6):
            raise UsageError(f"{path}:{no}: a CTM line needs 'id channel start duration gloss [conf]', got {line!r}")
        try:
            start = float(fields[2])
        except ValueError:
            raise UsageError(f"{path}:{no}: CTM start time {fields[2]!r} is not a number") from None
        rows.setdefault(fields[0], []).append((start, no, fields[4]))
    return {k: [g for _, _, g in sorted(v)] for k, v in rows.items()}


def read_csv(path: str | Path) -> dict[str, list[str]]:
    """``id,glosses`` columns of a CSV file with a header (other columns are ignored)."""
    import csv

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"transcript file {str(path)!r} does not exist")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"id", "glosses"} - set(reader.fieldnames or ())
        if missing:
            raise UsageError(f"{path}: a gloss CSV needs the header columns id and glosses (missing {sorted(missing)})")
        out: dict[str, list[str]] = {}
        for no, row in enumerate(reader, start=2):
            key = (row["id"] or "").strip()
            if not key:
                raise UsageError(f"{path}:{no}: empty id")
            if key in out:
                raise UsageError(f"{path}:{no}: id {key!r} appears twice")
            out[key] = (row["glosses"] or "").split()
    return out


def detect_format(path: str | Path) -> str:
    """``stm``/``ctm``/``csv`` by suffix, else ``bar`` when the first content line holds a ``|``."""
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("stm", "ctm", "csv"):
        return suffix
    for _, line in _lines(path):
        if "|" in line:
            return "bar"
        break
    raise UsageError(f"cannot tell the format of {str(path)!r}: use .stm/.ctm files or 'id|gloss gloss' lines")


def read_transcripts(path: str | Path, fmt: str | None = None) -> dict[str, list[str]]:
    """``{id: glosses}`` from a bar, STM or CTM file (format detected unless given)."""
    fmt = fmt or detect_format(path)
    readers = {"bar": read_bar, "stm": read_stm, "ctm": read_ctm, "csv": read_csv}
    if fmt not in readers:
        raise UsageError(f"unknown transcript format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return readers[fmt](path)


def write_bar(path: str | Path, transcripts: dict[str, list[str]]) -> Path:
    """Write ``id|gloss gloss`` lines (ids must not contain '|' or newlines)."""
    path = Path(path)
    lines = []
    for key, glosses in transcripts.items():
        if "|" in key or "\n" in key:
            raise UsageError(f"id {key!r} cannot be written in the bar form")
        lines.append(f"{key}|{' '.join(glosses)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_ctm(path: str | Path, transcripts: dict[str, list[str]]) -> Path:
    """CorrNet's hypothesis CTM: ``<id> 1 <i/100> <(i+1)/100> <gloss>`` per gloss."""
    path = Path(path)
    lines = [f"{key} 1 {i / 100:.2f} {(i + 1) / 100:.2f} {g}"
             for key, glosses in transcripts.items() for i, g in enumerate(glosses)]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
