"""Points expressed in the frames of rotated boxes: inside tests and rotated centerness.

One implementation shared by PAA's centred candidate pool (``PAAAssigner(pool_center_in_gt=True)``),
the centerness box-loss weighting of ``RotatedPAAHead`` and the analysis tools.
"""
from typing import Tuple

import torch
from torch import Tensor


def point_box_offsets(points: Tensor, boxes: Tensor) -> Tuple[Tensor, Tensor]:
    """Offsets of points from box centres along each box's own axes (row-aligned pairs).

    Args:
        points (Tensor): (k, 2) points (x, y).
        boxes (Tensor): (k, 5) rotated boxes (cx, cy, w, h, t), t in radians.

    Returns:
        tuple[Tensor, Tensor]: (k,) offset along the box's w axis and (k,) along its h axis.
    """
    d = points[:, :2] - boxes[:, :2]
    cos, sin = boxes[:, 4].cos(), boxes[:, 4].sin()
    return d[:, 0] * cos + d[:, 1] * sin, -d[:, 0] * sin + d[:, 1] * cos


def points_inside(points: Tensor, boxes: Tensor) -> Tensor:
    """Whether each point lies inside (or on the border of) its rotated box.

    Args:
        points (Tensor): (k, 2) points.
        boxes (Tensor): (k, 5) rotated boxes.

    Returns:
        Tensor: (k,) bool.
    """
    along_w, along_h = point_box_offsets(points, boxes)
    return (along_w.abs() <= boxes[:, 2] / 2) & (along_h.abs() <= boxes[:, 3] / 2)


def rotated_centerness(points: Tensor, boxes: Tensor) -> Tensor:
    """FCOS/ATSS centerness of points in rotated boxes, measured in each box's own frame.

    ``sqrt(min(l, r) / max(l, r) * min(t, b) / max(t, b))`` with l, r, t, b the distances from the
    point to the box's four sides; 1 at the centre, 0 on the border and outside.

    Args:
        points (Tensor): (k, 2) points (e.g. anchor centres).
        boxes (Tensor): (k, 5) rotated boxes.

    Returns:
        Tensor: (k,) values in [0, 1].
    """
    along_w, along_h = point_box_offsets(points, boxes)
    half_w, half_h = boxes[:, 2] / 2, boxes[:, 3] / 2
    left, right = (half_w + along_w).clamp(min=0), (half_w - along_w).clamp(min=0)
    top, bottom = (half_h + along_h).clamp(min=0), (half_h - along_h).clamp(min=0)
    ratio = (torch.minimum(left, right) / torch.maximum(left, right).clamp(min=1e-12)
             * torch.minimum(top, bottom) / torch.maximum(top, bottom).clamp(min=1e-12))
    return ratio.sqrt()
