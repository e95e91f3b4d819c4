"""CPU vertex sorting for mmcv's differentiable rotated IoU, so ``RotatedIoULoss`` runs on CPU.

MMRotate's ``RotatedIoULoss`` calls ``mmcv.ops.diff_iou_rotated_2d``. Everything in it is plain
torch except one step: ordering the (up to 8) vertices of each intersection polygon, which mmcv
only compiles for CUDA (``diff_iou_rotated_sort_vertices_forward``; on CPU: "implementation for
device cpu not found"). The step yields indices only (no gradient flows through it), so a CPU
version of the same selection makes the whole loss, forward and backward, run on CPU.

:func:`sort_vertices` is the CUDA kernel's algorithm (mmcv ``diff_iou_rotated_cuda_kernel.cuh``,
after lilanxiao/Rotated_IoU), vectorised over polygons: the same comparator (angle order around
the polygon's mean, upper half-plane first, ``EPSILON`` = 1e-8 ties), the same selection of "the
smallest vertex greater than the previous one" scanned in index order (so ties and duplicates
resolve as on CUDA), the same padding with the first invalid intersection slot, the same
repeated first vertex, and the same fix-up for identical boxes (8 valid corners that pair up). The
loops run over the fixed 9 output slots and 24 candidate vertices, never over boxes. Where the
kernel's behaviour is undefined (more than 8 valid vertices, which overruns its 9-slot output, or
no invalid intersection slot to pad with), this version keeps the first 8 sorted vertices and
pads with slot 8.

:func:`enable_cpu_diff_iou_rotated` routes CPU tensors of mmcv's ``SortVertices`` to it (CUDA
tensors keep mmcv's kernel); ``import mmrotate_dal`` calls it.
"""
import torch
from torch import Tensor

EPSILON = 1e-8
MAX_NUM_VERT_IDX = 9
INTERSECTION_OFFSET = 8


def _less(x1: Tensor, y1: Tensor, x2: Tensor, y2: Tensor) -> Tensor:
    """The kernel's ``compare_vertices``: vertex 1 comes before vertex 2 (broadcasting)."""
    equal = ((x1 - x2).abs() < EPSILON) & ((y2 - y1).abs() < EPSILON)
    n1 = x1 * x1 + y1 * y1 + EPSILON
    n2 = x2 * x2 + y2 * y2 + EPSILON
    diff = x1.abs() * x1 / n1 - x2.abs() * x2 / n2
    upper1, lower1 = y1 > 0, y1 < 0
    upper2, lower2 = y2 > 0, y2 < 0
    before = ((upper1 & lower2) | (upper1 & upper2 & (diff > EPSILON))
              | (lower1 & lower2 & (diff < EPSILON)))
    return before & ~equal


def sort_vertices(vertices: Tensor, mask: Tensor, num_valid: Tensor) -> Tensor:
    """Order each intersection polygon's vertices as mmcv's CUDA kernel does.

    Args:
        vertices (Tensor): (B, N, 24, 2) candidate vertices, centred on the mean of the valid
            ones (4 corners of box 1, 4 of box 2, 16 edge intersections).
        mask (Tensor): (B, N, 24) bool, which candidates are polygon vertices.
        num_valid (Tensor): (B, N) int, ``mask.sum(-1)``.

    Returns:
        Tensor: (B, N, 9) int32 indices into the 24 candidates: the sorted vertices, the first
        one repeated, then padding with an invalid (zero-valued) intersection slot; all padding
        when fewer than 3 vertices are valid.
    """
    if vertices.dim() != 4 or vertices.shape[-2:] != (24, 2):
        raise ValueError(f'vertices must be (B, N, 24, 2), got {tuple(vertices.shape)}')
    B, N = vertices.shape[:2]
    v = vertices.reshape(-1, 24, 2)
    m = mask.reshape(-1, 24).bool()
    nv = num_valid.reshape(-1).long()
    P = v.shape[0]
    idx = torch.zeros(P, MAX_NUM_VERT_IDX, dtype=torch.long, device=v.device)
    if P == 0:
        return idx.int().reshape(B, N, MAX_NUM_VERT_IDX)
    x, y = v[..., 0], v[..., 1]
    # before[p, k, l]: candidate k comes before candidate l; sentinel: k before "the largest"
    before = _less(x[:, :, None], y[:, :, None], x[:, None, :], y[:, None, :])
    sentinel = _less(x, y, x.new_tensor(1.0), x.new_tensor(-EPSILON))
    free = ~m[:, INTERSECTION_OFFSET:]
    pad = torch.where(free.any(1), free.int().argmax(1) + INTERSECTION_OFFSET,
                      torch.full_like(nv, INTERSECTION_OFFSET))
    rows = torch.arange(P, device=v.device)
    prev = None
    for j in range(MAX_NUM_VERT_IDX - 1):
        current = torch.full_like(nv, -1)  # the running minimum; -1: the sentinel
        for k in range(24):
            below = torch.where(current < 0, sentinel[:, k],
                                before[rows, k, current.clamp(min=0)])
            ok = m[:, k] & below
            if prev is not None:
                ok &= before[rows, prev, k]
            current = torch.where(ok, k, current)
        prev = current.clamp(min=0)  # nothing taken: slot 0, as in the kernel
        idx[:, j] = prev
    count = nv.clamp(max=MAX_NUM_VERT_IDX - 1)
    slots = torch.arange(MAX_NUM_VERT_IDX, device=v.device)
    idx = torch.where(slots[None] == count[:, None], idx[:, :1], idx)  # repeat the first
    idx = torch.where(slots[None] > count[:, None], pad[:, None], idx)
    # identical boxes: each of the first 4 sorted corners reappears among slots 4..7
    same = (idx[:, :4, None] == idx[:, None, 4:INTERSECTION_OFFSET]).sum((1, 2)) == 4
    fix = (nv == 8) & same
    fixed = torch.cat([idx[:, :4], idx[:, :1], pad[:, None].expand(-1, 4)], 1)
    idx = torch.where(fix[:, None], fixed, idx)
    idx = torch.where((nv < 3)[:, None], pad[:, None].expand(-1, MAX_NUM_VERT_IDX), idx)
    return idx.int().reshape(B, N, MAX_NUM_VERT_IDX)


def enable_cpu_diff_iou_rotated() -> bool:
    """Let mmcv's ``SortVertices`` (hence ``diff_iou_rotated_2d`` and MMRotate's
    ``RotatedIoULoss``) run on CPU tensors through :func:`sort_vertices`; idempotent.

    Returns:
        bool: False when this mmcv has no ``diff_iou_rotated`` op (nothing to patch).
    """
    try:
        from mmcv.ops.diff_iou_rotated import SortVertices
    except ImportError:  # pragma: no cover (mmcv without ops)
        return False
    if getattr(SortVertices.forward, '_mmrotate_dal_cpu', False):
        return True
    cuda_forward = SortVertices.forward

    def forward(ctx, vertices, mask, num_valid):
        if vertices.device.type != 'cpu':
            return cuda_forward(ctx, vertices, mask, num_valid)
        idx = sort_vertices(vertices, mask, num_valid)
        ctx.mark_non_differentiable(idx)
        return idx

    forward._mmrotate_dal_cpu = True
    forward.__doc__ = cuda_forward.__doc__
    SortVertices.forward = staticmethod(forward)
    return True
