"""``qsdiff bench aux latent``: latent group actions against rotating the pixels.

Trains the two autoencoders of ``models/aux/latent/`` (plain rotated digits; rotated
digits under a fixed occluder) on one thread, then scores the predicted ``g x`` on held-out
digits by PSNR (dB) and SSIM beside the pixel-space action (rotate ``x``) and the do-nothing
answer (``x``), and checks composition ``g_2 g_1``. Full size trains 2,000 steps a model
(about 4-6 minutes on one free core); ``--quick`` trains 150.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

__all__ = ["main"]

_FULL_STEPS = 2000
_QUICK_STEPS = 150


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="qsdiff bench aux latent", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quick", action="store_true", help=f"{_QUICK_STEPS} steps a model")
    parser.add_argument("--steps", type=int, help="steps a model (overrides --quick)")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def _claims(settings: dict[str, Any]) -> dict[str, bool]:
    plain, occluded = settings["plain"], settings["occluded"]
    composition = occluded["composition"]
    return {
        "occluded_latent_beats_pixel_psnr": occluded["latent"]["psnr"] > occluded["pixel"]["psnr"],
        "occluded_latent_beats_pixel_ssim": occluded["latent"]["ssim"] > occluded["pixel"]["ssim"],
        "plain_latent_beats_identity_psnr": plain["latent"]["psnr"] > plain["identity"]["psnr"],
        "latent_composition_exact": all(
            s["composition"]["code_difference"]["sequential_vs_composed"] < 1e-5
            for s in settings.values()
        ),
        "occluded_composition_latent_beats_pixel": composition["latent_sequential"]["psnr"]
        > composition["pixel_sequential"]["psnr"],
    }


def run_bench(steps: int, seed: int, draws: int) -> dict[str, Any]:
    """Train both models for ``steps`` and measure them; the report as a dict."""
    import torch

    from models.aux import latent as la

    torch.set_num_threads(1)
    start = time.perf_counter()
    train_digits, test_digits = la.split_digits(la.load_digit_images())
    settings: dict[str, Any] = {}
    for name in ("plain", "occluded"):
        occluded = name == "occluded"
        began = time.perf_counter()
        model = la.train_model(
            train_digits, la.LatentConfig(occluded=occluded), la.LatentTrainConfig(steps, seed=seed)
        )
        trained = time.perf_counter() - began
        settings[name] = {
            **la.heldout_metrics(model, test_digits, occluded, draws),
            "composition": la.composition_metrics(model, test_digits, occluded),
            "train_seconds": round(trained, 1),
        }
    return {
        "benchmark": "aux latent",
        "paper": "Jin, Shrivastava, Fletcher: Learning Group Actions on Latent Representations"
        " (NeurIPS 2024)",
        "data": {
            "train_digits": len(train_digits),
            "heldout_digits": len(test_digits),
            "heldout_triples": draws * len(test_digits),
            "image_size": la.IMAGE_SIZE,
        },
        "steps_per_model": steps,
        "seed": seed,
        "threads": torch.get_num_threads(),
        "settings": settings,
        "claims": _claims(settings),
        "elapsed_seconds": round(time.perf_counter() - start, 1),
    }


def _table(report: dict[str, Any]) -> str:
    lines = [f"latent group actions, {report['steps_per_model']} steps a model"]
    lines.append(f"{'setting':<10} {'method':<10} {'PSNR dB':>8} {'SSIM':>6}")
    for name, setting in report["settings"].items():
        for method in ("latent", "pixel", "identity"):
            row = setting[method]
            lines.append(f"{name:<10} {method:<10} {row['psnr']:>8.2f} {row['ssim']:>6.3f}")
    lines += [f"{claim}: {held}" for claim, held in report["claims"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the report (JSON with ``--json``); exit 2 on bad options."""
    args = _parse(argv)
    steps = args.steps if args.steps is not None else _QUICK_STEPS if args.quick else _FULL_STEPS
    if steps < 1:
        sys.stderr.write("error: --steps must be at least 1\n")
        return 2
    report = run_bench(steps, args.seed, draws=1 if args.quick else 2)
    report["quick"] = args.quick
    sys.stdout.write((json.dumps(report, indent=2) if args.json else _table(report)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
