"""PAA's score voting for rotated boxes, vectorised and angle-aware."""
import math

import torch
from torch import Tensor

from ..task_modules.rotated_iou import sparse_rotated_iou


def align_to_angle(boxes: Tensor, ref_angle: Tensor) -> Tensor:
    """Rewrite each box in the (w, h, t) representation whose angle is closest to ``ref_angle``.

    A rectangle (w, h, t) equals (w, h, t + k*pi) and (h, w, t + pi/2 + k*pi); averaging angles is
    only meaningful once every box uses the representation nearest to the reference.

    Args:
        boxes (Tensor): (n, 5) rotated boxes.
        ref_angle (Tensor): (n,) reference angles (radians).

    Returns:
        Tensor: (n, 5) the same rectangles with |t - ref_angle| <= pi/4.
    """
    cx, cy, w, h, t = boxes.unbind(-1)
    delta = torch.remainder(t - ref_angle + math.pi / 2, math.pi) - math.pi / 2  # [-pi/2, pi/2)
    swap = delta.abs() > math.pi / 4
    delta = torch.where(swap, torch.remainder(delta + math.pi, math.pi) - math.pi / 2, delta)
    return torch.stack([cx, cy, torch.where(swap, h, w), torch.where(swap, w, h),
                        ref_angle + delta], dim=-1)


def rotated_score_voting(det_boxes: Tensor, det_labels: Tensor, cand_boxes: Tensor,
                         cand_labels: Tensor, cand_scores: Tensor, sigma: float = 0.025,
                         iou_thr: float = 0.01) -> Tensor:
    """Refine kept detections by averaging same-class pre-NMS candidates (PAA Eqs. 9-10).

    Each kept box b gets ``sum_i p_i s_i b_i / sum_i p_i s_i`` over candidates b_i of its class with
    rotated IoU(b, b_i) > ``iou_thr``, ``p_i = exp(-(1 - IoU)^2 / sigma)``; every b_i is first put in
    the representation closest to b's angle (:func:`align_to_angle`). Scores are unchanged.

    Args:
        det_boxes (Tensor): (m, 5) boxes kept by NMS.
        det_labels (Tensor): (m,) their classes.
        cand_boxes (Tensor): (n, 5) pre-NMS candidates.
        cand_labels (Tensor): (n,) their classes.
        cand_scores (Tensor): (n,) their scores.
        sigma (float): sigma_t. Defaults to 0.025 (both public codes).
        iou_thr (float): minimum IoU of a voter. Defaults to 0.01.

    Returns:
        Tensor: (m, 5) voted boxes (a box without voters keeps its coordinates).
    """
    rows, cols, ious = sparse_rotated_iou(det_boxes, cand_boxes)
    keep = (ious > iou_thr) & (det_labels[rows] == cand_labels[cols])
    rows, cols, ious = rows[keep], cols[keep], ious[keep].to(det_boxes.dtype)
    weight = torch.exp(-(1 - ious)**2 / sigma) * cand_scores[cols].to(det_boxes.dtype)
    aligned = align_to_angle(cand_boxes[cols].to(det_boxes.dtype), det_boxes[rows, 4])
    num = det_boxes.new_zeros(det_boxes.shape).index_add_(0, rows, weight[:, None] * aligned)
    den = det_boxes.new_zeros(len(det_boxes)).index_add_(0, rows, weight)
    return torch.where(den[:, None] > 0, num / den.clamp(min=1e-12)[:, None], det_boxes)
