"""Exact rotated IoU evaluated only on the box pairs that can overlap.

mmcv's ``box_iou_rotated`` computes a dense N x M matrix; its CPU kernel does ~0.5 M pairs/s, yet at
DOTA scale (65k anchors x 100 GTs) about 99.5% of the pairs have zero overlap. Two rotated boxes can
only intersect if their enclosing horizontal boxes intersect, so we first find those candidate pairs
with cheap vectorised comparisons (chunked over rows: bounded memory), then run mmcv's kernel in
aligned mode on the candidates only. Every other pair has IoU exactly 0, so the result equals the dense
``rbbox_overlaps`` (same clamping, same fp32 kernel) element for element.

These functions are the single implementation of rotated IoU used by the IoU calculator, the DAL,
PAA, S3FD and HAMBox assigners, the PAA IoU target and the analysis tools. They run unchanged on CUDA
tensors.

Box type. The kind of IoU is chosen here, from the boxes, and nowhere else: (n, 5) boxes (rotated
tensors or ``RotatedBoxes``) take the rotated path above; (n, 4) boxes (``x1, y1, x2, y2`` tensors or
``HorizontalBoxes``) take mmdet's ``bbox_overlaps`` on the same candidate pairs (for axis-aligned boxes
the enclosing-box test is exact, so no separating-axis test is needed). Mixing the two kinds in one
call is an error.
"""
from typing import Optional, Tuple

import torch
from mmcv.ops import box_iou_rotated
from mmdet.structures.bbox import bbox_overlaps, get_box_tensor
from torch import Tensor

# Pairs compared at once when searching candidates: bounds the temporary memory to ~100 MB on the
# CPU; on a GPU, chunks are 16x larger (fewer kernel launches and host syncs per image).
_CHUNK_ELEMENTS = 1 << 22
_CHUNK_ELEMENTS_CUDA = 1 << 26
# On CUDA, up to this many (box, GT) pairs mmcv's dense kernel is used instead of the sparse path
# (one launch, no candidate search); results are identical either way. NOT YET MEASURED on a GPU
# (issue #9): a conservative default; tools/gpu_check.py measures the crossover. On the CPU the
# sparse path always wins (24x at 65k anchors x 100 GTs, docs/results.md).
DENSE_MAX_PAIRS_CUDA = 1 << 24
# Enclosing boxes are grown by this much (relative + absolute, in pixels) so that float rounding of
# the enclosing box can never drop a pair that touches: extra candidates only cost time.
_MARGIN_REL, _MARGIN_ABS = 1e-4, 1e-2


def is_horizontal(boxes) -> bool:
    """True for horizontal boxes ((n, 4): HorizontalBoxes or x1y1x2y2 tensors), False for rotated
    ones ((n, 5|6): RotatedBoxes or (cx, cy, w, h, t[, score]) tensors)."""
    return get_box_tensor(boxes).size(-1) == 4


def _same_kind(*box_sets) -> bool:
    """The common kind of several box sets (True: horizontal); raises on a mix."""
    kinds = {is_horizontal(b) for b in box_sets}
    if len(kinds) > 1:
        raise ValueError('IoU between horizontal (n, 4) and rotated (n, 5) boxes is not defined: '
                         'convert one side first (e.g. hbox2rbox)')
    return kinds.pop()


def _prepare(boxes) -> Tensor:
    """(n, 5|6) Tensor or RotatedBoxes -> (n, 5) fp32 detached copy, clamped like rbbox_overlaps;
    (n, 4) horizontal boxes -> (n, 4) fp32 detached copy."""
    boxes = get_box_tensor(boxes)
    if boxes.size(-1) == 4:
        return boxes.detach().float().clone()
    if boxes.numel() == 0:
        return boxes.new_zeros((0, 5), dtype=torch.float32)
    boxes = boxes[..., :5].detach().float().clone()
    boxes[:, 2:4].clamp_(min=1e-3)
    boxes[:, :2].clamp_(min=-1e7, max=1e7)
    return boxes


def enclosing_hboxes(boxes: Tensor) -> Tensor:
    """Axis-aligned boxes enclosing rotated boxes, slightly enlarged (see ``_MARGIN_*``).

    Args:
        boxes (Tensor): (n, 5) rotated boxes (cx, cy, w, h, t), t in radians.

    Returns:
        Tensor: (n, 4) boxes (x1, y1, x2, y2). Rows with non-finite input are non-finite and so
        never form a candidate pair. Horizontal (n, 4) input is returned as it is.
    """
    if boxes.size(-1) == 4:
        return boxes
    cx, cy, w, h, t = boxes.unbind(-1)
    cos, sin = t.cos().abs(), t.sin().abs()
    half_w = (w * cos + h * sin) / 2
    half_h = (w * sin + h * cos) / 2
    half_w = half_w * (1 + _MARGIN_REL) + _MARGIN_ABS
    half_h = half_h * (1 + _MARGIN_REL) + _MARGIN_ABS
    return torch.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], dim=-1)


def separated(b1: Tensor, b2: Tensor) -> Tensor:
    """Separating-axis test for row-aligned rotated rectangles.

    Two rectangles are disjoint iff one of their 4 edge normals separates their projections. The
    comparison keeps a small margin (``_MARGIN_*``), so touching or nearly touching pairs are never
    reported separated.

    Args:
        b1, b2 (Tensor): (k, 5) rotated boxes.

    Returns:
        Tensor: (k,) bool, True where the rectangles certainly do not intersect (always False for
        horizontal (k, 4) boxes: their enclosing-box test is already exact).
    """
    if b1.size(-1) == 4:
        return torch.zeros(b1.size(0), dtype=torch.bool, device=b1.device)
    d = b2[:, :2] - b1[:, :2]
    out = torch.zeros(b1.size(0), dtype=torch.bool, device=b1.device)
    cos_rel = (b2[:, 4] - b1[:, 4]).cos().abs()
    sin_rel = (b2[:, 4] - b1[:, 4]).sin().abs()
    for a, b in ((b1, b2), (b2, b1)):
        cos, sin = a[:, 4].cos(), a[:, 4].sin()
        along_w = (d[:, 0] * cos + d[:, 1] * sin).abs()
        along_h = (-d[:, 0] * sin + d[:, 1] * cos).abs()
        reach_w = a[:, 2] / 2 + b[:, 2] / 2 * cos_rel + b[:, 3] / 2 * sin_rel
        reach_h = a[:, 3] / 2 + b[:, 2] / 2 * sin_rel + b[:, 3] / 2 * cos_rel
        out |= along_w > reach_w * (1 + _MARGIN_REL) + _MARGIN_ABS
        out |= along_h > reach_h * (1 + _MARGIN_REL) + _MARGIN_ABS
    return out


def _chunk_rows(device: torch.device, num_cols: int) -> int:
    elements = _CHUNK_ELEMENTS_CUDA if device.type == 'cuda' else _CHUNK_ELEMENTS
    return max(1, elements // max(num_cols, 1))


def use_dense_kernel(device: torch.device, num_pairs: int) -> bool:
    """The device-and-size rule: mmcv's dense kernel on CUDA up to ``DENSE_MAX_PAIRS_CUDA`` pairs,
    the sparse candidate path otherwise (always on the CPU)."""
    return device.type == 'cuda' and num_pairs <= DENSE_MAX_PAIRS_CUDA


def _hbox_hits(h1: Tensor, h2: Tensor):
    """Yield (i, j) index chunks of the intersecting pairs of two sets of (x1, y1, x2, y2) boxes."""
    step = _chunk_rows(h1.device, h2.size(0))
    for start in range(0, h1.size(0), step):
        c = h1[start:start + step]
        hit = ((c[:, None, 0] < h2[None, :, 2]) & (c[:, None, 2] > h2[None, :, 0])
               & (c[:, None, 1] < h2[None, :, 3]) & (c[:, None, 3] > h2[None, :, 1]))
        i, j = hit.nonzero(as_tuple=True)
        yield i + start, j


def candidate_pairs(bboxes1, bboxes2) -> Tuple[Tensor, Tensor]:
    """Index pairs (i, j) whose rotated boxes may intersect.

    Enclosing horizontal boxes are compared for all pairs (chunked over rows), then the surviving
    pairs go through the separating-axis test on the boxes' own axes.

    Args:
        bboxes1: (n, 5) rotated boxes (Tensor or RotatedBoxes).
        bboxes2: (m, 5) rotated boxes.

    Returns:
        tuple[Tensor, Tensor]: row indices (k,) and column indices (k,), long, sorted by i * m + j.
    """
    _same_kind(bboxes1, bboxes2)
    b1, b2 = _prepare(bboxes1), _prepare(bboxes2)
    n, m = b1.size(0), b2.size(0)
    empty = b1.new_zeros((0, ), dtype=torch.long)
    if n == 0 or m == 0:
        return empty, empty.clone()
    rows, cols = [], []
    for i, j in _hbox_hits(enclosing_hboxes(b1), enclosing_hboxes(b2)):
        keep = ~separated(b1[i], b2[j])
        rows.append(i[keep])
        cols.append(j[keep])
    return torch.cat(rows), torch.cat(cols)


def paired_sparse_iou(boxes_a, boxes_b, gts,
                      gts_first: bool = False) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """Rotated IoU of two box sets of the same rows (e.g. anchors and their decoded predictions)
    with the same GTs, on every (row, GT) pair where either IoU can be non-zero.

    One candidate pass serves both sets: the enclosing box of each row's two boxes is tested
    against the GTs' once, then each set's separating-axis test decides which of its IoUs to
    evaluate. On CUDA up to :data:`DENSE_MAX_PAIRS_CUDA` pairs, mmcv's dense kernel is used
    instead. Either way the values equal the dense ``box_iou_rotated`` matrices at every returned
    pair, and every pair not returned has both IoUs exactly 0.

    Args:
        boxes_a: (n, 5) rotated boxes (Tensor or RotatedBoxes).
        boxes_b: (n, 5) rotated boxes of the same rows; rows with non-finite values get IoU 0.
        gts: (m, 5) rotated boxes.
        gts_first (bool): evaluate IoU(GT, box) instead of IoU(box, GT). mmcv's kernel is not
            bit-symmetric; mmdet's ``MaxIoUAssigner`` computes IoU(GT, prior), so an assigner
            that must reproduce it to the last bit sets this.

    Returns:
        tuple[Tensor, Tensor, Tensor, Tensor]: rows (k,), cols (k,), IoU of ``boxes_a`` (k,) and
        of ``boxes_b`` (k,), pairs sorted by ``row * m + col``, values in [0, 1].
    """
    _same_kind(boxes_a, boxes_b, gts)
    a, b, g = _prepare(boxes_a), _prepare(boxes_b), _prepare(gts)
    if a.shape != b.shape:
        raise ValueError(f'paired boxes must have the same shape, got {tuple(a.shape)} and '
                         f'{tuple(b.shape)}')
    n, m = a.size(0), g.size(0)
    empty = a.new_zeros((0, ), dtype=torch.long)
    if n == 0 or m == 0:
        return empty, empty.clone(), a.new_zeros(0), a.new_zeros(0)
    finite_b = torch.isfinite(b).all(-1)
    if use_dense_kernel(a.device, n * m):
        if gts_first:
            iou_a, iou_b = _dense_kernel(g, a).t(), _dense_kernel(g, b).t()
        else:
            iou_a, iou_b = _dense_kernel(a, g), _dense_kernel(b, g)
        rows, cols = ((iou_a > 0) | (iou_b > 0)).nonzero(as_tuple=True)
        return rows, cols, iou_a[rows, cols], iou_b[rows, cols]

    def aligned(boxes, gt):
        return rotated_iou_aligned(gt, boxes) if gts_first else rotated_iou_aligned(boxes, gt)

    ha, hb = enclosing_hboxes(a), enclosing_hboxes(b)
    hull = torch.cat([torch.minimum(ha[:, :2], hb[:, :2]), torch.maximum(ha[:, 2:], hb[:, 2:])], 1)
    hull = torch.where(finite_b[:, None], hull, ha)  # a broken prediction widens nothing
    rows, cols, near_a, near_b = [], [], [], []
    for i, j in _hbox_hits(hull, enclosing_hboxes(g)):
        sep_a, sep_b = separated(a[i], g[j]), separated(b[i], g[j]) | ~finite_b[i]
        keep = ~(sep_a & sep_b)
        rows.append(i[keep])
        cols.append(j[keep])
        near_a.append(~sep_a[keep])
        near_b.append(~sep_b[keep])
    rows, cols, near_a, near_b = map(torch.cat, (rows, cols, near_a, near_b))
    if a.device.type == 'cuda':  # evaluating all pairs beats masked gathers (host syncs) there
        iou_a = aligned(a[rows], g[cols]) * near_a
        iou_b = aligned(b[rows], g[cols]) * near_b
    else:  # the CPU kernel dominates: evaluate each set only where it can overlap
        iou_a, iou_b = a.new_zeros(rows.numel()), a.new_zeros(rows.numel())
        iou_a[near_a] = aligned(a[rows[near_a]], g[cols[near_a]])
        iou_b[near_b] = aligned(b[rows[near_b]], g[cols[near_b]])
    return rows, cols, iou_a, iou_b


def rotated_iou_aligned(bboxes1, bboxes2, mode: str = 'iou') -> Tensor:
    """Rotated IoU of row-aligned pairs, without gradient, in fp32 even under autocast.

    Args:
        bboxes1: (k, 5) rotated boxes.
        bboxes2: (k, 5) rotated boxes.
        mode (str): ``'iou'`` or ``'iof'`` (intersection over the area of ``bboxes1``).

    Returns:
        Tensor: (k,) float32 overlaps in [0, 1]. Pairs with a non-finite box get 0. The kernel's
        output is clamped to [0, 1]: its polygon clipping can return slightly negative or > 1
        values on near-degenerate pairs, and DAL's ``|sa - fa|^gamma`` and outer ``abs`` would turn
        a negative IoU into a large matching degree. Horizontal (k, 4) boxes use mmdet's
        ``bbox_overlaps`` (aligned) with the same conventions.
    """
    _same_kind(bboxes1, bboxes2)
    b1, b2 = _prepare(bboxes1), _prepare(bboxes2)
    if b1.size(0) != b2.size(0):
        raise ValueError(f'aligned IoU needs as many boxes on both sides, got {b1.size(0)} and '
                         f'{b2.size(0)}')
    out = b1.new_zeros(b1.size(0))
    finite = torch.isfinite(b1).all(-1) & torch.isfinite(b2).all(-1)
    if finite.any():
        with torch.no_grad(), torch.autocast(device_type=b1.device.type, enabled=False):
            out[finite] = _overlaps(b1[finite], b2[finite], mode, aligned=True)
    return out.clamp_(min=0.0, max=1.0)


def _overlaps(b1: Tensor, b2: Tensor, mode: str, aligned: bool = False) -> Tensor:
    """The kernel for the boxes' kind: mmcv's ``box_iou_rotated`` or mmdet's ``bbox_overlaps``."""
    if b1.size(-1) == 4:
        return bbox_overlaps(b1, b2, mode, is_aligned=aligned)
    return box_iou_rotated(b1, b2, mode, aligned=aligned)


def sparse_rotated_iou(bboxes1, bboxes2, mode: str = 'iou',
                       pairs: Optional[Tuple[Tensor, Tensor]] = None) -> Tuple[Tensor, Tensor, Tensor]:
    """Rotated IoU on candidate pairs only: the non-zero part of the dense matrix.

    Args:
        bboxes1: (n, 5) rotated boxes.
        bboxes2: (m, 5) rotated boxes.
        mode (str): ``'iou'`` or ``'iof'``.
        pairs (tuple[Tensor, Tensor], optional): the (rows, cols) to evaluate; defaults to
            :func:`candidate_pairs`. Pass a superset to evaluate several box sets on the same pairs.

    Returns:
        tuple[Tensor, Tensor, Tensor]: rows (k,), cols (k,) and overlaps (k,). Pairs not returned
        have overlap exactly 0.
    """
    b1, b2 = get_box_tensor(bboxes1), get_box_tensor(bboxes2)
    if pairs is None and use_dense_kernel(b1.device, b1.size(0) * b2.size(0)):
        dense = _dense_kernel(b1, b2, mode)
        rows, cols = dense.nonzero(as_tuple=True)
        return rows, cols, dense[rows, cols]
    rows, cols = candidate_pairs(bboxes1, bboxes2) if pairs is None else pairs
    return rows, cols, rotated_iou_aligned(b1[rows], b2[cols], mode)


def _dense_kernel(bboxes1, bboxes2, mode: str = 'iou') -> Tensor:
    """mmcv's dense kernel with the conventions of :func:`rotated_iou_aligned` (fp32, no
    gradient, clamped to [0, 1], rows or columns with non-finite boxes 0)."""
    _same_kind(bboxes1, bboxes2)
    b1, b2 = _prepare(bboxes1), _prepare(bboxes2)
    if b1.size(0) == 0 or b2.size(0) == 0:
        return b1.new_zeros((b1.size(0), b2.size(0)))
    f1, f2 = torch.isfinite(b1).all(-1), torch.isfinite(b2).all(-1)
    safe = b1.new_tensor([0., 0., 1e-3, 1e-3] + ([0.] if b1.size(-1) == 5 else []))
    with torch.no_grad(), torch.autocast(device_type=b1.device.type, enabled=False):
        out = _overlaps(torch.where(f1[:, None], b1, safe), torch.where(f2[:, None], b2, safe),
                        mode).clamp_(0, 1)
    return out * (f1[:, None] & f2[None, :])


def dense_rotated_iou(bboxes1, bboxes2, mode: str = 'iou') -> Tensor:
    """Dense (n, m) rotated IoU computed sparsely; equal to ``rbbox_overlaps`` element for element.

    Args:
        bboxes1: (n, 5) rotated boxes.
        bboxes2: (m, 5) rotated boxes.
        mode (str): ``'iou'`` or ``'iof'``.

    Returns:
        Tensor: (n, m) float32 overlaps.
    """
    b1, b2 = get_box_tensor(bboxes1), get_box_tensor(bboxes2)
    if use_dense_kernel(b1.device, b1.size(0) * b2.size(0)):
        return _dense_kernel(b1, b2, mode)
    rows, cols, ious = sparse_rotated_iou(b1, b2, mode)
    out = b1.new_zeros((b1.size(0), b2.size(0)), dtype=torch.float32)
    out[rows, cols] = ious
    return out
