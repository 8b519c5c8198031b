"""dealgraph: map the money of the AI build-out from cited deal records.

    import dealgraph
    ds = dealgraph.load()
    ds.loops(min_amount="1B")

The API (`load`, `DealGraph`, `Map`) is imported on first use, so `import dealgraph` (and
the CLI's start-up) stays cheap.
"""

from pathlib import Path as _Path

__version__ = "0.1.0"
__all__ = ["DealGraph", "Map", "load"]

# In a clone, graph/, loaders/, queries/ and viz/ sit beside this folder and pyproject.toml
# maps them into `dealgraph.*`. Run from the clone's root, this folder shadows the installed
# package, so its subpackages are looked up at the root too; an installed copy has them inside.
_root = _Path(__file__).resolve().parent.parent
if not (_Path(__file__).resolve().parent / "graph").is_dir() and all(
    (_root / name / "__init__.py").is_file() for name in ("graph", "loaders", "queries", "viz")
):
    __path__.append(str(_root))


def __getattr__(name: str):
    if name in __all__:
        from dealgraph import api

        return getattr(api, name)
    raise AttributeError(f"module 'dealgraph' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(["__version__", *__all__])
