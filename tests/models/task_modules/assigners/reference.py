"""Independent per-GT loop references for the S3FD and HAMBox assigners (tests only).

They use the dense IoU kernels directly (mmcv's ``box_iou_rotated``, mmdet's ``bbox_overlaps``)
and mmdet's own ``MaxIoUAssigner`` for the shared first stage, then apply the second stage with
plain Python loops over GTs and anchors, exactly as the rules are worded.
"""
import torch
from mmcv.ops import box_iou_rotated
from mmdet.structures.bbox import bbox_overlaps
from mmengine.structures import InstanceData

from mmrotate.registry import TASK_UTILS


def dense_iou(boxes, gts):
    """(N, G) IoU, rotated for 5-column boxes and horizontal for 4-column ones, in [0, 1]."""
    if boxes.size(-1) == 4:
        return bbox_overlaps(boxes, gts).clamp(0, 1)
    return box_iou_rotated(boxes, gts).clamp(0, 1)


def stage_one(anchors, gts, labels, pos=0.35, neg=0.35):
    """mmdet's MaxIoUAssigner(pos, neg, min_pos_iou=0, gt_max_assign_all=False), dense."""
    calc = 'mmdet.BboxOverlaps2D' if anchors.size(-1) == 4 else 'RBboxOverlaps2D'
    assigner = TASK_UTILS.build(dict(
        type='mmdet.MaxIoUAssigner', pos_iou_thr=pos, neg_iou_thr=neg, min_pos_iou=0,
        gt_max_assign_all=False, iou_calculator=dict(type=calc)))
    return assigner.assign(InstanceData(priors=anchors),
                           InstanceData(bboxes=gts, labels=labels)).gt_inds.clone()


def s3fd_reference(anchors, gts, labels, pos=0.35, neg=0.35, min_comp_iou=0.1):
    gt_inds = stage_one(anchors, gts, labels, pos, neg)
    num_anchors, num_gts = anchors.size(0), gts.size(0)
    target = int((gt_inds > 0).sum()) // num_gts
    iou = dense_iou(anchors, gts)
    best_iou, best_gt = iou.max(dim=1)
    for g in range(num_gts):
        have = int((gt_inds == g + 1).sum())
        if have >= target:
            continue
        cands = [a for a in range(num_anchors)
                 if gt_inds[a] <= 0 and int(best_gt[a]) == g and best_iou[a] > 0
                 and best_iou[a] >= min_comp_iou]
        cands.sort(key=lambda a: (-float(best_iou[a]), a))
        for a in cands[:target - have]:
            gt_inds[a] = g + 1
    return gt_inds


def hambox_reference(anchors, preds, gts, labels, pos=0.35, neg=0.35, thr=0.5, k=5,
                     ignore=True, weight_iou=True):
    gt_inds = stage_one(anchors, gts, labels, pos, neg)
    num_anchors, num_gts = anchors.size(0), gts.size(0)
    fa = dense_iou(preds, gts)
    counts = [int((gt_inds == g + 1).sum()) for g in range(num_gts)]
    short = [c < k for c in counts]
    negative = [bool(gt_inds[a] == 0) for a in range(num_anchors)]
    weight = (gt_inds > 0).float()
    owner = {}
    for a in range(num_anchors):
        if not negative[a]:
            continue
        best = None
        for g in range(num_gts):
            if short[g] and fa[a, g] >= thr and (best is None or fa[a, g] > fa[a, best]):
                best = g
        if best is not None:
            owner[a] = best
    for g in range(num_gts):
        if not short[g]:
            continue
        cands = sorted((a for a, o in owner.items() if o == g),
                       key=lambda a: (-float(fa[a, g]), a))
        for a in cands[:k - counts[g]]:
            gt_inds[a] = g + 1
            weight[a] = fa[a, g] if weight_iou else 1.0
    if ignore:
        for a in range(num_anchors):
            if gt_inds[a] == 0 and fa[a].max() >= thr:
                gt_inds[a] = -1
    return gt_inds, weight


def to_horizontal(boxes):
    """(n, 5) rotated boxes -> (n, 4) x1y1x2y2 boxes of the same centre and size (angle dropped)."""
    cx, cy, w, h = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=1)
