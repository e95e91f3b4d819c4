"""S2A-Net's oriented detection module (refine stage) trained with Dynamic Anchor Learning."""
from typing import List, Optional

from mmdet.utils import InstanceList, OptInstanceList
from torch import Tensor

from mmrotate.models.dense_heads import S2ARefineHead
from mmrotate.registry import MODELS
from .dal_head_mixin import DALHeadMixin


@MODELS.register_module()
class DALS2ARefineHead(DALHeadMixin, S2ARefineHead):
    """Drop-in for ``S2ARefineHead`` (``bbox_head_refine``): DAL in the ODM only, as the DAL
    authors combined it with S2A-Net. The anchors are the FAM's refined boxes (``rois``); the
    output IoU is that of the ODM's decoded predictions.
    """

    def loss_by_feat(self,
                     cls_scores: List[Tensor],
                     bbox_preds: List[Tensor],
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None,
                     rois: Optional[List[Tensor]] = None) -> dict:
        """DAL losses with the first stage's boxes as anchors (``S2ARefineHead``'s signature)."""
        if rois is None:
            raise ValueError('DALS2ARefineHead.loss_by_feat needs the rois of the first stage')
        self.bboxes_as_anchors = rois
        return super().loss_by_feat(cls_scores, bbox_preds, batch_gt_instances, batch_img_metas,
                                    batch_gt_instances_ignore)
