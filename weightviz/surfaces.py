"""The older name of two modules, kept so ``from weightviz import surfaces`` still works.

Input grids and predictions on them are in ``weightviz.grids``; the one-feature line's MSE surface,
gradient and least-squares fit are in ``weightviz.least_squares``. New code imports those.
"""

from .grids import grid_axes, input_grid, prediction_grid
from .least_squares import least_squares_line, mse_gradient, mse_surface

__all__ = ["grid_axes", "input_grid", "least_squares_line", "mse_gradient", "mse_surface", "prediction_grid"]
