"""Rotated RetinaNet head trained with Dynamic Anchor Learning."""
from mmdet.models.dense_heads import RetinaHead

from mmrotate.registry import MODELS
from .dal_head_mixin import DALHeadMixin


@MODELS.register_module()
class DALRetinaHead(DALHeadMixin, RetinaHead):
    """Drop-in for the ``mmdet.RetinaHead`` of MMRotate's rotated RetinaNet configs.

    Architecture, anchors, coder and inference are RetinaHead's; training decodes every anchor's
    prediction (detached) for ``DALAssigner`` and weights positives by its compensation factor
    through the matching-sensitive losses (see :class:`DALHeadMixin`).
    """
