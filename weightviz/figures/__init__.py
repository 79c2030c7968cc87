"""Figure builders: pure functions from recorded data to ``plotly.graph_objects.Figure``.

No streamlit here: pages call these and hand the figure to ``st.plotly_chart``; tests inspect
``fig.data``. One module per kind of view: curves over training time, matrices (heatmaps,
histograms, unit images), data space (boundaries, fits, loss surfaces), the network graph, and runs
compared layer by layer (propagation), what penalties do run beside run (regularization), how far
transferred layers moved (transfer), and feature attributions drawn as ``shap`` draws them (attributions).
"""

from .attributions import (
    attribution_images,
    beeswarm,
    dependence,
    importance,
    methods_compared,
    waterfall,
    weights_and_attributions,
)
from .curves import distribution_over_time, layer_norms, loss_curves, metric_curves, update_ratios
from .data import (
    confusion_heatmap,
    data_view,
    decision_boundary,
    fitted_curve,
    line_fit,
    loss_surface,
    predicted_vs_actual,
)
from .matrices import (
    MAX_HEATMAP_SIDE,
    histogram_against_references,
    histogram_now_vs_init,
    is_pooled,
    linear_weights,
    matrix_heatmap,
    unit_images,
)
from .network import network_graph
from .propagation import (
    activation_shape,
    layer_distributions,
    layer_distributions_side_by_side,
    layer_profile,
    loss_overlay,
)
from .regularization import (
    adam_shrinkage,
    coefficient_path,
    coefficients,
    generalisation_gap,
    path_losses,
    penalty_pull,
    runs_over_time,
    weights_and_zeros,
)
from .spectra import scree, spectrogram, stable_rank_over_training
from .transfer import example_images, layer_changes

__all__ = [
    "MAX_HEATMAP_SIDE",
    "activation_shape",
    "adam_shrinkage",
    "attribution_images",
    "beeswarm",
    "dependence",
    "example_images",
    "importance",
    "methods_compared",
    "waterfall",
    "weights_and_attributions",
    "coefficient_path",
    "coefficients",
    "generalisation_gap",
    "path_losses",
    "penalty_pull",
    "runs_over_time",
    "weights_and_zeros",
    "confusion_heatmap",
    "data_view",
    "decision_boundary",
    "distribution_over_time",
    "fitted_curve",
    "histogram_against_references",
    "histogram_now_vs_init",
    "is_pooled",
    "layer_changes",
    "layer_distributions",
    "layer_distributions_side_by_side",
    "layer_profile",
    "layer_norms",
    "line_fit",
    "linear_weights",
    "loss_curves",
    "loss_overlay",
    "loss_surface",
    "matrix_heatmap",
    "metric_curves",
    "network_graph",
    "predicted_vs_actual",
    "scree",
    "spectrogram",
    "stable_rank_over_training",
    "unit_images",
    "update_ratios",
]
