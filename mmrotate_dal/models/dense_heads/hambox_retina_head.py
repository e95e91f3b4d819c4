"""Rotated RetinaNet head trained with HAMBox's online anchor mining."""
from mmdet.models.dense_heads import RetinaHead

from mmrotate.registry import MODELS
from .dal_head_mixin import DALHeadMixin


@MODELS.register_module()
class HAMBoxRetinaHead(DALHeadMixin, RetinaHead):
    """Drop-in for ``mmdet.RetinaHead`` with ``HAMBoxAssigner``.

    The training step is DAL's prediction-aware one (:class:`DALHeadMixin`): every anchor's
    prediction is decoded once, detached, for the assigner, and the assigner's per-positive
    ``matching_weight`` reaches the losses that read it. With ``RegressionAwareFocalLoss`` as
    ``loss_cls`` that is HAMBox's regression-aware focal loss (mined anchors weighted by their
    regressed IoU); the box loss is the plain one. Layers, anchors, coder and inference are
    RetinaHead's.
    """
