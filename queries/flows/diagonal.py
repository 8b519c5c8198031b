"""The diagonal of M = (I - Q)^-1 for a large sparse Q, in memory linear in its nonzeros.

Q is a component's flow-share matrix: nonnegative, rows summing to at most 1, leaking
somewhere, so M = sum_k Q^k and m_ii counts the expected returns of a dollar to i. The
dense inverse costs n^3 time and n^2 memory; here instead:
- the hubs (the `HUBS` members with the largest in-degree x out-degree) are taken out
  through the Schur complement: every walk through a hub is counted exactly from 2 x `HUBS`
  solves, and what is left may fall apart into components, the small ones inverted exactly;
- in each large component left, returns of up to four hops are counted exactly: diag(Q^k),
  k <= 4, from sparse products in row blocks; their cost grows with sum_j in_j * out_j,
  which on power-law graphs the hubs dominate (taking out 64 of the 47,000 members of the
  1M benchmark's core cuts it from 199 to 37 per nonzero);
- longer walks have spread over the component, so their returns follow its dominant
  (Perron) mode: sum_{k>=5} (Q^k)_ii ~ lam^5 / (1 - lam) u_i v_i, with lam the spectral
  radius and u, v its right and left eigenvectors (v.u = 1);
- the members carrying the most money, and a seeded random sample of the others, are solved
  exactly ((I - Q) x = e_i, a block at a time); the sample's errors against the model set
  the standard error reported for the members left estimated.
Stochastic (Hutchinson) estimates were measured too: on the 5,000-member core of the 100k
benchmark their noise per member is 100 times this model's error, for the same work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from scipy.sparse.csgraph import connected_components

EXACT_HOPS = 4  # round trips counted exactly; diag(Q^5) would need rows of Q^3 (quadratic)
EXACT_TOP = 32  # members by estimated cycled money, solved exactly
SAMPLE = 64  # random members solved exactly to measure the model's error
_ROWS = 1024  # row block for the sparse products
_COLUMNS = 8  # exact solves run together: 8 columns of a 50,000-member component stay in
# the CPU cache, where 96 at once ran 1.7x slower per column
_TOL = 1e-10  # relative residual of the exact solves
HUBS = 64  # members whose walks are counted exactly through the Schur complement
DENSE_MAX = 2_000  # members; the dense inverse takes 0.5 s and 190 MB at 2,000, 7 s at 5,000


@dataclass(frozen=True)
class Diagonal:
    values: np.ndarray  # m_ii
    stderr: np.ndarray  # standard error of m_ii; 0 where exact
    exact: np.ndarray  # bool: solved exactly
    shared: float = 0.0  # the part of the errors common to all estimated members, per stderr


def short_returns(q: sp.csr_matrix) -> np.ndarray:
    """1 + sum_{k=1..4} diag(Q^k): the returns of walks of up to four hops, exactly."""
    qt = q.T.tocsr()
    total = 1 + q.diagonal() + np.asarray(q.multiply(qt).sum(axis=1)).ravel()
    for start in range(0, q.shape[0], _ROWS):
        rows = slice(start, start + _ROWS)
        two = q[rows] @ q  # rows of Q^2
        total[rows] += np.asarray(two.multiply(qt[rows]).sum(axis=1)).ravel()  # diag(Q^3)
        back = qt[rows] @ qt  # rows of (Q^T)^2, i.e. columns of Q^2
        total[rows] += np.asarray(two.multiply(back).sum(axis=1)).ravel()  # diag(Q^4)
    return total


def perron(q: sp.csr_matrix) -> tuple[float, np.ndarray, np.ndarray]:
    """Spectral radius and its right and left eigenvectors (v.u = 1); zeros if not found.

    The mode only shapes the model and speeds the solves; the exact solves check themselves.
    """
    n = q.shape[0]
    none = (0.0, np.zeros(n), np.zeros(n))
    if n < 3:
        return none
    start = np.ones(n)  # ARPACK's default start is random: fix it for reproducible output
    try:
        lam, right = sla.eigs(q, k=1, which="LR", v0=start, tol=1e-9)
        _, left = sla.eigs(q.T.tocsr(), k=1, which="LR", v0=start, tol=1e-9)
    except (sla.ArpackNoConvergence, sla.ArpackError):
        return none
    lam, u, v = float(lam[0].real), np.abs(right[:, 0].real), np.abs(left[:, 0].real)
    if not 0 < lam < 1 or v @ u <= 0:
        return none
    return lam, u, v / (v @ u)


def solve(q: sp.csr_matrix, rhs: np.ndarray, lam: float, u: np.ndarray, v: np.ndarray):
    """X = (I - Q)^-1 rhs for a block of right-hand sides.

    Richardson sweeps preconditioned by the Perron mode converge at the rate of Q's second
    eigenvalue, not its first (about 20 sweeps on the benchmark cores); GMRES takes any
    column that has not converged after that.
    """
    gain = lam / (1 - lam)
    scale = np.linalg.norm(rhs, axis=0)
    x = rhs + gain * np.outer(u, v @ rhs)
    first = None
    for _ in range(300):
        residual = rhs - x + q @ x
        norms = np.linalg.norm(residual, axis=0)
        first = norms.max() if first is None else first
        if np.all(norms <= _TOL * scale) or not np.all(norms < 1e6 * first):
            break
        x += residual + gain * np.outer(u, v @ residual)
    unsolved = ~(norms <= _TOL * scale)
    if unsolved.any():
        a = (sp.identity(q.shape[0], format="csr") - q).tocsr()
        for j in np.flatnonzero(unsolved):
            start = x[:, j] if np.isfinite(norms[j]) and norms[j] < first else None
            x[:, j], _ = sla.gmres(a, rhs[:, j], x0=start, rtol=_TOL, restart=60, maxiter=500)
    return x


def dense_diagonal(q: sp.spmatrix) -> np.ndarray:
    """diag((I - Q)^-1) by the dense inverse: exact, for components of up to `DENSE_MAX`."""
    return np.diag(np.linalg.inv(np.eye(q.shape[0]) - q.toarray()))


def _solve_units(q: sp.csr_matrix, members: np.ndarray, lam: float, u, v) -> np.ndarray:
    """m_ii for each member i, from (I - Q) x = e_i."""
    rhs = np.zeros((q.shape[0], len(members)))
    rhs[members, np.arange(len(members))] = 1.0
    return _solve_columns(q, rhs, lam, u, v)[members, np.arange(len(members))]


def _hubs(q: sp.csr_matrix, count: int) -> np.ndarray:
    """The `count` members with the most in-degree x out-degree: the walks through them are
    what makes counting short returns superlinear on power-law graphs."""
    pairs = np.diff(q.tocsc().indptr) * np.diff(q.indptr)
    count = min(count, int(np.count_nonzero(pairs)), q.shape[0] // 8)
    return np.sort(np.argsort(-pairs, kind="stable")[:count])


def _solve_columns(q: sp.csr_matrix, rhs: np.ndarray, lam: float, u, v) -> np.ndarray:
    """(I - Q)^-1 rhs, `_COLUMNS` columns at a time (they stay in the CPU cache)."""
    blocks = np.array_split(rhs, -(-rhs.shape[1] // _COLUMNS), axis=1)
    return np.hstack([solve(q, np.ascontiguousarray(block), lam, u, v) for block in blocks])


def inverse_diagonal(
    q: sp.csr_matrix,
    weights: np.ndarray,
    exact_top: int = EXACT_TOP,
    sample: int = SAMPLE,
    hubs: int = HUBS,
    dense_max: int = DENSE_MAX,
) -> Diagonal:
    """diag((I - Q)^-1): exact for the hubs, the heaviest members and a random sample;
    modelled for the rest.

    With H the hubs and R the rest, A = I - Q_RR, X = A^-1 Q_RH, Y = Q_HR A^-1 and the
    Schur complement S = I - Q_HH - Q_HR X (Woodbury):
        M_HH = S^-1 and M_RR = A^-1 + X S^-1 Y,
    so every walk through a hub is counted exactly from 2 |H| solves, and only the walks
    that avoid the hubs are modelled (`_modelled` on Q_RR). `weights` (the throughflows)
    rank members by cycled money, c_i T_i.
    """
    n = q.shape[0]
    hub = _hubs(q, hubs)
    if not len(hub):
        return _modelled(q, weights, exact_top, sample, np.zeros(n))
    rest = np.setdiff1d(np.arange(n), hub)
    q_rows, q_hub = q[rest], q[hub]
    q_rr, q_hr = q_rows[:, rest].tocsr(), q_hub[:, rest]
    lam, u, v = perron(q_rr)
    x = _solve_columns(q_rr, q_rows[:, hub].toarray(), lam, u, v)
    y = _solve_columns(q_rr.T.tocsr(), q_hr.T.toarray(), lam, v, u)  # Y^T
    s_inv = np.linalg.inv(np.eye(len(hub)) - q_hub[:, hub].toarray() - q_hr @ x)
    through_hubs = ((x @ s_inv) * y).sum(axis=1)
    found = _by_component(q_rr, weights[rest], exact_top, sample, through_hubs, dense_max)
    values, stderr, exact = np.empty(n), np.zeros(n), np.ones(n, dtype=bool)
    values[hub] = np.diag(s_inv)
    values[rest], stderr[rest], exact[rest] = found.values, found.stderr, found.exact
    return Diagonal(values, stderr, exact, found.shared)


def _by_component(q, weights, exact_top, sample, extra, dense_max) -> Diagonal:
    """diag((I - Q)^-1) + `extra` for a Q that may have fallen apart once its hubs left: a
    dollar returns only inside its strongly connected component, so small components are
    inverted exactly (up to `dense_max` members) and only large ones modelled."""
    n = q.shape[0]
    _, label = connected_components(q, directed=True, connection="strong")
    order = np.argsort(label, kind="stable")
    cuts = np.flatnonzero(np.r_[True, np.diff(label[order]) != 0, True])
    values = 1 / (1 - q.diagonal()) + extra  # a member alone in its component
    stderr, exact, shared = np.zeros(n), np.ones(n, dtype=bool), 0.0
    for first, end in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        if end - first < 2:
            continue
        members = order[first:end]
        part = q[members][:, members]
        if end - first <= dense_max:
            values[members] = dense_diagonal(part) + extra[members]
            continue
        found = _modelled(part.tocsr(), weights[members], exact_top, sample, extra[members])
        values[members], stderr[members] = found.values, found.stderr
        exact[members], shared = found.exact, max(shared, found.shared)
    return Diagonal(values, stderr, exact, shared)


def _modelled(q, weights, exact_top, sample, extra) -> Diagonal:
    """diag((I - Q)^-1) + `extra`: the short returns exactly, longer ones from the Perron
    mode, and `exact_top` + `sample` members solved to check and bound the model."""
    n = q.shape[0]
    lam, u, v = perron(q)
    tail = lam**5 / (1 - lam) * u * v if lam else np.zeros(n)
    values = short_returns(q) + tail + extra
    order = np.argsort(-(weights * (1 - 1 / values)), kind="stable")
    rest = order[exact_top:]
    picked = np.random.default_rng(0).choice(rest, min(sample, len(rest)), replace=False)
    chosen = np.concatenate([order[:exact_top], picked]).astype(int)
    solved = _solve_units(q, chosen, lam, u, v)
    scale = tail if lam else np.ones(n)  # the model's error grows with what it models
    misses = solved[exact_top:] + extra[picked] - values[picked]
    misses /= np.where(scale[picked] > 0, scale[picked], 1)
    sigma = float(np.sqrt(np.mean(misses**2))) if len(misses) else 0.0
    # the sample's mean miss, and its own uncertainty: an error every member may share
    shared = np.sqrt(np.mean(misses) ** 2 + np.var(misses) / len(misses)) if sigma else 0.0
    values[chosen] = solved + extra[chosen]
    exact = np.zeros(n, dtype=bool)
    exact[chosen] = True
    return Diagonal(
        values, np.where(exact, 0.0, sigma * scale), exact, shared / sigma if sigma else 0.0
    )
