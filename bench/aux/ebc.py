"""``qsdiff bench aux ebc``: EbC against its ``R = I`` ablation, on both worlds, as one JSON.

For each world (``latent``: signed permutations through a random invertible MLP; ``shapes``:
rendered images under ``R_8 x Z_4 x Z_4``) an EbC encoder as configured by default, the same
with the gradient through the least-squares ``R`` the other way round (``solve_gradient``; the
default has it on the shapes only), on the shapes the same in the latent dimension
(``ebc_at_latent_dim``: 6 instead of 16) and an ablation (``R`` fixed to the identity) are
fitted with the same budget and seed, and measured side by side: linear
identifiability ``r2``, ``equivariance_error`` (embedding space), ``latent_equivariance_error``
(read out to the true latents) and ``homomorphism_error``. ``claims`` states what the paper
predicts: EbC identifies the latents, the ablation does not; on the shapes also up to an
automorphism of the group (``twisted``, below).

``--diagnose`` (EbC in the latent dimension without the gradient through ``R``,
:data:`DIAGNOSE_STEPS` steps: the fit whose collapse it explains) adds, on shapes, where EbC
stands when the scenes are exactly the group's orbit (one outline, poses ``g`` applied to the
upright one at the origin, so no content):
fitted from a random encoder, and from an encoder first regressed onto the true latents.
Per-latent ``R^2`` of both says whether a factor is not identifiable or just not found. A third
fit from random, with the gradient through ``R`` (:data:`DIAGNOSE_GRADIENT_STEPS` steps), ends
(at seed 0) at the loss of the true latents with the orientation sheared by the x shifts: its
``twisted`` says so where per-latent ``R^2`` cannot. It
also regresses the same encoder onto the true latents of the full shapes world, with the same
budget (``full_world_regressed``: what the architecture finds there with full supervision),
and fits EbC from there (``full_world_from_regressed``): its ``final_loss`` beside the shapes
setting's own (from a random encoder) says whether the objective or the optimisation falls
short. ``full_world_spectrum_only`` fits EbC with an encoder that cannot see the positions
(:class:`~models.aux.ebc.SpectrumEncoder`): whether the orientation is identified once the
positions cannot compete with it. Every shapes fit also reports ``position_share``, the share
of its embedding's variance that the positions alone explain, ``variance_shares``, its
variance along its principal directions (trailing zeros: a collapsed embedding), and
``twisted``: each latent circle's ``R^2`` up to a shear of the circles, an automorphism of the
group that the objective cannot tell from the identity (:func:`~models.aux.ebc.twisted_r2`).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import replace
from typing import Any

__all__ = ["main"]

QUICK_STEPS = {"latent": 150, "shapes": 40}
DIAGNOSE_STEPS = 600
DIAGNOSE_GRADIENT_STEPS = 3000
FULL_SAMPLES, QUICK_SAMPLES = 4000, 1000


def _final_loss(losses: list[float]) -> float:
    """The mean of the last 20 steps' losses, rounded."""
    return round(sum(losses[-20:]) / len(losses[-20:]), 4)


def _one(setting: str, steps: int, samples: int, seed: int, **variant: Any) -> dict[str, Any]:
    """One fit of ``setting`` (``variant``: e.g. ``identity``, ``solve_gradient``), measured."""
    from models.aux.ebc import EbcConfig, ShapesWorld, fit, measure

    config = EbcConfig.for_setting(setting, steps=steps, seed=seed, **variant)
    result = fit(config)
    assert result is not None  # never cancelled here
    world = config.world()
    report = {
        **measure(result.encoder, world, samples=samples).rounded(),
        "final_loss": _final_loss(result.losses),
        "fit_seconds": round(result.seconds, 1),
    }
    if isinstance(world, ShapesWorld):
        report.update(_spread(result.encoder, world, samples))
    return report


def _spread(encoder: Any, world: Any, samples: int) -> dict[str, Any]:
    """A shapes embedding's spread and what it identifies up to a shear of the latent circles."""
    from models.aux.ebc import position_share, twisted_r2, variance_shares

    twisted = twisted_r2(encoder, world, samples=samples)
    return {
        "position_share": round(position_share(encoder, world, samples=samples), 4),
        "variance_shares": [round(v, 3) for v in variance_shares(encoder, world, samples=samples)],
        "twisted": {name: {**t, "r2": round(t["r2"], 4)} for name, t in twisted.items()},
    }


def _regressed_onto_latents(world: Any, config: Any, steps: int) -> Any:
    """An encoder regressed (squared error) onto the true latents ``z``: the diagnosis' start."""
    import numpy as np
    import torch

    from models.aux.ebc import Encoder

    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    encoder = Encoder(world.obs_dim, config.latent_dim, config.hidden)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=config.lr)
    for _ in range(steps):
        scenes = world.sample(512, rng)
        y, z = torch.from_numpy(world.observe(scenes)), torch.from_numpy(scenes.z).float()
        loss = (encoder(y) - z).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return encoder


def _fitted(config: Any, world: Any, encoder: Any, samples: int) -> dict[str, Any]:
    """EbC fitted on shapes from ``encoder`` (None: a random one; trained in place), measured."""
    from models.aux.ebc import fit, measure

    result = fit(config, world=world, encoder=encoder)
    assert result is not None  # never cancelled here
    return {
        **measure(result.encoder, world, samples=samples).rounded(),
        **_spread(result.encoder, world, samples),
        "final_loss": _final_loss(result.losses),
    }


def _diagnose(steps: int, gradient_steps: int, samples: int, seed: int) -> dict[str, Any]:
    """EbC from random and true-latent starts (orbit and full world), and position-blind.

    ``gradient_steps``: the budget of the orbit fit with the gradient through ``R``.
    """
    import torch

    from models.aux.ebc import EbcConfig, ShapesWorld, SpectrumEncoder, measure

    world = ShapesWorld(m=8, n=4, size=16, shapes=1, seed=1234, orbit_only=True)
    config = EbcConfig.for_setting(
        "shapes", steps=steps, seed=seed, embedding=6, solve_gradient=False
    )
    start = _regressed_onto_latents(world, config, steps)
    gradient = replace(config, steps=gradient_steps, solve_gradient=True)
    report: dict[str, Any] = {
        "world": "one outline, poses on the orbit of R_8 x Z_4 x Z_4 (128 scenes)",
        "true_latent_start": measure(start, world, samples=samples).rounded(),
        "from_random": _fitted(config, world, None, samples),
        "from_true_latents": _fitted(config, world, start, samples),
        "from_random_with_solve_gradient": _fitted(gradient, world, None, samples),
    }
    full = config.world()
    supervised = _regressed_onto_latents(full, config, steps)
    report["full_world_regressed"] = measure(supervised, full, samples=samples).rounded()
    report["full_world_from_regressed"] = _fitted(config, full, supervised, samples)
    torch.manual_seed(config.seed)
    blind = SpectrumEncoder(full.obs_dim, config.embedding_dim, config.hidden)
    report["full_world_spectrum_only"] = _fitted(config, full, blind, samples)
    return report


def _setting(setting: str, steps: int, samples: int, seed: int) -> dict[str, Any]:
    """EbC as configured by default beside its variants and its ablation, same budget and seed.

    The variants: the gradient through ``R`` the other way round, and on the shapes the
    embedding cut to the latent dimension (what the default's extra dimensions buy).
    """
    from models.aux.ebc import EbcConfig

    default = EbcConfig.for_setting(setting)
    flipped = not default.solve_gradient
    arms = {
        "ebc": {},
        f"ebc_{'with' if flipped else 'without'}_solve_gradient": {"solve_gradient": flipped},
        "identity_ablation": {"identity": True},
    }
    if default.embedding_dim != default.latent_dim:
        arms["ebc_at_latent_dim"] = {"embedding": default.latent_dim}
    fits = {name: _one(setting, steps, samples, seed, **v) for name, v in arms.items()}
    claims = _claims(fits["ebc"], fits["identity_ablation"])
    return {"steps": steps, "systems": default.systems, **fits, "claims": claims}


def _claims(ebc: dict[str, Any], ablation: dict[str, Any]) -> dict[str, bool]:
    claims = {
        "ebc_identifies_latents": ebc["r2"] >= 0.8,
        "ablation_fails_r2": ablation["r2"] <= ebc["r2"] - 0.3,
        "ablation_fails_latent_equivariance": ablation["latent_equivariance_error"]
        >= ebc["latent_equivariance_error"] + 0.3,
    }
    if "twisted" in ebc:
        claims["ebc_identifies_latents_up_to_automorphism"] = _twisted_mean(ebc) >= 0.8
        claims["ablation_fails_up_to_automorphism"] = (
            _twisted_mean(ablation) <= _twisted_mean(ebc) - 0.3
        )
    return claims


def _twisted_mean(fit: dict[str, Any]) -> float:
    """The mean over the shapes' circles of their ``R^2`` up to a shear."""
    return sum(t["r2"] for t in fit["twisted"].values()) / len(fit["twisted"])


def main(argv: list[str] | None = None) -> int:
    """Print the JSON report."""
    parser = argparse.ArgumentParser(prog="qsdiff bench aux ebc", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small budget (tests)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--diagnose", action="store_true", help="add the orbit-only shapes diagnosis"
    )
    parser.add_argument("--settings", nargs="+", choices=["latent", "shapes"],
                        default=["latent", "shapes"])  # fmt: skip
    args = parser.parse_args(argv)

    import torch

    from models.aux.ebc import SETTING_DEFAULTS

    torch.set_num_threads(1)
    steps = QUICK_STEPS if args.quick else {k: d["steps"] for k, d in SETTING_DEFAULTS.items()}
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
        report["settings"][setting] = _setting(setting, steps[setting], samples, args.seed)
    if args.diagnose:
        diagnose_steps = QUICK_STEPS["shapes"] if args.quick else DIAGNOSE_STEPS
        gradient_steps = QUICK_STEPS["shapes"] if args.quick else DIAGNOSE_GRADIENT_STEPS
        report["diagnosis"] = _diagnose(diagnose_steps, gradient_steps, samples, args.seed)
    report["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report, indent=1))
    return 0
