"""The independent check of a matchmaking round's optimum (tests and benchmark only).

A second formulation with a second solver: every place is expanded into one column per
slot it may receive, every candidate is one row, and SciPy's ``linear_sum_assignment``
(a shortest-augmenting-path Hungarian method, not a flow) maximises the total value of
a rectangular assignment in which a non-pair is worth 0 (the same as no place: every
pair's value is positive). Locked pairs are taken out first. Candidates must have a
limit of 1. Exact on integers below 2**53 (only sums and differences of them).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from registry.domain.matchmaking import Problem


def independent_optimum(problem: Problem) -> int:
    """The largest total value of any feasible assignment (locked pairs included)."""
    if problem.limit.size and int(problem.limit.max()) > 1:
        raise ValueError("the reference handles one place per candidate")
    cap = problem.capacity.astype(np.int64).copy()
    locked_value = int(problem.value[problem.locked].sum())
    taken = set(problem.pair_c[problem.locked].tolist())
    np.subtract.at(cap, problem.pair_p[problem.locked], 1)
    rows = [c for c in range(problem.n_candidates) if c not in taken and problem.limit[c] > 0]
    row_of = {c: i for i, c in enumerate(rows)}
    cap = np.maximum(cap, 0)
    first_col = np.concatenate(([0], np.cumsum(cap)))
    n_cols = int(first_col[-1])
    if not rows or not n_cols:
        return locked_value
    matrix = np.zeros((len(rows), n_cols), dtype=np.float64)
    for i in np.flatnonzero(~problem.locked):
        c, p = int(problem.pair_c[i]), int(problem.pair_p[i])
        if c in row_of and cap[p]:
            matrix[row_of[c], first_col[p] : first_col[p + 1]] = float(problem.value[i])
    r, k = linear_sum_assignment(matrix, maximize=True)
    return locked_value + int(round(matrix[r, k].sum()))


def exhaustive_optimum(problem: Problem) -> int:
    """Brute force over every subset of pairs (tiny rounds only, any limits)."""
    n = problem.pair_c.size
    if n > 16:
        raise ValueError("too many pairs for brute force")
    best = -1
    for mask in range(1 << n):
        chosen = np.array([(mask >> i) & 1 for i in range(n)], dtype=bool)
        if (problem.locked & ~chosen).any():
            continue
        per_c = np.bincount(problem.pair_c[chosen], minlength=problem.n_candidates)
        per_p = np.bincount(problem.pair_p[chosen], minlength=problem.n_places)
        if (per_c > problem.limit).any() or (per_p > problem.capacity).any():
            continue
        best = max(best, int(problem.value[chosen].sum()))
    return best
