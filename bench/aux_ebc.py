"""``qsdiff bench aux ebc``: EbC against its ``R = I`` ablation, on both worlds, as one JSON.

For each world (``latent``: signed permutations through a random invertible MLP; ``shapes``:
rendered images under ``R_8 x Z_4 x Z_4``) an EbC encoder and an ablation (``R`` fixed to the
identity) are fitted with the same budget and seed, and measured side by side: linear
identifiability ``r2``, ``equivariance_error`` (embedding space), ``latent_equivariance_error``
(read out to the true latents) and ``homomorphism_error``. ``claims`` states what the paper
predicts: EbC identifies the latents, the ablation does not.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import asdict
from typing import Any

__all__ = ["main"]

FULL_STEPS = {"latent": 1500, "shapes": 600}
QUICK_STEPS = {"latent": 150, "shapes": 40}
SYSTEMS = {"latent": 64, "shapes": 32}
FULL_SAMPLES, QUICK_SAMPLES = 4000, 1000


def _one(setting: str, steps: int, identity: bool, samples: int, seed: int) -> dict[str, Any]:
    from models.aux.ebc import EbcConfig, fit, measure

    config = EbcConfig(
        setting=setting, steps=steps, systems=SYSTEMS[setting], identity=identity, seed=seed
    )
    result = fit(config)
    assert result is not None  # never cancelled here
    measured = measure(result.encoder, config.world(), samples=samples)
    return {
        **{k: round(v, 4) for k, v in asdict(measured).items()},
        "final_loss": round(sum(result.losses[-20:]) / len(result.losses[-20:]), 4),
        "fit_seconds": round(result.seconds, 1),
    }


def _claims(ebc: dict[str, float], ablation: dict[str, float]) -> dict[str, bool]:
    return {
        "ebc_identifies_latents": ebc["r2"] >= 0.8,
        "ablation_fails_r2": ablation["r2"] <= ebc["r2"] - 0.3,
        "ablation_fails_latent_equivariance": ablation["latent_equivariance_error"]
        >= ebc["latent_equivariance_error"] + 0.3,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the JSON report."""
    parser = argparse.ArgumentParser(prog="qsdiff bench aux ebc", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small budget (tests)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settings", nargs="+", choices=["latent", "shapes"],
                        default=["latent", "shapes"])  # fmt: skip
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    steps = QUICK_STEPS if args.quick else FULL_STEPS
    samples = QUICK_SAMPLES if args.quick else FULL_SAMPLES
    start = time.perf_counter()
    report: dict[str, Any] = {
        "benchmark": "aux ebc",
        "quick": args.quick,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.machine(),
        "settings": {},
    }
    for setting in args.settings:
        ebc = _one(setting, steps[setting], False, samples, args.seed)
        ablation = _one(setting, steps[setting], True, samples, args.seed)
        report["settings"][setting] = {
            "steps": steps[setting],
            "systems": SYSTEMS[setting],
            "ebc": ebc,
            "identity_ablation": ablation,
            "claims": _claims(ebc, ablation),
        }
    report["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report, indent=1))
    return 0
