"""dealgraph: map the money of the AI build-out from cited deal records.

    import dealgraph
    ds = dealgraph.load()
    ds.loops(min_amount="1B")

The API (`load`, `DealGraph`, `Map`) is imported on first use, so `import dealgraph` (and
the CLI's start-up) stays cheap.
"""

import sys as _sys
from importlib.machinery import PathFinder as _PathFinder
from pathlib import Path as _Path

__version__ = "0.2.0"
__all__ = ["DealGraph", "Map", "load"]

# In a clone, exports/, graph/, loaders/, queries/ and viz/ sit beside this folder and
# pyproject.toml maps them into `dealgraph.*`. Run from the clone's root, this folder shadows
# the installed package, so those five (and only those: not tests/ or scripts/) are found at
# the root; an installed copy has them inside.
_SUBPACKAGES = ("exports", "graph", "loaders", "queries", "viz")
_root = _Path(__file__).resolve().parent.parent


class _CloneSubpackages:
    """Finds `dealgraph.graph` etc. in the clone's root folders, and no other name."""

    names = frozenset(f"{__name__}.{name}" for name in _SUBPACKAGES)

    @classmethod
    def find_spec(cls, name: str, path=None, target=None):
        if name not in cls.names:
            return None
        return _PathFinder.find_spec(name, [str(_root)])


if not (_Path(__file__).resolve().parent / "graph").is_dir() and all(
    (_root / name / "__init__.py").is_file() for name in _SUBPACKAGES
):
    _sys.meta_path.insert(0, _CloneSubpackages)


def __getattr__(name: str):
    if name in __all__:
        from dealgraph import api

        return getattr(api, name)
    raise AttributeError(f"module 'dealgraph' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(["__version__", *__all__])
