"""Secondary-structure plans: a segment model of P-SEA strings, to condition unconditional requests.

A chain's secondary structure is a run of segments (helix, strand, loop). The plan model keeps,
from the training chains, how chains begin (the first segment's letter), which letter follows
which, and the length distribution of each letter's segments; a plan of ``L`` residues draws
segments from these until it is ``L`` long. It is the first stage of a backbone request without
its own ``secondary_structure``: the plan is drawn, then the network generates a chain for it
(classifier-free guidance makes the plan's letters matter). Fitted at training time and stored in
the checkpoint as a plain dict, so serving needs no data.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["SegmentPlanModel"]

LETTERS = "HEL"
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

    def sample(self, length: int, rng: np.random.Generator) -> str:
        """A plan of ``length`` letters."""
        letters: list[str] = []
        letter = int(rng.choice(3, p=self.first))
        while len(letters) < length:
            letters += LETTERS[letter] * int(rng.choice(MAX_SEGMENT + 1, p=self.lengths[letter]))
            letter = int(rng.choice(3, p=self.transitions[letter]))
        return "".join(letters[:length])

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
