"""RetinaNet head whose assigner sees each anchor's decoded prediction and logits."""
from typing import List

from mmdet.models.dense_heads import RetinaHead
from mmdet.utils import InstanceList, OptInstanceList
from torch import Tensor

from mmrotate.registry import MODELS
from .prediction_aware_mixin import PredictionAwareTargetsMixin


@MODELS.register_module()
class PredictionAwareRetinaHead(PredictionAwareTargetsMixin, RetinaHead):
    """``mmdet.RetinaHead`` for prediction-aware assigners with RetinaNet's own losses.

    Layers, anchors, coder, losses and inference are RetinaHead's. Training hands the assigner
    every anchor's decoded prediction (``pred_instances.bboxes``) and logits (``.scores``), both
    detached, and the anchor count of every level (``num_level_priors``): what RTMDet's
    ``DynamicSoftLabelAssigner`` needs (through :class:`AnchorDSLAssigner`), decoded once by the
    package's shared :class:`PredictionAwareTargetsMixin`.
    """

    def loss_by_feat(self,
                     cls_scores: List[Tensor],
                     bbox_preds: List[Tensor],
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None) -> dict:
        """``AnchorHead.loss_by_feat``, with the predictions made available to ``get_targets``."""
        self._predictions = (cls_scores, bbox_preds)
        try:
            return super().loss_by_feat(cls_scores, bbox_preds, batch_gt_instances,
                                        batch_img_metas, batch_gt_instances_ignore)
        finally:
            self._predictions = None

    def get_targets(self, anchor_list: List[List], *args, **kwargs) -> tuple:
        """The mixin's ``get_targets`` with this step's decoded predictions and logits."""
        predictions = getattr(self, '_predictions', None)
        if predictions is not None and 'pred_bboxes_list' not in kwargs:
            cls_scores, bbox_preds = predictions
            kwargs['pred_bboxes_list'] = self.decode_predictions(anchor_list, bbox_preds)
            kwargs['cls_scores_list'] = self.flatten_predictions(
                [c.detach() for c in cls_scores], self.cls_out_channels)
        return super().get_targets(anchor_list, *args, **kwargs)
