"""Reading and validating deals from CSV, against pandas.read_csv of the same file.

Two baselines, both measured in the same run: `read_csv` with pandas' defaults (numbers
parsed, nothing checked) and `read_csv` keeping every cell as text (what a validator must
start from). The ratio is against the defaults, the stricter of the two. Each step is the
best of three runs, each in a fresh process. The loader is timed twice: on the file as
generated (deals in id order, as exports often are) and on the same rows shuffled, whose
ids it has to hash to prove them unique.
"""

from __future__ import annotations

from datasets import LABELS, dataset, shuffled
from measure import run_step

REPEAT = 3  # each step's best of three fresh runs


def rows(sizes: list[int]) -> list[dict]:
    out = []
    for size in sizes:
        folder = dataset(size)
        deals = str(folder / "deals.csv")
        base = run_step("import pandas as pd", f"len(pd.read_csv({deals!r}))", REPEAT)
        text = run_step(
            "import pandas as pd",
            f"len(pd.read_csv({deals!r}, dtype=str, keep_default_na=False))",
            REPEAT,
        )
        load = run_step(
            "from dealgraph.loaders import load_dataset",
            f"len(load_dataset([{str(folder)!r}]).deals)",
            REPEAT,
        )
        mixed = run_step(
            "from dealgraph.loaders import load_dataset",
            f"len(load_dataset([{str(shuffled(size))!r}]).deals)",
            REPEAT,
        )
        label = LABELS[size]
        out.append(_row(label, "read_csv (pandas defaults)", base))
        out.append(_row(label, "read_csv (all text)", text))
        out.append(_row(label, "load + validate", load, base))
        out.append(_row(label, "load + validate, rows not in id order", mixed, base))
    return out


def _row(size: str, step: str, measured: dict, baseline: dict | None = None) -> dict:
    return {
        "size": size,
        "step": step,
        "wall_s": measured["wall_s"],
        "peak_mb": measured["peak_mb"],
        "baseline": "read_csv (pandas defaults)" if baseline else "",
        "ratio": measured["wall_s"] / baseline["wall_s"] if baseline else None,
    }
