"""The corpus of hostile inputs: each folder of tests/hostile/ is one data set that must be
refused, with the exact lines beside it in `expected.txt` and exit status 2.

Each case is copied to a temporary folder (symbolic links as links) and validated from
inside it, so the lines name files as `deals.csv:2: ...` wherever the repository lives. What
git cannot hold is made at copy time: a file `mkfifo.txt` names a FIFO to create. A case is
added by making its folder and writing the lines it must print; see docs/security.md.
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import deal

from dealgraph.cli import main

HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(p.name for p in HOSTILE.iterdir() if p.is_dir())


def prepare(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / name
    shutil.copytree(HOSTILE / name, folder, symlinks=True)
    fifo = folder / "mkfifo.txt"
    if fifo.exists():
        for line in fifo.read_text().split():
            os.mkfifo(folder / line)
    return folder


@pytest.mark.parametrize("name", CASES)
def test_hostile_input_is_refused_with_the_expected_lines(name, tmp_path, monkeypatch):
    folder = prepare(name, tmp_path)
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["validate", "."], env={"DEALGRAPH_STORE": None})
    expected = (HOSTILE / name / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr.splitlines() == expected


def test_the_corpus_holds_every_reproducer_of_the_issue():
    # The inputs that crashed with a traceback or were wrongly accepted, each kept here.
    assert {
        "duplicate-id-with-supersedes",
        "header-repeats-once-stripped",
        "header-duplicated",
        "column-named-row",
        "json-nested-deep",
        "ragged-row-with-huge-field",
        "deals-csv-is-a-folder",
        "deals-csv-dangling-symlink",
        "deals-csv-symlink-loop",
        "deals-csv-is-a-fifo",
        "amounts-overflow-when-summed",
        "json-amount-nan",
        "json-amount-infinity",
        "minus-zero-csv",
        "minus-zero-json",
    } <= set(CASES)


def _nobody() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        return None


@pytest.fixture
def open_folder():
    """A folder anyone may enter (pytest's own are root's alone), removed afterwards."""
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def _as_nobody(args: list[str]) -> tuple[str, str]:
    """Run the CLI in a forked child without root's rights: root reads a file whatever its
    mode, so only another user (`nobody`) can show what a user without permission sees. A
    process that is not root already lacks them and keeps its own user."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        try:
            os.close(read)
            if os.geteuid() == 0:
                user = _nobody()
                os.setgid(user.pw_gid)
                os.setuid(user.pw_uid)
            result = CliRunner().invoke(main, args, env={"DEALGRAPH_STORE": None})
            os.write(write, f"{result.exit_code}\n{result.output}".encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        code, _, output = pipe.read().partition("\n")
    os.waitpid(child, 0)
    return code, output


def test_a_root_run_has_a_user_to_become():
    # Without `nobody` the two permission tests below would read as root and prove nothing.
    assert os.geteuid() != 0 or _nobody() is not None


def test_an_unreadable_file_is_one_line(open_folder):
    folder = prepare("column-named-row", open_folder)  # any case: its deals are never read
    for path in (folder, folder / "entities.csv"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (folder / "deals.csv").chmod(0)
    assert _as_nobody(["validate", str(folder)]) == (
        "2",
        f"{folder / 'deals.csv'}: cannot read file: Permission denied\n",
    )


def test_a_folder_that_may_not_be_entered_is_one_line(open_folder):
    folder = prepare("column-named-row", open_folder)
    folder.chmod(0o700)
    assert _as_nobody(["validate", str(folder / "deals.csv"), str(folder)]) == (
        "2",
        f"{folder}: cannot read: Permission denied\n"
        f"{folder / 'deals.csv'}: cannot read: Permission denied\n"
        "Error: 2 problems; nothing was loaded or written.\n",
    )


@pytest.mark.parametrize("kind", ["fifo", "deep-json", "deep-jsonl"])
def test_a_hostile_since_file_is_one_line(kind, tmp_path, make_data):
    """`alerts --since` reads an earlier run's alerts: a FIFO must not block, deep JSON must
    not overflow the stack."""
    path = tmp_path / "previous.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "deep-json":
        path.write_text("[" * 5000 + "]" * 5000)
    else:
        path.write_text('[{"id": "a"}]\n{"id": ' + "[" * 5000 + "]" * 5000 + "}\n")
    result = CliRunner().invoke(
        main,
        [
            "alerts",
            "--data",
            str(make_data([deal("d1", "a", "b", amount="1")])),
            "--since",
            str(path),
            "--format",
            "json",
        ],  # fmt: skip
        env={"DEALGRAPH_STORE": None},
    )
    message = "is a named pipe (FIFO), not a file" if kind == "fifo" else "nested too deep"
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith(str(path)) and message in result.stderr, result.stderr
