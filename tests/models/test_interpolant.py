import pytest
import torch

from models.interpolant import CosineSchedule, Interpolant, LinearSchedule, make_schedule

SCHEDULES = [LinearSchedule(), CosineSchedule()]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s.name)
def test_endpoints_are_prior_and_data(schedule):
    x0, x1 = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
    interp = Interpolant(schedule)
    torch.testing.assert_close(interp.interpolate(x0, x1, torch.tensor(0.0)), x0)
    torch.testing.assert_close(interp.interpolate(x0, x1, torch.tensor(1.0)), x1)


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s.name)
def test_derivatives_match_finite_differences(schedule):
    t = torch.linspace(0.05, 0.95, 7, dtype=torch.float64)
    h = 1e-6
    torch.testing.assert_close(
        schedule.d_alpha(t), (schedule.alpha(t + h) - schedule.alpha(t - h)) / (2 * h)
    )
    torch.testing.assert_close(
        schedule.d_beta(t), (schedule.beta(t + h) - schedule.beta(t - h)) / (2 * h)
    )


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s.name)
def test_conversions_recover_the_pair_that_made_x_t(schedule):
    interp = Interpolant(schedule)
    x0, x1 = torch.randn(6, 3, dtype=torch.float64), torch.randn(6, 3, dtype=torch.float64)
    t = torch.rand(6, 1, dtype=torch.float64) * 0.9 + 0.05
    x_t = interp.interpolate(x0, x1, t)
    torch.testing.assert_close(interp.noise_from_denoiser(x_t, x1, t), x0)
    velocity = interp.velocity_from_denoiser(x_t, x1, t)
    torch.testing.assert_close(velocity, schedule.d_alpha(t) * x0 + schedule.d_beta(t) * x1)
    torch.testing.assert_close(interp.denoiser_from_velocity(x_t, velocity, t), x1)
    score = interp.score_from_denoiser(x_t, x1, t)
    torch.testing.assert_close(score, -x0 / schedule.alpha(t))
    torch.testing.assert_close(interp.denoiser_from_score(x_t, score, t), x1)


def test_unknown_schedule_is_named():
    assert make_schedule("cosine").name == "cosine"
    with pytest.raises(ValueError, match=r"unknown schedule 'quadratic'.*'linear'"):
        make_schedule("quadratic")
