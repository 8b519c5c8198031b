"""Load a data set from folders and files, stacking layers: later layers win on equal ids.

`load_dataset(["bundled", "./mine"])` reads the bundled data, then the user's folder; a
user's deal with the id of a bundled deal replaces it. Nothing is returned unless every row
of every file is valid: the caller gets a `DataError` listing all problems instead.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dealgraph.errors import DataError, Problem
from dealgraph.graph.model import DataSet, indexed_by_id
from dealgraph.loaders.files import exists
from dealgraph.loaders.financials import check_financials, stack_financials
from dealgraph.loaders.parquet_tables import read_parquet
from dealgraph.loaders.tables import FILE, FORMATS, ROW, TABLES, read_table, table_of
from dealgraph.loaders.validate import Checker, check_deals, check_entities
from dealgraph.loaders.workbook import SUFFIX as WORKBOOK
from dealgraph.loaders.workbook import read_workbook

BUNDLED = "bundled"


def bundled_path() -> Path:
    """The folder of the data set that ships with dealgraph."""
    return Path(str(resources.files("dealgraph").joinpath("data")))


def bundled_about() -> dict[str, str]:
    """The bundled data set's name, version, compile date and horizon (`data/dataset.toml`)."""
    return tomllib.loads((bundled_path() / "dataset.toml").read_text("utf-8"))


def _layer_files(spec: str | Path) -> dict[str, Path]:
    """The table files one `--data` value names: a folder, one file, or `bundled`."""
    path = bundled_path() if str(spec) == BUNDLED else Path(spec)
    try:  # a folder on the way, or this one, may be closed to the user
        if path.is_dir():
            return _folder_files(path)
        found = exists(path)
    except OSError as exc:
        raise DataError([Problem(str(path), 0, "", f"cannot read: {exc.strerror}")]) from None
    if not found:
        raise DataError([Problem(str(path), 0, "", "no such file or folder")])
    table = table_of(path)
    if table is None:
        raise DataError(
            [
                Problem(
                    str(path),
                    0,
                    "",
                    "cannot tell which table this file holds: name it entities, deals or "
                    "financials (.csv, .json, .jsonl, .parquet), or give an .xlsx workbook",
                )
            ]
        )
    return {table: path}


def _folder_files(path: Path) -> dict[str, Path]:
    """The table files in a folder. Anything there under a table file's name counts, even a
    folder or a broken link: reading it reports it, where skipping it would hide a mistake."""
    found: dict[str, Path] = {}
    for table in TABLES:
        for suffix in FORMATS:
            candidate = path / f"{table}{suffix}"
            if not exists(candidate):
                continue
            if table in found:
                message = f"both {found[table].name} and {candidate.name}: keep one"
                raise DataError([Problem(str(path), 0, "", message)])
            found[table] = candidate
    if not found:
        raise DataError(
            [
                Problem(
                    str(path),
                    0,
                    "",
                    "no entities.csv, deals.csv (or .json, .jsonl, .parquet) in this folder",
                )
            ]
        )
    return found


def _is_workbook(spec: str | Path) -> bool:
    """An .xlsx file given as a layer: its sheets are the tables."""
    return (
        str(spec) != BUNDLED and Path(spec).suffix.lower() == WORKBOOK and not Path(spec).is_dir()
    )


def _read_file(path: Path) -> pd.DataFrame:
    return read_parquet(path) if path.suffix.lower() == ".parquet" else read_table(path)


def _read_layers(
    specs: Sequence[str | Path],
) -> tuple[dict[str, list[pd.DataFrame]], list[Problem]]:
    frames: dict[str, list[pd.DataFrame]] = {table: [] for table in TABLES}
    problems: list[Problem] = []
    for spec in specs:
        try:
            if _is_workbook(spec):
                for table, frame in read_workbook(Path(spec)).items():
                    frames[table].append(frame)
                continue
            files = _layer_files(spec)
        except DataError as exc:
            problems += exc.problems
            continue
        for table, path in files.items():
            try:
                frames[table].append(_read_file(path))
            except DataError as exc:
                problems += exc.problems
    return frames, problems


def _stack(table: str, layers: list[pd.DataFrame], problems: list[Problem]) -> pd.DataFrame:
    """Check each layer's ids, then let later layers replace earlier rows with the same id."""
    kept = []
    for frame in layers:
        checker = Checker(frame.reset_index(drop=True))
        if "id" in frame.columns:
            kept.append(checker.unique_ids())
        problems += checker.problems
    if len(kept) == 1:  # one layer, ids already unique: nothing to replace
        return kept[0].reset_index(drop=True)
    stacked = (
        pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=["id", FILE, ROW])
    )
    # A column one layer has and another lacks comes out of concat as NaN: make it empty text,
    # as a missing optional column is everywhere else.
    stacked = stacked.fillna("")
    return stacked.drop_duplicates("id", keep="last").reset_index(drop=True)


def load_dataset(specs: Iterable[str | Path] = (BUNDLED,)) -> DataSet:
    """Read, validate and resolve a data set; raise `DataError` with every problem found."""
    specs = list(specs) or [BUNDLED]
    layers, problems = _read_layers(specs)
    for table in ("entities", "deals"):
        if not layers[table] and not problems:
            problems.append(Problem(", ".join(map(str, specs)), 0, "", f"no {table} file given"))
    checker = Checker(pd.DataFrame())
    for table in ("entities", "deals"):
        columns = {
            f.attrs["file"]: list(f.columns) for f in layers[table] if f.attrs["declares_columns"]
        }
        checker.require_columns(table, columns)
    problems += checker.problems
    if problems:
        raise DataError(problems)

    entities, found = check_entities(_stack("entities", layers["entities"], problems))
    problems += found
    deals, found = check_deals(_stack("deals", layers["deals"], problems))
    problems += found
    problems += _resolve_references(entities, deals, columns=DEAL_REFERENCES)
    problems += _check_supersedes(deals)
    financials, found = check_financials(layers["financials"])
    problems += found
    if financials is not None:
        problems += _resolve_references(entities, financials, columns=("entity",))
        financials, found = stack_financials(financials)
        problems += found
    if problems:
        raise DataError(problems)
    files = tuple(f.attrs["file"] for table in TABLES for f in layers[table])
    return DataSet(
        entities=_typed_entities(entities),
        deals=indexed_by_id(deals.drop(columns=[FILE, ROW])),
        financials=financials,
        files=files,
    )


def _typed_entities(entities: pd.DataFrame) -> pd.DataFrame:
    frame = entities.drop(columns=[FILE, ROW]).copy()
    frame["aliases"] = [
        tuple(a.strip() for a in text.split(";") if a.strip()) if text else ()
        for text in frame["aliases"].tolist()
    ]
    return indexed_by_id(frame)


def reference_index(entities: pd.DataFrame) -> dict[str, set[str]]:
    """Lower-cased name or alias -> the entity ids it may mean (ids are matched first)."""
    index: dict[str, set[str]] = {}
    for entity_id, name, aliases in zip(
        entities["id"], entities["name"], entities["aliases"], strict=True
    ):
        for label in [name, *aliases.split(";")]:
            if label.strip():
                index.setdefault(label.strip().lower(), set()).add(entity_id)
    return index


# The deal columns that name entities; `obligor` (whose payment a backstop guarantees) may be
# empty.
DEAL_REFERENCES = ("from_entity", "to_entity", "obligor")


def _resolve_references(
    entities: pd.DataFrame, deals: pd.DataFrame, columns=DEAL_REFERENCES
) -> list[Problem]:
    """Replace names and aliases in `columns` by ids, in place; report the rest.

    An exact id (in any case) always wins; otherwise a name or alias must point to exactly
    one entity.
    """
    ids = {entity_id.lower(): entity_id for entity_id in entities["id"].tolist()}
    labels: dict[str, set[str]] | None = None  # built only if some cell is not an id
    checker = Checker(deals)
    known_ids = pa.array(entities["id"], type=pa.large_string())
    for column in columns:
        cells = pa.array(deals[column], type=pa.large_string())
        named = pc.not_equal(cells, "")  # an optional reference may be empty
        exact = pc.or_(pc.is_in(cells, value_set=known_ids), pc.invert(named))
        if pc.all(exact).as_py():  # every cell is an id as written: nothing to resolve
            continue
        cells = deals[column].str.strip()
        codes, uniques = pd.factorize(cells)
        distinct = uniques.tolist()
        resolved: list[str] = []
        messages: dict[str, str] = {}
        for text in distinct:
            key = text.lower()
            if key not in ids and labels is None:
                labels = reference_index(entities)
            if key in ids:
                resolved.append(ids[key])
            elif len(labels.get(key, ())) == 1:
                resolved.append(next(iter(labels[key])))
            else:
                resolved.append(text)
                messages[text] = (
                    f"ambiguous entity {text!r}: may be {', '.join(sorted(labels[key]))}"
                    if key in labels
                    else f"unknown entity {text!r}"
                )
        if messages:
            bad = [n for n, text in enumerate(distinct) if text in messages and text != ""]
            checker.flag(
                pd.Series(np.isin(codes, bad), index=deals.index),
                column,
                lambda v, known=messages: known[v.strip()],
            )
        if resolved != distinct:
            cells = pd.Series(np.asarray(resolved, dtype=object)[codes], index=deals.index)
        deals[column] = cells
    if "to_entity" not in columns:  # financials: one entity per row
        return checker.problems
    same = (deals["from_entity"] == deals["to_entity"]) & (deals["from_entity"] != "")
    checker.flag(same, "to_entity", lambda v: f"a deal cannot go from {v!r} to itself")
    return checker.problems


def _check_supersedes(deals: pd.DataFrame) -> list[Problem]:
    checker = Checker(deals)
    target = deals["supersedes"].str.strip()
    given = target != ""
    if given.any():  # few rows supersede: look them up, rather than `isin` over every id
        ids = pd.Index(deals["id"])
        if not ids.is_unique:  # a repeated id, already reported: look up each id once
            ids = ids.unique()
        unknown = pd.Series(False, index=deals.index)
        unknown[given] = ids.get_indexer(target[given]) < 0
        checker.flag(unknown, "supersedes", lambda v: f"unknown deal {v!r}")
    checker.flag(given & (target == deals["id"]), "supersedes", "a deal cannot supersede itself")
    return checker.problems
