"""A plain table: named columns and rows, printed aligned, converted to pandas on request.

The cycle account (stats.py) hands out its figures as these, so a user with no pandas still
reads them (`print(table)`, `table.rows`, `table.column("cycles")`), and one with pandas gets
a DataFrame (`table.to_pandas()`); pandas is imported only then.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import StatsError


class Table:
    """Rows of values under named columns (`rows` is a list of tuples, in `columns` order)."""

    def __init__(self, name: str, columns: Sequence[str], rows: Sequence[tuple]):
        self.name = name
        self.columns = tuple(columns)
        self.rows = [tuple(r) for r in rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        """Each row as a dict {column: value}."""
        return (dict(zip(self.columns, r)) for r in self.rows)

    def column(self, name: str) -> list:
        """The values of column `name`, in row order."""
        if name not in self.columns:
            raise KeyError(f"table '{self.name}' has no column {name!r} (columns: "
                           f"{', '.join(self.columns)})")
        k = self.columns.index(name)
        return [r[k] for r in self.rows]

    def to_pandas(self):
        """The table as a pandas DataFrame (pandas is not a dependency of pywse)."""
        return pandas().DataFrame(self.rows, columns=list(self.columns))

    def text(self, limit: int | None = None, indent: str = "  ") -> str:
        """The table as aligned text, the first `limit` rows (all if None), and how many
        more there are."""
        shown = self.rows if limit is None else self.rows[:limit]
        cells = [list(self.columns)] + [[_cell(v) for v in r] for r in shown]
        widths = [max(len(row[k]) for row in cells) for k in range(len(self.columns))]
        numeric = [k > 0 and all(isinstance(r[k], (int, float)) or r[k] == "" for r in shown)
                   for k in range(len(self.columns))]          # numbers right, text left
        lines = [indent + "  ".join(c.rjust(wd) if num else c.ljust(wd)
                                    for c, wd, num in zip(row, widths, numeric)).rstrip()
                 for row in cells]
        if len(shown) < len(self.rows):
            lines.append(f"{indent}... and {len(self.rows) - len(shown):,} more rows "
                         f"(stats.{self.name})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Table {self.name}: {len(self.rows)} rows x {', '.join(self.columns)}>"


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) >= 1 or v == 0 else f"{v:.3g}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def pandas():
    """The pandas module, or a clear error saying how to get it."""
    try:
        import pandas as pd
    except ImportError:
        raise StatsError("the cycle account converts to pandas DataFrames only when pandas is "
                         "installed: pip install pandas (or pip install -e \".[dev]\"); "
                         "without it, print the tables or read their .rows") from None
    return pd

