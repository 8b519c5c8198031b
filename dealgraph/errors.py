"""One exception family for the whole tool; the CLI turns each into one line and exit status 2."""

from __future__ import annotations

from dataclasses import dataclass


class DealgraphError(Exception):
    """Base class: anything the user can fix without reading a traceback."""


_CONTROL = {code: f"\\x{code:02x}" for code in (*range(32), 127)}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input row, located as `FILE:ROW: field: message`.

    `row` is the line number in a CSV file (the header is line 1) or the 1-based record
    number in a JSON file; 0 means the problem concerns the whole file.
    """

    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        # A message quotes the cell it is about, which may be 128 KiB long: one line stays
        # readable.
        message = self.message
        if len(message) > 300:
            message = f"{message[:240]}… ({len(message):,} characters, cut)"
        line = f"{where}: {self.field}: {message}" if self.field else f"{where}: {message}"
        return line.translate(_CONTROL)  # a newline in a file name or JSON key stays one line


class DataError(DealgraphError):
    """Invalid input: carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.row, p.field, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


class StoreError(DealgraphError):
    """A graph store (Neo4j) could not be reached or refused the work."""


class OutputError(DealgraphError):
    """An output could not be written; the message names the path (or standard output)."""


class ClosedOutput(OutputError):
    """Standard output's reader went away (`dealgraph alerts | head -1`): the reader has what
    it wanted, so the CLI ends quietly, with the status a SIGPIPE gives (141), not an error."""
