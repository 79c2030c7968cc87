import math

import pytest

from weightviz import health
from weightviz.health import LossMonitor


def feed(monitor, losses):
    return [monitor.update(loss) for loss in losses]


def test_smoothed_loss_is_the_bias_corrected_moving_average():
    """k = 2, β = ½: ŝ₁ = ℓ₁, ŝ₂ = (β(1−β)ℓ₁ + (1−β)ℓ₂)/(1−β²) = (ℓ₁ + 2ℓ₂)/3; a constant loss stays itself."""
    m = LossMonitor(2, start_loss=5.0)
    feed(m, [3.0])
    assert m.smoothed == pytest.approx(3.0)
    feed(m, [6.0])
    assert m.smoothed == pytest.approx((3.0 + 2 * 6.0) / 3)
    constant = LossMonitor(50, start_loss=1.0)
    feed(constant, [0.7] * 10)
    assert constant.smoothed == pytest.approx(0.7)
    assert health.window(160, 1) == 100 and health.window(48, 48) == 1 and health.window(240, 32) == 8


def test_best_counts_once_a_whole_window_is_averaged():
    m = LossMonitor(3, start_loss=1.0)
    feed(m, [1e-4, 0.5])  # a lucky first batch is no yardstick
    assert m.best == 1.0 and m.growth == pytest.approx(m.smoothed)
    feed(m, [0.5])
    assert m.best == pytest.approx(m.smoothed)


def test_healthy_means_within_ten_times_the_best_or_no_worse_than_the_start():
    """ŝ_t ≤ max(10·b_t, L₀), full batch (k = 1: ŝ = ℓ)."""
    m = LossMonitor(1, start_loss=2.0)
    assert feed(m, [0.1, 0.99, 1.01, 1.9, 2.0, 2.01]) == [True, True, True, True, True, False]
    m = LossMonitor(1, start_loss=2.0)
    assert feed(m, [2.5, 19.9, 20.1]) == [True, True, False]  # b = L₀ = 2 until the loss beats it
    assert LossMonitor(1, start_loss=math.nan).update(1e20)  # nothing to compare with


def test_exploding_needs_a_thousandfold_growth_above_the_start_that_is_still_growing():
    def flags(monitor, losses):
        return [monitor.update(loss) is not None and monitor.exploding for loss in losses]

    rising = LossMonitor(1, start_loss=1.0)
    assert flags(rising, [1.0, 10.0, 1e2, 1e3, 1.1e3, 1e4]) == [False] * 4 + [True, True]  # g > 1000, not = 1000
    assert flags(rising, [1e4, 2e4]) == [False, True]  # flat: not growing any more
    tiny = LossMonitor(1, start_loss=1.0)
    assert flags(tiny, [1e-6, 1e-6, 5e-3, 2.0]) == [False, False, False, True]  # 5000× its best, but below L₀
    slow = LossMonitor(3, start_loss=1.0)  # k = 3: growing means above ŝ three steps before
    assert flags(slow, [1.0] * 3 + [1e4] * 3) == [False] * 3 + [True] * 3
    assert flags(slow, [2e3] * 4)[-2:] == [False, False]  # ŝ falls: under ŝ_{t−3}, though still 1000× its best
    assert slow.growth > 1e3


def test_diverged_names_the_scheduled_rate_and_keeps_lr_as_its_alias():
    from weightviz.health import Diverged

    d = Diverged(9, "loss", 0.25, 4.7e33, 0)
    assert d.scheduled_lr == d.lr == 0.25 and "learning rate 0.25" in d.message
