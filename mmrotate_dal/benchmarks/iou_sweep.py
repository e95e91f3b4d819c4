"""The rotated-IoU-loss sweep of degenerate pairs (issue #17), against shapely.

Cases: identical boxes, boxes perturbed by 1e-6 / 1e-4 / 1e-2, the same box at angle + pi, w and h
swapped at angle + pi/2, boxes sharing one edge, one box inside the other. 400 random boxes per
case: centres in [0, 200], sides 2-62, angles in [-pi, pi]. A pair is wrong when the IoU read from
``RotatedIoULoss`` (mode ``linear``: IoU = 1 - loss) is more than 1e-3 from shapely's.
"""
import math
from typing import Dict, List

import torch

CASES = ['identical', 'perturbed 1e-6', 'perturbed 1e-4', 'perturbed 1e-2', 'angle + pi',
         'w/h swapped, angle + pi/2', 'sharing one edge', 'one inside the other']


def sweep_boxes(n: int, seed: int) -> torch.Tensor:
    """(n, 5) boxes: centres in [0, 200], sides 2-62, angles in [-pi, pi]."""
    g = torch.Generator().manual_seed(seed)
    boxes = torch.rand(n, 5, generator=g)
    boxes[:, :2] *= 200
    boxes[:, 2:4] = 2 + boxes[:, 2:4] * 60
    boxes[:, 4] = (boxes[:, 4] * 2 - 1) * math.pi
    return boxes


def pair_case(name: str, boxes: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """The partner of each box for one of :data:`CASES`."""
    other = boxes.clone()
    if name.startswith('perturbed'):
        other += torch.randn(boxes.shape, generator=g) * float(name.split()[-1])
    elif name == 'angle + pi':
        other[:, 4] += math.pi
    elif name == 'w/h swapped, angle + pi/2':
        other[:, 2], other[:, 3] = boxes[:, 3], boxes[:, 2]
        other[:, 4] += math.pi / 2
    elif name == 'sharing one edge':  # moved by its width along its own axis
        other[:, 0] += boxes[:, 2] * boxes[:, 4].cos()
        other[:, 1] += boxes[:, 2] * boxes[:, 4].sin()
    elif name == 'one inside the other':
        other[:, 2:4] *= 0.5
        other[:, :2] += 0.1 * boxes[:, 2:4].min(1).values[:, None]
    elif name != 'identical':
        raise ValueError(f'unknown case {name!r}; choose from {CASES}')
    return other


def shapely_iou(a, b) -> float:
    """IoU of two (cx, cy, w, h, t) boxes with shapely (float64)."""
    from shapely.geometry import Polygon

    def poly(box):
        x, y, w, h, t = box
        c, s = math.cos(t), math.sin(t)
        return Polygon([(x + c * dx - s * dy, y + s * dx + c * dy)
                        for dx, dy in ((w / 2, h / 2), (-w / 2, h / 2), (-w / 2, -h / 2),
                                       (w / 2, -h / 2))])
    p, q = poly(a), poly(b)
    inter = p.intersection(q).area
    union = p.area + q.area - inter
    return inter / union if union > 0 else 0.0


def shapely_ref(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.tensor([shapely_iou(p.tolist(), q.tolist()) for p, q in zip(a, b)],
                        dtype=torch.float64)


def sweep(num: int = 400, tol: float = 1e-3) -> List[Dict]:
    """Wrong pairs per case through the registered ``RotatedIoULoss``, for both implementations.

    Returns:
        list[dict]: per case ``case``, ``pairs``, and per implementation ``wrong/<impl>`` and
        ``max_error/<impl>``.
    """
    import mmrotate_dal  # noqa: F401
    from mmrotate.registry import MODELS

    from ..models.losses import rotated_iou_impl_as
    loss = MODELS.build(dict(type='RotatedIoULoss', mode='linear', reduction='none'))
    rows = []
    for k, name in enumerate(CASES):
        a = sweep_boxes(num, seed=100 + k)
        b = pair_case(name, a, torch.Generator().manual_seed(k))
        ref = shapely_ref(b, a).clamp(min=1e-6)  # the loss clamps IoU at eps = 1e-6
        row = dict(case=name, pairs=num)
        for impl in ('upstream', 'robust'):
            with rotated_iou_impl_as(impl):
                err = (1 - loss(b, a).double() - ref).abs()
            row[f'wrong/{impl}'] = int((err > tol).sum())
            row[f'max_error/{impl}'] = float(err.max())
        rows.append(row)
    return rows
