"""The domain's comparisons made straight from match codes, for the places a page
explains: :class:`Comparer` gives ``compare_all``'s result for a capacity and a place's
(valid) match code and hours, one place at a time or a code matrix at once, from the
per-byte results of :mod:`codec` and the packed tables of :mod:`scoring`.

Pure arrays and domain results: no database, no SQL text.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from itertools import islice
from typing import Any

import numpy as np

from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    CapacityFacts,
    ComparisonResult,
    all_dimensions,
    hours_within,
    week_limit,
)
from registry.search.codec import (
    NOT_STATED,
    SKIP,
    ByteResults,
    capacity_key,
    dimension_results,
    flag_results,
)
from registry.search.scoring import PACKED_VERDICT, all_results, capacity_tables, score_table

__all__ = ["Comparer"]

_at = operator.getitem


@functools.lru_cache(maxsize=8)
def _has_optional(version: int) -> bool:
    return any(dim.optional for dim in all_dimensions())


def _split(mask: np.ndarray, objects: np.ndarray) -> list[tuple[Any, ...]]:
    """Per row of ``objects``, the entries ``mask`` marks, in order, as a tuple."""
    counts = mask.sum(axis=1).tolist()
    if not any(counts):
        return [()] * len(counts)
    picked = iter(objects[mask].tolist())  # row by row, each row's in column order
    return [tuple(islice(picked, c)) if c else () for c in counts]


class Comparer:
    """``compare_all`` for one capacity, straight from a place's match code: every
    per-item result comes from the domain's own comparison (computed once per position,
    capacity band and byte, and shared: the results are immutable)."""

    def __init__(self, capacity: CapacityFacts, key: tuple | None = None) -> None:
        version, bands, avoid, needs, none = key or capacity_key(capacity)
        self.capacity = capacity
        self.optional = _has_optional(version)
        self._hours: dict[tuple, Any] = {}
        self._limit = week_limit(
            capacity.hours_per_day,
            capacity.hours_per_week,
            capacity.now_hours_per_day,
            capacity.now_hours_per_week,
        )
        self._key = (version, bands, avoid, needs, none)
        self._n_dims = len(bands)
        self._n_exp = len(EXPOSURES)
        numbers = capacity_tables(self._key)
        # (a band outside the catalogue's, if ever: its results are looked up row by row)
        self._offsets = None if numbers is None else 256 * numbers
        self._positions = 256 * np.arange(len(score_table(self._key)), dtype=np.int64)

    @functools.cached_property
    def _tables(self) -> tuple[ByteResults, ...]:
        """Per code position its results by byte (only for :meth:`compare` and a band
        outside the catalogue's)."""
        version, bands, avoid, needs, none = self._key
        return (
            *(dimension_results(version, i, cap, none) for i, cap in enumerate(bands)),
            *(flag_results(True, j, f.key in avoid, none) for j, f in enumerate(EXPOSURES)),
            *(flag_results(False, j, f.key in needs, none) for j, f in enumerate(CONDITIONS)),
        )

    def _hours_result(self, hours: tuple[Any, Any, Any]) -> Any:
        result = self._hours.get(hours)
        if result is None:
            result = self._hours[hours] = hours_within(
                *self._limit, hours[0], hours[1], bool(hours[2])
            )
        return result

    def compare(self, code: bytes, hours: tuple[Any, Any, Any]) -> ComparisonResult:
        """The comparison with a place of this (valid) match code and these hours
        (minimum, usual, lower start allowed)."""
        n_dims, n_exp = self._n_dims, self._n_exp
        results = tuple(map(_at, self._tables, code))
        dims = results[:n_dims]
        # an optional dimension the place did not state is left out
        if self.optional and NOT_STATED in code[:n_dims]:
            dims = tuple([r for r in dims if r is not SKIP])
        return ComparisonResult.of(
            dims,
            results[n_dims : n_dims + n_exp],
            results[n_dims + n_exp :],
            self._hours_result(hours),
        )

    def compare_many(
        self, codes: np.ndarray, hours: Sequence[tuple[Any, Any, Any]]
    ) -> list[ComparisonResult]:
        """:meth:`compare` for the rows of a (valid) code matrix at once, equal to it:
        every row's results are gathered from the flat table of results
        (:func:`all_results`), and which are conflicts, signals or unknowns (in
        catalogue order, as ``ComparisonResult.of`` sorts them out, the hours last) and
        each row's slack come from the packed table (:func:`score_table`): column by
        column, never result by result."""
        if not len(codes):
            return []
        n, width = codes.shape
        known, miss = self._hours.get, self._hours_result
        hours_results = [known(h) or miss(h) for h in hours]
        # per row and position, the hours last: the packed counts of its result, and
        # the result itself
        packed = np.empty((n, width + 1), dtype=np.int64)
        packed[:, :width] = score_table(self._key).ravel()[self._positions + codes]
        packed[:, width] = [PACKED_VERDICT[h.verdict] for h in hours_results]
        slack = (packed.sum(axis=1) >> 24).tolist()
        objects = np.empty((n, width + 1), dtype=object)
        if self._offsets is not None:
            objects[:, :width] = all_results(self._key[0]).flat[self._offsets + codes]
        else:
            objects[:, :width] = [list(map(_at, self._tables, c)) for c in codes.tolist()]
        objects[:, width] = hours_results
        n_dims, n_exp = self._n_dims, self._n_exp
        dims = list(map(tuple, objects[:, :n_dims].tolist()))
        if self.optional:  # an optional dimension not stated is left out
            for i in np.flatnonzero((codes[:, :n_dims] == NOT_STATED).any(axis=1)).tolist():
                dims[i] = tuple([r for r in dims[i] if r is not SKIP])
        return list(
            map(
                ComparisonResult,
                dims,
                map(tuple, objects[:, n_dims : n_dims + n_exp].tolist()),
                map(tuple, objects[:, n_dims + n_exp : width].tolist()),
                hours_results,
                _split((packed & 0xFF) != 0, objects),
                _split((packed & 0xFF00) != 0, objects),
                _split((packed & 0xFF0000) != 0, objects),
                slack,
            )
        )
