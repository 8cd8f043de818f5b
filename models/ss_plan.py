"""Secondary-structure plans: a segment model of P-SEA strings, to condition unconditional requests.

A chain's secondary structure is a run of segments (helix, strand, loop). The plan model keeps,
from the training chains, how chains begin (the first segment's letter), which letter follows
which, and the length distribution of each letter's segments; a plan of ``L`` residues draws
segments from these until it is ``L`` long. It is the first stage of a backbone request without
its own ``secondary_structure``: the plan is drawn, then the network generates a chain for it
(classifier-free guidance makes the plan's letters matter). Fitted at training time and stored in
the checkpoint as a plain dict, so serving needs no data. A request of helix and strand fractions
instead gets the closest of several plans drawn without the letters it asks for none of.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["SegmentPlanModel"]

LETTERS = "HEL"
FRACTION_DRAWS = 64
"""Plans drawn for a request of helix / strand fractions; the closest is kept."""
MAX_SEGMENT = 64
"""Segments longer than this count as this long (a few very long helices would otherwise give
the length distribution a tail that single plans cannot use)."""


@dataclass(frozen=True)
class SegmentPlanModel:
    """First-letter probabilities ``[3]``, letter transitions ``[3, 3]`` and segment lengths.

    ``lengths[k, n]`` is the probability that a segment of ``LETTERS[k]`` is ``n`` long
    (``n`` from 0 to :data:`MAX_SEGMENT`, 0 never drawn).
    """

    first: np.ndarray
    transitions: np.ndarray
    lengths: np.ndarray

    @classmethod
    def fit(cls, strings: Iterable[str]) -> SegmentPlanModel:
        """Counts over the segments of ``strings`` (letters ``H``, ``E``, ``L``).

        First letters and transitions are add-one smoothed; segment lengths are not.
        """
        first = np.ones(3)
        transitions = np.ones((3, 3)) - np.eye(3)
        lengths = np.zeros((3, MAX_SEGMENT + 1))
        for string in strings:
            segments = [(LETTERS.index(k), len(list(g))) for k, g in itertools.groupby(string)]
            if not segments:
                continue
            first[segments[0][0]] += 1
            for (a, _), (b, _) in itertools.pairwise(segments):
                transitions[a, b] += 1
            for letter, n in segments:
                lengths[letter, min(n, MAX_SEGMENT)] += 1
        lengths[:, 0] = 0
        lengths[lengths.sum(1) == 0, 1] = 1  # a letter never seen: segments of one residue
        return cls(
            first / first.sum(),
            transitions / transitions.sum(1, keepdims=True),
            lengths / lengths.sum(1, keepdims=True),
        )

    def sample(self, length: int, rng: np.random.Generator, letters: str = LETTERS) -> str:
        """A plan of ``length`` letters, drawn from ``letters`` only.

        Segments of the letters left out are never begun.
        """
        allowed = np.array([letter in letters for letter in LETTERS], dtype=float)
        if allowed.sum() == 1:
            return letters[0] * length
        first, transitions = self.first, self.transitions
        if not allowed.all():
            first = first * allowed / (first * allowed).sum()
            transitions = transitions * allowed
            transitions = transitions / transitions.sum(1, keepdims=True)
        plan: list[str] = []
        letter = int(rng.choice(3, p=first))
        while len(plan) < length:
            plan += LETTERS[letter] * int(rng.choice(MAX_SEGMENT + 1, p=self.lengths[letter]))
            letter = int(rng.choice(3, p=transitions[letter]))
        return "".join(plan[:length])

    def sample_near(
        self, length: int, helix: float, strand: float, rng: np.random.Generator
    ) -> str:
        """A plan whose helix and strand fractions come close to ``helix`` and ``strand``.

        The closest (L1 over both fractions) of :data:`FRACTION_DRAWS` plans, drawn without the
        letters asked for none of: segment lengths stay natural, so ``helix=1`` gives helices
        between short loops (an all-alpha fold), not one helix end to end.
        """
        letters = (
            "".join(k for k, wanted in zip("HE", (helix, strand), strict=True) if wanted > 0) + "L"
        )

        def distance(plan: str) -> float:
            return abs(plan.count("H") / length - helix) + abs(plan.count("E") / length - strand)

        return min((self.sample(length, rng, letters) for _ in range(FRACTION_DRAWS)), key=distance)

    def to_dict(self) -> dict:
        """Plain lists, for a checkpoint."""
        return {
            "first": self.first.tolist(),
            "transitions": self.transitions.tolist(),
            "lengths": self.lengths.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> SegmentPlanModel:
        """Inverse of :meth:`to_dict`."""
        return cls(*(np.asarray(data[key]) for key in ("first", "transitions", "lengths")))
