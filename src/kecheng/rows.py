"""A long table of small rows held column by column.

A city has 205 000 memberships and 110 000 opening and availability windows: as row objects
they took 27 MB (a row object and its slot in a tuple cost more than the CSV line it came
from); as columns of 4-byte codes into the distinct values they take 6.4 MB. ``Rows`` reads
like the tuple of rows it replaces — ``len``, iteration, indexing, ``==``, ``+`` — and
``column`` gives one column without building any row.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from typing import Any, Generic, TypeVar

R = TypeVar("R")


class Rows(Sequence[R], Generic[R]):
    """Immutable rows of one dataclass type, stored as codes into each column's distinct values.

    The rows given must already be valid: ``Rows`` stores them, it does not check them.
    """

    __slots__ = ("_codes", "_names", "_values", "row_type")

    def __init__(self, row_type: type[R], rows: Iterable[R] = ()) -> None:
        self.row_type = row_type
        self._names: tuple[str, ...] = tuple(row_type.__dataclass_fields__)
        index: dict[str, dict[Any, int]] = {name: {} for name in self._names}
        self._codes: dict[str, array] = {name: array("I") for name in self._names}
        columns = [(index[name], self._codes[name].append, name) for name in self._names]
        for row in rows:
            for seen, append, name in columns:
                value = getattr(row, name)
                code = seen.get(value)
                if code is None:
                    code = seen[value] = len(seen)
                append(code)
        self._values: dict[str, Sequence[Any]] = {
            name: _stored(tuple(seen), len(self)) for name, seen in index.items()
        }

    @classmethod
    def from_columns(cls, row_type: type[R], columns: dict[str, Sequence[Any]]) -> Rows[R]:
        """Rows given column by column (every column of ``row_type``, valid, of one length),
        without building a row."""
        rows = cls(row_type)
        length = len(next(iter(columns.values()), ()))
        for name in rows._names:
            seen: dict[Any, int] = {}
            rows._codes[name] = array("I", [seen.setdefault(v, len(seen)) for v in columns[name]])
            rows._values[name] = _stored(tuple(seen), length)
        return rows

    def column(self, name: str) -> Iterator[Any]:
        """One column's values, row by row, without building the rows."""
        values = self._values[name]
        if isinstance(values, Text):  # split once, not once a row
            values = list(values)
        return map(values.__getitem__, self._codes[name])

    def select(self, *names: str) -> Iterator[tuple[Any, ...]]:
        """These columns' values, a tuple a row, without building the rows."""
        return zip(*map(self.column, names), strict=True)

    def take(self, positions: Iterable[int]) -> Rows[R]:
        """The rows at these positions, in this order, without building them (the distinct
        values are shared with this table)."""
        positions = list(positions)
        taken = Rows(self.row_type)
        taken._values = self._values
        for name, codes in self._codes.items():
            taken._codes[name] = array("I", [codes[p] for p in positions])
        return taken

    def __len__(self) -> int:
        return len(self._codes[self._names[0]]) if self._names else 0

    def __iter__(self) -> Iterator[R]:
        make = self._make
        for values in self.select(*self._names):
            yield make(values)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return self.take(range(*index.indices(len(self))))
        position = range(len(self))[index]  # IndexError and negative indices as a tuple has them
        return self._make(tuple(self._values[n][self._codes[n][position]] for n in self._names))

    def _make(self, values: tuple[Any, ...]) -> R:
        row = object.__new__(self.row_type)  # the values were validated when the rows were made
        for name, value in zip(self._names, values, strict=True):
            object.__setattr__(row, name, value)
        return row

    def __add__(self, other: Iterable[R]) -> Rows[R]:
        return Rows(self.row_type, (*self, *other))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows):
            return self.row_type is other.row_type and all(
                list(self.column(n)) == list(other.column(n)) for n in self._names
            )
        if isinstance(other, (tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.row_type, *(tuple(self.column(n)) for n in self._names)))

    def __repr__(self) -> str:
        return f"Rows({self.row_type.__name__}, {len(self)} rows)"

    def __getstate__(self) -> tuple:
        return self.row_type, self._names, self._values, self._codes

    def __setstate__(self, state: tuple) -> None:
        self.row_type, self._names, self._values, self._codes = state


def _stored(values: tuple[Any, ...], rows: int) -> Sequence[Any]:
    """A column's distinct values; as one string when they are mostly distinct strings (a city's
    153 000 member ids: 8.6 MB as str objects, 1.7 MB joined with their offsets)."""
    if len(values) > max(1000, rows // 2) and all(type(v) is str for v in values):
        return Text(values)
    return values


class Text(Sequence[str]):
    """Strings joined into one, each read back by its end offset."""

    __slots__ = ("_ends", "_text")

    def __init__(self, values: Sequence[str]) -> None:
        self._text = "".join(values)
        self._ends = array("I", accumulate(map(len, values)))  # a file is at most 256 MB

    def __len__(self) -> int:
        return len(self._ends)

    def __iter__(self) -> Iterator[str]:
        text, start = self._text, 0
        for end in self._ends:
            yield text[start:end]
            start = end

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]
        return self._text[self._ends[index - 1] if index else 0 : self._ends[index]]

    def __getstate__(self) -> tuple[str, array]:
        return self._text, self._ends

    def __setstate__(self, state: tuple[str, array]) -> None:
        self._text, self._ends = state
