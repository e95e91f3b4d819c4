"""RetinaNet head for assigners that need the per-level anchor counts (ATSS-style)."""
from mmdet.models.dense_heads import RetinaHead

from mmrotate.registry import MODELS
from .prediction_aware_mixin import PredictionAwareTargetsMixin


@MODELS.register_module()
class LevelAwareRetinaHead(PredictionAwareTargetsMixin, RetinaHead):
    """``mmdet.RetinaHead`` whose assigner also receives ``num_level_priors``.

    mmdet's ``AnchorHead`` calls ``assigner.assign(pred_instances, gt_instances, ...)``, so
    ``RotatedATSSAssigner`` (which takes the anchor count of every FPN level to pick its top-k per
    level) cannot be used in a RetinaNet. This head's targets go through the package's
    :class:`PredictionAwareTargetsMixin`, which passes the level counts to any assigner that takes
    them; layers, anchors, coder, losses and inference are RetinaHead's, unchanged. It lets the
    assignment protocol put ATSS on exactly the RetinaNet the other assigners use.
    """
