"""CoGS global solutions of Abelian-group addition: construct and analyse (library)."""

from __future__ import annotations

import math
from typing import Any

from service.errors import InvalidInput, field_error

__all__ = [
    "MAX_ANALYSE_NODES",
    "MAX_GROUP_ORDER",
    "CogsInputError",
    "analyse_weights",
    "construct_solution",
]

MAX_GROUP_ORDER = 127
"""Largest group order (product of the moduli) accepted; the paper's largest ``d``."""

MAX_ANALYSE_NODES = 512
"""Largest hidden width accepted by ``analyse``."""


class CogsInputError(InvalidInput):
    """Input that cannot be run; ``field`` names the offending parameter."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(field_error(field, message), f"{field}: {message}")


def _group(moduli: list[int]) -> Any:
    from models.aux.cogs import AbelianGroup

    if not moduli or any(not isinstance(n, int) or n < 2 for n in moduli):
        raise CogsInputError("moduli", f"expected integers >= 2, got {moduli}")
    order = math.prod(moduli)
    if order > MAX_GROUP_ORDER:
        raise CogsInputError(
            "moduli", f"group order {order} exceeds {MAX_GROUP_ORDER}; use smaller moduli"
        )
    return AbelianGroup(tuple(moduli))


def _summary(weights: Any, group: Any) -> dict[str, float]:
    from models.aux.cogs import accuracy, fourier_loss_terms, projected_loss, to_fourier

    return {
        "projected_loss": projected_loss(weights, group),
        "fourier_loss": float(fourier_loss_terms(to_fourier(weights, group), group).sum()),
        "accuracy": accuracy(weights, group),
    }


def construct_solution(moduli: list[int], order: int, seed: int = 0) -> dict[str, Any]:
    """The constructed weights (as lists), node frequencies and the loss they reach."""
    from models.aux.cogs import construct

    group = _group(moduli)
    if order not in (4, 6):
        raise CogsInputError("order", f"expected 4 or 6, got {order}")
    if group.order % 2 == 0:
        raise CogsInputError(
            "moduli",
            f"group order {group.order} is even: the constructions need every frequency k != -k"
            " (use odd moduli, e.g. 23 or 5 5)",
        )
    built = construct(group, order, seed=seed)
    elements = group.elements()
    return {
        "moduli": list(moduli),
        "group_order": group.order,
        "order": order,
        "num_nodes": built.weights.num_nodes,
        **_summary(built.weights, group),
        "node_frequency": [elements[k].tolist() for k in built.node_frequency],
        "w_a": built.weights.w_a.tolist(),
        "w_b": built.weights.w_b.tolist(),
        "w_c": built.weights.w_c.tolist(),
    }


def _matrix(name: str, value: Any, shape: tuple[int | None, int]) -> Any:
    import numpy as np

    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as e:
        raise CogsInputError(name, "expected a rectangular array of numbers") from e
    rows = shape[0] if shape[0] is not None else (array.shape[0] if array.ndim else 0)
    if array.ndim != 2 or array.shape != (rows, shape[1]):
        raise CogsInputError(
            name, f"expected shape [{rows}, {shape[1]}], got {list(np.shape(array))}"
        )
    if not np.all(np.isfinite(array)):
        raise CogsInputError(name, "has non-finite entries")
    return array


def analyse_weights(
    moduli: list[int], w_a: Any, w_b: Any, w_c: Any, alive: float = 0.05, tol: float = 0.1
) -> dict[str, Any]:
    """Per-frequency structure of ``w_a [q, d]``, ``w_b [q, d]``, ``w_c [d, q]``."""
    from models.aux.cogs import Weights, analyse

    group = _group(moduli)
    d = group.order
    a = _matrix("w_a", w_a, (None, d))
    q = a.shape[0]
    if not 1 <= q <= MAX_ANALYSE_NODES:
        raise CogsInputError("w_a", f"expected 1 to {MAX_ANALYSE_NODES} hidden nodes, got {q}")
    weights = Weights(a, _matrix("w_b", w_b, (q, d)), _matrix("w_c", w_c, (d, q)).copy())
    result = analyse(weights, group, alive=alive, tol=tol)
    return {
        "moduli": list(moduli),
        "num_nodes": q,
        "num_alive": result.num_alive,
        "purity": result.purity,
        "projected_loss": result.loss,
        "accuracy": result.accuracy,
        "match_fraction": result.match_fraction(),
        "frequencies": [
            {
                "frequency": list(f.frequency),
                "num_nodes": f.num_nodes,
                "kind": f.kind,
                "factor_error": f.factor_error,
            }
            for f in result.frequencies
        ],
    }
