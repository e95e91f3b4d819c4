"""mmdet's DynamicSoftLabelAssigner (RTMDet's) on an anchor head's priors."""
from typing import List, Optional, Sequence

import torch
from mmdet.models.task_modules.assigners import AssignResult, BaseAssigner
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData
from torch import Tensor

from mmrotate.registry import TASK_UTILS


@TASK_UTILS.register_module()
class AnchorDSLAssigner(BaseAssigner):
    """RTMDet's dynamic soft-label assignment (DSL) for heads whose priors are anchors.

    mmdet's ``DynamicSoftLabelAssigner`` reads ``priors[:, :2]`` as point centres and
    ``priors[:, 2]`` as the **stride** (RTMDet's point priors are (x, y, s, s)). Rotated anchors
    carry their width there instead, so DSL would silently run with stride = anchor width (and
    ``RotatedBoxes`` priors fail its indexing). This adapter hands DSL (cx, cy, s, s) per anchor,
    with s the stride of the anchor's FPN level, and leaves everything else to mmdet's assigner:
    the centre gate (a prior is valid when its centre is inside a GT), the soft centre prior, the
    -log IoU cost of the anchor's decoded prediction, the soft classification cost on its logits,
    the dynamic top-k and the conflict rule. The real anchors stay with the head for the sampler
    and the box encoding.

    It needs the decoded predictions (``pred_instances.bboxes``) and logits (``.scores``) of the
    same anchors, and the number of anchors per level (``num_level_priors``), which the package's
    prediction-aware heads pass (``PredictionAwareRetinaHead``).

    Args:
        strides (Sequence[int]): stride of each FPN level, in the anchor generator's order.
        soft_center_radius (float): DSL's soft centre radius. Defaults to 3.0 (rotated RTMDet).
        topk (int): DSL's top-k of IoUs for the dynamic k. RTMDet's 13 counts points (one prior
            per location); with several anchors per location the same number spans fewer
            locations, so configs choose it (see ``configs/protocol/retinanet_dsl.py``).
        iou_weight (float): weight of the IoU cost. Defaults to 3.0.
        iou_calculator (dict): IoU calculator for the predictions and GTs. Defaults to
            ``SparseRBboxOverlaps2D`` (equal to ``RBboxOverlaps2D``).
    """

    uses_num_level_priors = True

    def __init__(self,
                 strides: Sequence[int],
                 soft_center_radius: float = 3.0,
                 topk: int = 13,
                 iou_weight: float = 3.0,
                 iou_calculator: dict = dict(type='SparseRBboxOverlaps2D')) -> None:
        strides = [s[0] if isinstance(s, (tuple, list)) else s for s in strides]
        if not strides or any(not isinstance(s, (int, float)) or s <= 0 for s in strides):
            raise ValueError(f'AnchorDSLAssigner: strides must be positive numbers, got {strides}')
        if isinstance(topk, bool) or not isinstance(topk, int) or topk < 1:
            raise ValueError(f'AnchorDSLAssigner: topk must be an integer >= 1, got {topk!r}')
        if not soft_center_radius > 0 or not iou_weight >= 0:
            raise ValueError('AnchorDSLAssigner: soft_center_radius must be > 0 and iou_weight '
                             f'>= 0, got {soft_center_radius} and {iou_weight}')
        self.strides = [float(s) for s in strides]
        self.dsl = TASK_UTILS.build(dict(
            type='mmdet.DynamicSoftLabelAssigner', soft_center_radius=soft_center_radius,
            topk=topk, iou_weight=iou_weight, iou_calculator=iou_calculator))

    def point_priors(self, anchors: Tensor, num_level_priors: List[int]) -> Tensor:
        """(cx, cy, s, s) of each anchor.

        Args:
            anchors (Tensor): (N, 5) anchors, level-major.
            num_level_priors (list[int]): anchors per level (sums to N).

        Returns:
            Tensor: (N, 4) point priors.
        """
        if len(num_level_priors) != len(self.strides):
            raise ValueError(f'AnchorDSLAssigner has {len(self.strides)} strides but the head has '
                             f'{len(num_level_priors)} levels')
        if sum(num_level_priors) != anchors.size(0):
            raise ValueError(f'num_level_priors sums to {sum(num_level_priors)}, but there are '
                             f'{anchors.size(0)} anchors')
        stride = torch.repeat_interleave(
            anchors.new_tensor(self.strides),
            torch.tensor(num_level_priors, device=anchors.device))
        return torch.cat([anchors[:, :2], stride[:, None], stride[:, None]], dim=1)

    def assign(self,
               pred_instances: InstanceData,
               gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               num_level_priors: Optional[List[int]] = None,
               **kwargs) -> AssignResult:
        """Assign by DSL on the anchors' point priors.

        Args:
            pred_instances (InstanceData): ``priors`` (N, 5) anchors, ``bboxes`` (N, 5) their
                decoded predictions and ``scores`` (N, C) their logits.
            gt_instances (InstanceData): ``bboxes`` (RotatedBoxes, G) and ``labels`` (G,).
            gt_instances_ignore (InstanceData, optional): unused by DSL.
            num_level_priors (list[int]): anchors per level.

        Returns:
            AssignResult: DSL's result: ``gt_inds`` (N,) (never -1), ``labels``, and
            ``max_overlaps`` = IoU(prediction, GT) for positives (RTMDet's soft target), 0 for
            other valid priors, -1e8 for priors whose centre is in no GT; and the extra property
            ``matching_weight`` (N,): that soft target for positives, 0 elsewhere (what
            ``SoftLabelQualityFocalLoss`` trains the classifier towards).
        """
        for key in ('bboxes', 'scores'):
            if key not in pred_instances:
                raise KeyError(f'AnchorDSLAssigner needs pred_instances.{key} (decoded '
                               'predictions and logits): use PredictionAwareRetinaHead')
        if num_level_priors is None:
            raise ValueError('AnchorDSLAssigner needs num_level_priors (anchors per level)')
        anchors = get_box_tensor(pred_instances.priors)
        points = InstanceData(
            priors=self.point_priors(anchors, list(num_level_priors)),
            bboxes=get_box_tensor(pred_instances.bboxes).detach(),
            scores=pred_instances.scores.detach())
        result = self.dsl.assign(points, gt_instances, gt_instances_ignore)
        soft = result.max_overlaps.clamp(min=0) * (result.gt_inds > 0)
        result.set_extra_property('matching_weight', soft)
        return result
