"""Rotated RetinaNet head trained with RTMDet's dynamic soft labels and quality focal loss."""
from mmdet.models.dense_heads import RetinaHead

from mmrotate.registry import MODELS
from .dal_head_mixin import DALHeadMixin


@MODELS.register_module()
class DSLRetinaHead(DALHeadMixin, RetinaHead):
    """Drop-in for ``mmdet.RetinaHead`` with ``AnchorDSLAssigner`` and a soft-label loss.

    The training step is the package's prediction-aware one (:class:`DALHeadMixin`): every
    anchor's prediction is decoded once and its logits detached for the assigner, and the
    assigner's per-positive ``matching_weight`` (for DSL: the IoU of the prediction with its GT)
    reaches the losses that read it, here ``SoftLabelQualityFocalLoss`` (RTMDet's QFL). Layers,
    anchors, coder and inference are RetinaHead's.
    """
