"""The DAL training step shared by every DAL head (RetinaNet, S2A-Net refine/init, ATSS)."""
from typing import List, Optional, Tuple

import torch
from mmdet.models.utils import images_to_levels, multi_apply
from mmdet.structures.bbox import cat_boxes, get_box_tensor
from mmdet.utils import InstanceList, OptInstanceList, reduce_mean
from torch import Tensor

from .prediction_aware_mixin import PredictionAwareTargetsMixin


class DALHeadMixin(PredictionAwareTargetsMixin):
    """Decode all predictions for the DAL assigner and weight the losses by its ``matching_weight``.

    Mixed in front of an mmdet/mmrotate anchor head whose ``train_cfg.assigner`` is a
    ``DALAssigner`` (or another prediction-aware assigner that sets a per-positive
    ``matching_weight``, such as ``HAMBoxAssigner``). With ``MatchingSensitiveFocalLoss`` / ``MatchingSensitiveBBoxLoss`` as
    ``loss_cls`` / ``loss_bbox`` the positives are weighted by w; with plain mmdet losses the head
    trains with DAL assignment only (the paper's ablation without MSL).
    """

    assign_result_keys = ('matching_weight', )

    def dal_targets(self, cls_scores: List[Tensor], bbox_preds: List[Tensor],
                    batch_gt_instances: InstanceList, batch_img_metas: List[dict],
                    batch_gt_instances_ignore: OptInstanceList = None) -> Tuple:
        """Anchors and DAL targets of a batch, split into levels.

        Args:
            cls_scores (list[Tensor]): (B, A*C, H, W) per level.
            bbox_preds (list[Tensor]): (B, A*encode_size, H, W) per level.
            batch_gt_instances, batch_img_metas, batch_gt_instances_ignore: as in mmdet.

        Returns:
            tuple: per-level lists of anchors (B, N_l, 5), labels, label_weights, bbox_targets,
            bbox_weights, matching weights and image normalisers (all (B, N_l[, D])), then the
            batch's ``avg_factor`` (positive count, averaged over processes like mmdet's ATSS).
        """
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        anchor_list, valid_flag_list = self.get_anchors(
            featmap_sizes, batch_img_metas, device=cls_scores[0].device)
        (labels, label_weights, bbox_targets, bbox_weights, avg_factor,
         matching_weights) = self.get_targets(
             anchor_list, valid_flag_list, batch_gt_instances, batch_img_metas,
             batch_gt_instances_ignore,
             pred_bboxes_list=self.decode_predictions(anchor_list, bbox_preds),
             cls_scores_list=self.flatten_predictions([c.detach() for c in cls_scores],
                                                      self.cls_out_channels))
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        anchors = images_to_levels([get_box_tensor(cat_boxes(a)) for a in anchor_list],
                                   num_level_anchors)
        # the batch's positive count, averaged over processes (1 without distributed training)
        avg_factor = reduce_mean(
            torch.tensor(float(avg_factor), device=cls_scores[0].device)).clamp(min=1).item()
        return (anchors, labels, label_weights, bbox_targets, bbox_weights, matching_weights,
                self.image_normalizers(labels), avg_factor)

    def image_normalizers(self, labels: List[Tensor]) -> List[Tensor]:
        """Per-anchor ``num_images * max(positives of its image, 1)``, for per-image averaging.

        Args:
            labels (list[Tensor]): (B, N_l) labels per level (``num_classes`` = background).

        Returns:
            list[Tensor]: (B, N_l) normalisers per level.
        """
        num_pos = sum(((lvl >= 0) & (lvl < self.num_classes)).sum(dim=1) for lvl in labels)
        norm = (num_pos.clamp(min=1) * len(num_pos)).float()
        return [norm[:, None].expand_as(lvl) for lvl in labels]

    def loss_by_feat(self,
                     cls_scores: List[Tensor],
                     bbox_preds: List[Tensor],
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None) -> dict:
        """DAL losses of a batch (same inputs and outputs as ``AnchorHead.loss_by_feat``)."""
        (anchors, labels, label_weights, bbox_targets, bbox_weights, matching_weights,
         image_norms, avg_factor) = self.dal_targets(cls_scores, bbox_preds, batch_gt_instances,
                                                     batch_img_metas, batch_gt_instances_ignore)
        losses_cls, losses_bbox = multi_apply(
            self.loss_by_feat_single, cls_scores, bbox_preds, anchors, labels, label_weights,
            bbox_targets, bbox_weights, matching_weights, image_norms, avg_factor=avg_factor)
        return dict(loss_cls=losses_cls, loss_bbox=losses_bbox)

    def loss_by_feat_single(self, cls_score: Tensor, bbox_pred: Tensor, anchors: Tensor,
                            labels: Tensor, label_weights: Tensor, bbox_targets: Tensor,
                            bbox_weights: Tensor, matching_weight: Tensor, image_norm: Tensor,
                            avg_factor: float) -> Tuple[Tensor, Tensor]:
        """Losses of one level.

        Args:
            cls_score (Tensor): (B, A*C, H, W) logits.
            bbox_pred (Tensor): (B, A*encode_size, H, W) deltas.
            anchors (Tensor): (B, N_l, 5).
            labels, label_weights (Tensor): (B, N_l).
            bbox_targets, bbox_weights (Tensor): (B, N_l, D).
            matching_weight (Tensor): (B, N_l) DAL compensation factor of positives.
            image_norm (Tensor): (B, N_l) per-image normaliser (see :meth:`image_normalizers`).
            avg_factor (float): the batch's positive count.

        Returns:
            tuple[Tensor, Tensor]: classification and regression losses.
        """
        labels, label_weights = labels.reshape(-1), label_weights.reshape(-1)
        matching_weight, image_norm = matching_weight.reshape(-1), image_norm.reshape(-1)
        cls_score = cls_score.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels)
        loss_cls = self._weighted_loss(self.loss_cls, (cls_score, labels, label_weights),
                                       matching_weight, image_norm, avg_factor)
        target_dim = bbox_targets.size(-1)
        bbox_targets = bbox_targets.reshape(-1, target_dim)
        bbox_weights = bbox_weights.reshape(-1, target_dim)
        bbox_pred = bbox_pred.permute(0, 2, 3, 1).reshape(-1, self.bbox_coder.encode_size)
        if self.reg_decoded_bbox:
            bbox_pred = get_box_tensor(
                self.bbox_coder.decode(anchors.reshape(-1, anchors.size(-1)), bbox_pred))
        loss_bbox = self._weighted_loss(self.loss_bbox, (bbox_pred, bbox_targets, bbox_weights),
                                        matching_weight, image_norm, avg_factor)
        return loss_cls, loss_bbox

    @staticmethod
    def _weighted_loss(loss_fn, args: tuple, matching_weight: Tensor, image_norm: Tensor,
                       avg_factor: Optional[float]) -> Tensor:
        if getattr(loss_fn, 'matching_sensitive', False):
            return loss_fn(*args, matching_weight, avg_factor=avg_factor, image_norm=image_norm)
        return loss_fn(*args, avg_factor=avg_factor)
