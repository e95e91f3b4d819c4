"""Rotated PAA head: ATSS-style towers, an IoU-prediction branch and PAA assignment."""
from typing import List, Optional

import torch
from mmdet.models.utils import images_to_levels
from mmdet.structures.bbox import cat_boxes, get_box_tensor, scale_boxes
from mmdet.utils import InstanceList, OptInstanceList, reduce_mean
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from mmrotate.models.dense_heads import RotatedATSSHead
from mmrotate.registry import MODELS
from ..task_modules.rotated_iou import rotated_iou_aligned
from .prediction_aware_mixin import PredictionAwareTargetsMixin
from .rotated_score_voting import rotated_score_voting

EPS = 1e-12


@MODELS.register_module()
class RotatedPAAHead(PredictionAwareTargetsMixin, RotatedATSSHead):
    """PAA head for rotated boxes (Kim & Lee, ECCV 2020).

    Layers are ``RotatedATSSHead``'s: GroupNorm towers, a 5-value regression with a per-level
    scale, and one extra conv on the regression tower, used here as the IoU-prediction branch (its
    loss is ``loss_centerness``, configured as a sigmoid BCE with weight 0.5).

    Training: ``PAAAssigner`` sees every prior's decoded box and logits. Then
        - classification: focal loss over all anchors, normalised by the positive count
          (averaged over processes);
        - regression, on decoded boxes: weighted by the IoU target and normalised by its sum;
        - IoU branch: BCE against the IoU target, the rotated IoU (no gradient) between each
          positive's decoded box and its GT.
    Inference: ``sqrt(sigmoid(cls) * sigmoid(iou))`` as the detection score (candidates are first
    filtered by the class probability alone, as the official code does), rotated NMS, and optional
    angle-aware score voting (``test_cfg.score_voting=True``, off by default).

    Args:
        score_voting_sigma (float): sigma_t of score voting. Defaults to 0.025.
        **kwargs: ``RotatedATSSHead`` arguments.
    """

    def __init__(self, *args, score_voting_sigma: float = 0.025, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.score_voting_sigma = score_voting_sigma

    def loss_by_feat(self,
                     cls_scores: List[Tensor],
                     bbox_preds: List[Tensor],
                     iou_preds: List[Tensor],
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None) -> dict:
        """PAA losses of a batch.

        Args:
            cls_scores (list[Tensor]): (B, A*C, H, W) per level.
            bbox_preds (list[Tensor]): (B, A*5, H, W) per level.
            iou_preds (list[Tensor]): (B, A, H, W) per level, IoU logits.
            batch_gt_instances, batch_img_metas, batch_gt_instances_ignore: as in mmdet.

        Returns:
            dict: ``loss_cls``, ``loss_bbox`` and ``loss_iou``.
        """
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        device = cls_scores[0].device
        anchor_list, valid_flag_list = self.get_anchors(featmap_sizes, batch_img_metas, device)
        logits = self.flatten_predictions([c.detach() for c in cls_scores], self.cls_out_channels)
        labels, label_weights, bbox_targets, _, _ = self.get_targets(
            anchor_list, valid_flag_list, batch_gt_instances, batch_img_metas,
            batch_gt_instances_ignore,
            pred_bboxes_list=self.decode_predictions(anchor_list, bbox_preds),
            cls_scores_list=logits)
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        anchors = images_to_levels([get_box_tensor(cat_boxes(a)) for a in anchor_list],
                                   num_level_anchors)

        def flat(maps, dim):  # level-major, then image, then location: the targets' order
            return torch.cat([m.permute(0, 2, 3, 1).reshape(-1, dim) for m in maps])

        cls_flat = flat(cls_scores, self.cls_out_channels)
        bbox_flat = flat(bbox_preds, self.bbox_coder.encode_size)
        iou_flat = flat(iou_preds, 1).reshape(-1)
        anchors = torch.cat([a.reshape(-1, a.size(-1)) for a in anchors])
        labels = torch.cat([t.reshape(-1) for t in labels])
        label_weights = torch.cat([t.reshape(-1) for t in label_weights])
        bbox_targets = torch.cat([t.reshape(-1, t.size(-1)) for t in bbox_targets])

        pos = ((labels >= 0) & (labels < self.num_classes)).nonzero().squeeze(1)
        num_pos = max(reduce_mean(torch.tensor(float(len(pos)), device=device)).item(), 1.0)
        loss_cls = self.loss_cls(cls_flat, labels, label_weights, avg_factor=num_pos)
        if len(pos) == 0:
            zero = bbox_flat.sum() * 0 + iou_flat.sum() * 0
            return dict(loss_cls=loss_cls, loss_bbox=zero, loss_iou=zero.clone())
        pos_decoded = get_box_tensor(self.bbox_coder.decode(anchors[pos], bbox_flat[pos]))
        pos_targets = bbox_targets[pos]
        iou_target = self.iou_target(pos_decoded, pos_targets)
        loss_iou = self.loss_centerness(iou_flat[pos], iou_target, avg_factor=num_pos)
        iou_sum = max(reduce_mean(iou_target.sum()).item(), EPS)
        loss_bbox = self.loss_bbox(pos_decoded, pos_targets, weight=iou_target.clamp(min=EPS),
                                   avg_factor=iou_sum)
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox, loss_iou=loss_iou)

    @staticmethod
    def iou_target(decoded: Tensor, gts: Tensor) -> Tensor:
        """Rotated IoU of positives' decoded boxes with their GTs, without gradient.

        Args:
            decoded (Tensor): (n, 5) decoded predictions.
            gts (Tensor): (n, 5) GT boxes.

        Returns:
            Tensor: (n,) IoU in [0, 1], on ``decoded``'s device and dtype.
        """
        return rotated_iou_aligned(decoded.detach(), gts).to(decoded.dtype)

    def _bbox_post_process(self,
                           results: InstanceData,
                           cfg: ConfigDict,
                           rescale: bool = False,
                           with_nms: bool = True,
                           img_meta: Optional[dict] = None) -> InstanceData:
        """Fuse the class and IoU probabilities as their geometric mean, then NMS (and voting).

        ``BaseDenseHead`` would multiply them; PAA ranks detections by ``sqrt(cls * iou)``.
        """
        if 'score_factors' in results:
            results.scores = (results.scores * results.pop('score_factors')).sqrt()
        if not (with_nms and cfg.get('score_voting', False)):
            return super()._bbox_post_process(results, cfg, rescale, with_nms, img_meta)
        candidates = results.clone()
        dets = super()._bbox_post_process(results, cfg, rescale, with_nms, img_meta)
        if rescale:  # the same rescaling the base class applies before NMS
            candidates.bboxes = scale_boxes(candidates.bboxes,
                                            [1 / s for s in img_meta['scale_factor']])
        if len(dets) == 0 or len(candidates) == 0:
            return dets
        voted = rotated_score_voting(
            get_box_tensor(dets.bboxes), dets.labels, get_box_tensor(candidates.bboxes),
            candidates.labels, candidates.scores, self.score_voting_sigma)
        dets.bboxes = type(dets.bboxes)(voted) if hasattr(dets.bboxes, 'tensor') else voted
        return dets
