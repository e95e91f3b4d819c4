"""Rotated ATSS head trained with Dynamic Anchor Learning instead of ATSS sampling."""
from typing import List, Tuple

import torch
from mmdet.models.utils import multi_apply
from mmdet.structures.bbox import get_box_tensor
from mmdet.utils import InstanceList, OptInstanceList
from torch import Tensor

from mmrotate.models.dense_heads import RotatedATSSHead
from mmrotate.registry import MODELS
from mmrotate.structures.bbox import RotatedBoxes
from .dal_head_mixin import DALHeadMixin


@MODELS.register_module()
class DALRotatedATSSHead(DALHeadMixin, RotatedATSSHead):
    """``RotatedATSSHead`` (GN towers, centerness branch) with ``DALAssigner`` assignment.

    Differences from ATSS training, forced by DAL's positives (whose anchor centre may lie outside
    the GT, where ATSS's centerness is undefined):
        - regression (on decoded boxes, ``reg_decoded_bbox=True`` as in ATSS) is weighted by DAL's
          compensation factor w and normalised by the positive count, like DAL's other heads,
          instead of being weighted and normalised by centerness;
        - the centerness target is clamped to [0, 1]: 0 for an anchor centre outside the GT.
    ``loss_cls`` can be ``MatchingSensitiveFocalLoss`` (w on positives) or any mmdet loss; the
    ``loss_bbox`` is a plain box loss (e.g. upstream's ``RotatedIoULoss``, on CPU or CUDA).
    Inference (centerness as score factor) is ATSS's.
    """

    def loss_by_feat(self,
                     cls_scores: List[Tensor],
                     bbox_preds: List[Tensor],
                     centernesses: List[Tensor],
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None) -> dict:
        """DAL losses (same inputs and outputs as ``ATSSHead.loss_by_feat``)."""
        (anchors, labels, label_weights, bbox_targets, _, matching_weights, image_norms,
         avg_factor) = self.dal_targets(cls_scores, bbox_preds, batch_gt_instances,
                                        batch_img_metas, batch_gt_instances_ignore)
        losses_cls, losses_bbox, losses_centerness = multi_apply(
            self.loss_by_feat_single, anchors, cls_scores, bbox_preds, centernesses, labels,
            label_weights, bbox_targets, matching_weights, image_norms, avg_factor=avg_factor)
        return dict(loss_cls=losses_cls, loss_bbox=losses_bbox, loss_centerness=losses_centerness)

    def loss_by_feat_single(self, anchors: Tensor, cls_score: Tensor, bbox_pred: Tensor,
                            centerness: Tensor, labels: Tensor, label_weights: Tensor,
                            bbox_targets: Tensor, matching_weight: Tensor, image_norm: Tensor,
                            avg_factor: float) -> Tuple[Tensor, Tensor, Tensor]:
        """Losses of one level.

        Args:
            anchors (Tensor): (B, N_l, 5).
            cls_score (Tensor): (B, A*C, H, W); bbox_pred (Tensor): (B, A*5, H, W);
            centerness (Tensor): (B, A, H, W).
            labels, label_weights, matching_weight, image_norm (Tensor): (B, N_l).
            bbox_targets (Tensor): (B, N_l, 5) GT boxes of positives.
            avg_factor (float): positive count of the batch (averaged over processes).

        Returns:
            tuple[Tensor, Tensor, Tensor]: classification, regression and centerness losses.
        """
        dim = self.bbox_coder.encode_size
        anchors = anchors.reshape(-1, anchors.size(-1))
        cls_score = cls_score.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels)
        bbox_pred = bbox_pred.permute(0, 2, 3, 1).reshape(-1, dim)
        centerness = centerness.permute(0, 2, 3, 1).reshape(-1)
        bbox_targets = bbox_targets.reshape(-1, bbox_targets.size(-1))
        labels, label_weights = labels.reshape(-1), label_weights.reshape(-1)
        matching_weight, image_norm = matching_weight.reshape(-1), image_norm.reshape(-1)

        loss_cls = self._weighted_loss(self.loss_cls, (cls_score, labels, label_weights),
                                       matching_weight, image_norm, avg_factor)
        pos = ((labels >= 0) & (labels < self.num_classes)).nonzero().squeeze(1)
        if len(pos) == 0:
            return loss_cls, bbox_pred.sum() * 0, centerness.sum() * 0
        pos_targets = bbox_targets[pos]
        pos_decoded = get_box_tensor(self.bbox_coder.decode(anchors[pos], bbox_pred[pos]))
        loss_bbox = self.loss_bbox(pos_decoded, pos_targets, weight=matching_weight[pos],
                                   avg_factor=avg_factor)
        centerness_targets = self.centerness_target(anchors[pos], pos_targets)
        loss_centerness = self.loss_centerness(centerness[pos], centerness_targets,
                                               avg_factor=avg_factor)
        return loss_cls, loss_bbox, loss_centerness

    def centerness_target(self, anchors: Tensor, gts: Tensor) -> Tensor:
        """ATSS centerness of anchor centres in the GTs' enclosing boxes, 0 outside them.

        Args:
            anchors (Tensor): (n, 5) positive anchors.
            gts (Tensor): (n, 5) their GT boxes.

        Returns:
            Tensor: (n,) targets in [0, 1].
        """
        gts = RotatedBoxes(gts).convert_to('hbox').tensor
        cx, cy = RotatedBoxes(anchors).centers.unbind(dim=-1)
        lr = torch.stack([cx - gts[:, 0], gts[:, 2] - cx], dim=1).clamp(min=0)
        tb = torch.stack([cy - gts[:, 1], gts[:, 3] - cy], dim=1).clamp(min=0)
        ratio = (lr.min(dim=1).values / lr.max(dim=1).values.clamp(min=1e-6)) * (
            tb.min(dim=1).values / tb.max(dim=1).values.clamp(min=1e-6))
        return ratio.sqrt()
