"""Cost of ``RotatedIoULoss`` on CPU against ``GDLoss``: its robust IoU (polygon clipping, the
package's default) and upstream's algorithm (mmcv's, through the package's CPU vertex sort).

Two measurements: the loss alone (forward + backward on N random box pairs, median of repeats),
and a whole training step of the CPU-small rotated ATSS detector with each box loss (the same
data, seed and config otherwise; the median step time after a warm-up, from the recorder hook).
"""
import statistics
import tempfile
import time
from typing import Dict, List, Sequence

import torch

LOSSES = {
    'RotatedIoULoss': dict(type='RotatedIoULoss', mode='linear', loss_weight=2.0),
    'RotatedIoULoss-upstream': dict(type='RotatedIoULoss', mode='linear', loss_weight=2.0),
    'GDLoss-KLD': dict(type='GDLoss', loss_type='kld', fun='log1p', tau=1.0, loss_weight=2.0),
}
# the rotated IoU implementation each loss runs with (see rotated_iou_clip.set_rotated_iou_impl)
IMPL = {'RotatedIoULoss-upstream': 'upstream'}
ATSS_CONFIG = 'configs/baselines/rotated_atss_le90_cpu_small.py'


def _pairs(n: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    a = torch.rand(n, 5, generator=g)
    a[:, :2] *= 256
    a[:, 2:4] = a[:, 2:4] * 40 + 4
    a[:, 4] = (a[:, 4] - 0.5) * 3.14
    b = a + torch.randn(n, 5, generator=g) * torch.tensor([3.0, 3.0, 2.0, 2.0, 0.2])
    b[:, 2:4] = b[:, 2:4].clamp(min=1)
    return a, b


def loss_times(num_pairs: Sequence[int] = (256, 1024, 4096), repeat: int = 5) -> List[Dict]:
    """Median forward + backward milliseconds of each loss on N box pairs (CPU)."""
    import mmrotate_dal  # noqa: F401  (registers, and enables the CPU vertex sort)
    from mmrotate.registry import MODELS

    from ..models.losses import rotated_iou_impl_as
    rows = []
    for n in num_pairs:
        a, b = _pairs(n)
        for name, cfg in LOSSES.items():
            loss = MODELS.build(cfg)
            times = []
            with rotated_iou_impl_as(IMPL.get(name, 'robust')):
                for _ in range(repeat + 1):
                    pred = a.clone().requires_grad_(True)
                    start = time.perf_counter()
                    loss(pred, b).backward()
                    times.append(time.perf_counter() - start)
            rows.append(dict(pairs=n, loss=name, ms=1000 * statistics.median(times[1:])))
    return rows


def train_step_times(iters: int = 30, warmup: int = 5, seed: int = 0) -> List[Dict]:
    """Median training-step seconds of CPU-small rotated ATSS with each box loss."""
    from mmrotate_dal.datasets import make_synthetic_dota

    from .steps import step_times
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        make_synthetic_dota(f'{tmp}/data', num_train=32, num_val=0, seed=seed)
        for name, loss in LOSSES.items():
            res = step_times(ATSS_CONFIG, f'{tmp}/{name}', f'{tmp}/data', iters, warmup, seed,
                             {'model.bbox_head.loss_bbox': dict(loss, _delete_=True)},
                             rotated_iou=IMPL.get(name, 'robust'))
            rows.append(dict(loss=name, iters=res['iters'], step_s=res['step_s']))
    return rows
