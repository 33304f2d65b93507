"""Networks assembled from :mod:`numnet.layers` and :mod:`numnet.layer_utils`.

Both expose ``params`` (a dict of arrays the :class:`numnet.solver.Solver`
updates in place) and ``loss(X, y=None)``.
"""
from .cnn import ThreeLayerConvNet
from .fc_net import FullyConnectedNet

__all__ = ["FullyConnectedNet", "ThreeLayerConvNet"]
