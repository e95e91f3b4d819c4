"""Differentiable rotated IoU by convex polygon clipping, exact on coincident and touching boxes.

mmcv's ``diff_iou_rotated_2d`` (behind MMRotate's ``RotatedIoULoss``) collects 24 candidate
vertices (corners inside the other box, edge-edge intersections) and sorts them by angle. On
coincident or collinear edges the candidates are duplicated or missing and the sort returns a
wrong polygon: IoU 0 or 1/3 for identical boxes, 1/3 for boxes sharing one edge (issue #17;
docs/results.md). A perfect prediction then has a large loss.

:func:`rotated_iou_clip` computes the same quantity another way: box 1's corners (counter-
clockwise) are clipped by the four edges of box 2 in turn (Sutherland-Hodgman). The clipped
polygon keeps its vertex order, so nothing is sorted; a vertex on a clipping line counts as
inside, an edge is cut only where its two ends are on strictly different sides, and duplicate or
collinear vertices add zero area. Coordinates are taken relative to box 2's centre, so the float32
rounding of the corners scales with the boxes' size, not with their position in the image.
Everything is plain torch, vectorised over pairs, and runs on any device; the gradient is finite
everywhere (the cut parameter's denominator is bounded away from 0, where it only decides where
on a nearly-degenerate edge a vertex lies).

:func:`enable_robust_rotated_iou_loss` makes MMRotate's ``RotatedIoULoss`` use it (``import
mmrotate_dal`` does); :func:`set_rotated_iou_impl` ('upstream') or the environment variable
``MMROTATE_DAL_ROTATED_IOU=upstream`` restores mmcv's algorithm, for exact comparisons with upstream.
"""
import contextlib
import os

import torch
from torch import Tensor

IMPLS = ('robust', 'upstream')
ENV_VAR = 'MMROTATE_DAL_ROTATED_IOU'
_MAX_VERTICES = 16  # a quadrilateral clipped by 4 half-planes has at most 8 vertices
_DEN_EPS = 1e-12
_state = dict(impl=None)


def box_corners(boxes: Tensor) -> Tensor:
    """Corners of rotated boxes, counter-clockwise in a right-handed frame.

    Args:
        boxes (Tensor): (..., 5) boxes (cx, cy, w, h, t), t in radians.

    Returns:
        Tensor: (..., 4, 2) corners.
    """
    cx, cy, w, h, t = boxes.unbind(-1)
    cos, sin = t.cos()[..., None], t.sin()[..., None]
    half_w, half_h = (w / 2)[..., None], (h / 2)[..., None]
    dx = torch.cat([half_w, -half_w, -half_w, half_w], -1)
    dy = torch.cat([half_h, half_h, -half_h, -half_h], -1)
    x = cx[..., None] + dx * cos - dy * sin
    y = cy[..., None] + dx * sin + dy * cos
    return torch.stack([x, y], -1)


def _cross(ax: Tensor, ay: Tensor, bx: Tensor, by: Tensor) -> Tensor:
    return ax * by - ay * bx


def _ring(poly: Tensor, count: Tensor):
    """Which of the (M, K) vertex slots hold the polygon, and each vertex's successor (the
    first one after the last: the polygon is closed)."""
    idx = torch.arange(poly.size(1), device=poly.device)[None]
    valid = idx < count[:, None]
    nxt = torch.where(idx + 1 < count[:, None], idx + 1, torch.zeros_like(idx))
    return valid, nxt


def _clip(poly: Tensor, count: Tensor, a: Tensor, b: Tensor):
    """Clip convex polygons by the half-planes left of the lines a -> b.

    Args:
        poly (Tensor): (M, K, 2) vertices; the first ``count`` of each row are the polygon.
        count (Tensor): (M,) long.
        a, b (Tensor): (M, 2) the clipping edge.

    Returns:
        tuple[Tensor, Tensor]: (M, K', 2) clipped vertices in order and their count (M,).
    """
    num = poly.size(1)
    valid, nxt = _ring(poly, count)
    edge = b - a
    dist = _cross(edge[:, None, 0], edge[:, None, 1], poly[..., 0] - a[:, None, 0],
                  poly[..., 1] - a[:, None, 1])
    dist_next = dist.gather(1, nxt)
    nxt_poly = poly.gather(1, nxt[..., None].expand(-1, -1, 2))
    inside, inside_next = dist >= 0, dist_next >= 0
    den = dist - dist_next
    den = torch.where(den >= 0, den.clamp(min=_DEN_EPS), den.clamp(max=-_DEN_EPS))
    t = (dist / den).clamp(0, 1)
    cut = poly + t[..., None] * (nxt_poly - poly)
    slots = torch.stack([poly, cut], 2).reshape(poly.size(0), 2 * num, 2)
    keep = torch.stack([valid & inside, valid & (inside != inside_next)], 2).reshape(-1, 2 * num)
    order = (~keep).to(torch.uint8).argsort(dim=1, stable=True)[:, :_MAX_VERTICES]
    out = slots.gather(1, order[..., None].expand(-1, -1, 2))
    return out, keep.sum(1).clamp(max=_MAX_VERTICES)


def polygon_area(poly: Tensor, count: Tensor) -> Tensor:
    """Signed (shoelace) area of the first ``count`` vertices of each row; 0 below 3 vertices.

    Args:
        poly (Tensor): (M, K, 2).
        count (Tensor): (M,) long.

    Returns:
        Tensor: (M,) area, positive for counter-clockwise polygons.
    """
    valid, nxt = _ring(poly, count)
    nxt_poly = poly.gather(1, nxt[..., None].expand(-1, -1, 2))
    terms = _cross(poly[..., 0], poly[..., 1], nxt_poly[..., 0], nxt_poly[..., 1])
    return 0.5 * torch.where(valid, terms, torch.zeros_like(terms)).sum(1)


def rotated_iou_clip(box1: Tensor, box2: Tensor) -> Tensor:
    """Differentiable IoU of row-aligned rotated boxes by polygon clipping.

    Args:
        box1 (Tensor): (..., 5) boxes (cx, cy, w, h, t).
        box2 (Tensor): (..., 5) boxes of the same shape.

    Returns:
        Tensor: (...) IoU in [0, 1]; 0 where both boxes have zero area.
    """
    if box1.shape != box2.shape or box1.size(-1) != 5:
        raise ValueError(f'rotated_iou_clip needs two (..., 5) tensors of the same shape, got '
                         f'{tuple(box1.shape)} and {tuple(box2.shape)}')
    shape = box1.shape[:-1]
    b1, b2 = box1.reshape(-1, 5), box2.reshape(-1, 5)
    if b1.size(0) == 0:
        return b1.new_zeros(shape)
    centre = b2[:, :2]
    local1 = torch.cat([b1[:, :2] - centre, b1[:, 2:]], 1)
    local2 = torch.cat([torch.zeros_like(centre), b2[:, 2:]], 1)
    poly = box_corners(local1)
    clip = box_corners(local2)
    count = torch.full((b1.size(0), ), 4, dtype=torch.long, device=b1.device)
    for e in range(4):
        poly, count = _clip(poly, count, clip[:, e], clip[:, (e + 1) % 4])
    inter = polygon_area(poly, count).clamp(min=0)
    area1, area2 = b1[:, 2] * b1[:, 3], b2[:, 2] * b2[:, 3]
    union = (area1 + area2 - inter).clamp(min=_DEN_EPS)
    return (inter / union).clamp(0, 1).reshape(shape)


def rotated_iou_impl() -> str:
    """The implementation ``RotatedIoULoss`` uses now: ``'robust'`` (default) or ``'upstream'``."""
    if _state['impl'] is not None:
        return _state['impl']
    impl = os.environ.get(ENV_VAR, 'robust')
    if impl not in IMPLS:
        raise ValueError(f'{ENV_VAR} must be one of {IMPLS}, got {impl!r}')
    return impl


def set_rotated_iou_impl(impl=None) -> None:
    """Choose ``RotatedIoULoss``'s IoU: ``'robust'`` (:func:`rotated_iou_clip`), ``'upstream'``
    (mmcv's ``diff_iou_rotated_2d``, exactly as upstream) or None (the environment's choice)."""
    if impl is not None and impl not in IMPLS:
        raise ValueError(f'rotated IoU implementation must be one of {IMPLS}, got {impl!r}')
    _state['impl'] = impl


@contextlib.contextmanager
def rotated_iou_impl_as(impl: str):
    """Context manager form of :func:`set_rotated_iou_impl`."""
    before = _state['impl']
    set_rotated_iou_impl(impl)
    try:
        yield
    finally:
        _state['impl'] = before


def diff_iou_rotated_2d(box1: Tensor, box2: Tensor) -> Tensor:
    """Drop-in for ``mmcv.ops.diff_iou_rotated_2d`` ((B, N, 5) x 2 -> (B, N)) that follows
    :func:`rotated_iou_impl`."""
    if rotated_iou_impl() == 'upstream':
        from mmcv.ops import diff_iou_rotated_2d as upstream
        return upstream(box1, box2)
    return rotated_iou_clip(box1, box2)


def enable_robust_rotated_iou_loss() -> bool:
    """Make MMRotate's ``RotatedIoULoss`` compute its IoU with :func:`diff_iou_rotated_2d`
    (robust by default, upstream on request); idempotent.

    Returns:
        bool: False when this MMRotate has no ``rotated_iou_loss`` module (nothing to patch).
    """
    try:
        from mmrotate.models.losses import rotated_iou_loss
    except ImportError:  # pragma: no cover
        return False
    rotated_iou_loss.diff_iou_rotated_2d = diff_iou_rotated_2d
    return True
