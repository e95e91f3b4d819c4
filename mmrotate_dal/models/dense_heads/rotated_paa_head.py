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
from ...utils.progress import get_train_progress, linear_ramp
from ..task_modules.rotated_frame import rotated_centerness
from ..task_modules.rotated_iou import rotated_iou_aligned
from .prediction_aware_mixin import PredictionAwareTargetsMixin
from .rotated_score_voting import rotated_score_voting

EPS = 1e-12
BOX_WEIGHTINGS = ('iou', 'centerness', 'uniform')


@MODELS.register_module()
class RotatedPAAHead(PredictionAwareTargetsMixin, RotatedATSSHead):
    """PAA head for rotated boxes (Kim & Lee, ECCV 2020).

    Layers are ``RotatedATSSHead``'s: GroupNorm towers, a 5-value regression with a per-level
    scale, and one extra conv on the regression tower, used here as the IoU-prediction branch (its
    loss is ``loss_centerness``, configured as a sigmoid BCE with weight 0.5).

    Training: ``PAAAssigner`` sees every prior's decoded box and logits. Then
        - classification: focal loss over all anchors, normalised by the positive count
          (averaged over processes);
        - regression, on decoded boxes (``reg_decoded_bbox=True``, ATSS's default) or on the
          coder's deltas (``False``, e.g. smooth L1 as in RetinaNet): each positive weighted by
          ``box_weighting`` (default the IoU target, as mmdet and the official code do) and
          normalised by the weights' sum;
        - IoU branch: BCE against the IoU target, the rotated IoU (no gradient) between each
          positive's decoded box and its GT.
    Inference: ``sqrt(sigmoid(cls) * sigmoid(iou))`` as the detection score (candidates are first
    filtered by the class probability alone, as the official code does), rotated NMS, and optional
    angle-aware score voting (``test_cfg.score_voting=True``, off by default).

    Box-loss weighting is the main difference to ATSS besides the assigner: ATSS weights by the
    centerness target, PAA by the IoU target. Trained from scratch, IoU targets start near 0.25 and
    rotated IoU punishes angle error, so elongated objects get little regression gradient early;
    ``box_weighting`` and ``box_weighting_warmup`` make that choice explicit (see
    ``docs/results.md`` for its measured effect).

    Args:
        score_voting_sigma (float): sigma_t of score voting. Defaults to 0.025.
        box_weighting (str): weight of each positive's box loss: ``'iou'`` (IoU target of its
            decoded box, official PAA), ``'centerness'`` (rotated centerness of its anchor centre
            in its GT, ATSS's) or ``'uniform'`` (1). Defaults to ``'iou'``.
        box_weighting_warmup (float): training progress in [0, 1] over which the weights ramp
            linearly from uniform to ``box_weighting``; 0 disables. Defaults to 0.
        **kwargs: ``RotatedATSSHead`` arguments.
    """

    def __init__(self, *args, score_voting_sigma: float = 0.025, box_weighting: str = 'iou',
                 box_weighting_warmup: float = 0.0, **kwargs) -> None:
        if box_weighting not in BOX_WEIGHTINGS:
            raise ValueError(f'RotatedPAAHead: box_weighting must be one of {BOX_WEIGHTINGS}, '
                             f'got {box_weighting!r}')
        if not 0 <= box_weighting_warmup <= 1:
            raise ValueError('RotatedPAAHead: box_weighting_warmup must be in [0, 1], got '
                             f'{box_weighting_warmup!r}')
        super().__init__(*args, **kwargs)
        self.score_voting_sigma = score_voting_sigma
        self.box_weighting = box_weighting
        self.box_weighting_warmup = float(box_weighting_warmup)

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
        pos_decoded = get_box_tensor(self.bbox_coder.decode(anchors[pos], bbox_flat[pos]))
        if self.reg_decoded_bbox:  # targets are GT boxes; the loss compares decoded boxes
            pos_gts = loss_target = bbox_targets[pos]
            loss_input = pos_decoded
        else:  # targets are encoded deltas; the loss compares deltas (e.g. smooth L1)
            loss_input, loss_target = bbox_flat[pos], bbox_targets[pos]
            pos_gts = get_box_tensor(self.bbox_coder.decode(anchors[pos], loss_target))
        iou_target = self.iou_target(pos_decoded, pos_gts)
        box_weight = self.box_loss_weights(anchors[pos], pos_gts, iou_target)
        # Every collective runs on every rank before any rank can return early (a rank without
        # positives would otherwise skip the second reduce_mean and hang distributed training).
        num_pos = max(reduce_mean(torch.tensor(float(len(pos)), device=device)).item(), 1.0)
        weight_sum = max(reduce_mean(box_weight.sum().detach().float()).item(), EPS)
        loss_cls = self.loss_cls(cls_flat, labels, label_weights, avg_factor=num_pos)
        if len(pos) == 0:
            zero = bbox_flat.sum() * 0 + iou_flat.sum() * 0
            return dict(loss_cls=loss_cls, loss_bbox=zero, loss_iou=zero.clone())
        loss_iou = self.loss_centerness(iou_flat[pos], iou_target, avg_factor=num_pos)
        weight = box_weight.clamp(min=EPS)
        if not self.reg_decoded_bbox:
            weight = weight[:, None].expand_as(loss_input)
        loss_bbox = self.loss_bbox(loss_input, loss_target, weight=weight, avg_factor=weight_sum)
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox, loss_iou=loss_iou)

    def box_loss_weights(self, pos_anchors: Tensor, pos_gts: Tensor, iou_target: Tensor) -> Tensor:
        """Per-positive weights of the box loss (see ``box_weighting``), without gradient.

        Args:
            pos_anchors (Tensor): (n, 5) anchors of the positives.
            pos_gts (Tensor): (n, 5) their GT boxes.
            iou_target (Tensor): (n,) IoU of their decoded boxes with the GTs.

        Returns:
            Tensor: (n,) weights in [0, 1].
        """
        if self.box_weighting == 'iou':
            weight = iou_target
        elif self.box_weighting == 'centerness':
            weight = rotated_centerness(pos_anchors[:, :2], pos_gts).to(iou_target.dtype)
        else:
            weight = torch.ones_like(iou_target)
        if self.box_weighting_warmup > 0:
            r = linear_ramp(get_train_progress('iter'), 0.0, self.box_weighting_warmup)
            weight = (1 - r) + r * weight
        return weight.detach()

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
