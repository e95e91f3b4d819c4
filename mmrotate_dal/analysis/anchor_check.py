"""A pre-check before comparing assigners: do a config's anchors fit the data's objects?

No training and no model: for every GT of a data split (loaded with the config's validation
pipeline, no augmentation) it measures

- the best rotated IoU any anchor reaches (the input IoU an IoU-based assigner can work with);
- whether DAL can ever make an anchor of that GT positive at the final alpha: the best matching
  degree over all possible output IoUs, ``max_fa md(sa, fa)``, must reach ``pos_iou_thr``
  (:func:`min_reachable_input_iou`);
- the positives per GT under several assigners, run on the anchors with untrained predictions
  (each prediction equal to its anchor, logits 0): the config's own assigner and the references
  max-IoU 0.5/0.4 (all tied anchors, or one forced), S3FD, HAMBox, ATSS top-9, PAA and DAL (the
  prediction-aware ones see ``fa = sa``).

Everything is reported per class, because object sizes differ by class.
"""
import math
from typing import Dict, Iterable, List, Optional

import numpy as np
import torch
from mmdet.structures.bbox import cat_boxes, get_box_tensor
from mmengine.structures import InstanceData

from ..models.task_modules.assign_call import assign_with_levels
from ..models.task_modules.assigners.dal_assigner import matching_degree
from ..models.task_modules.rotated_iou import sparse_rotated_iou
from ..models.task_modules.sparse_ops import segment_max

SPARSE_IOU = dict(type='SparseRBboxOverlaps2D')
REFERENCE_ASSIGNERS = {
    'max-IoU 0.5/0.4, all ties': dict(type='SparseMaxIoUAssigner', pos_iou_thr=0.5,
                                      neg_iou_thr=0.4, min_pos_iou=0, gt_max_assign_all=True,
                                      iou_calculator=SPARSE_IOU),
    'max-IoU 0.5/0.4, one forced': dict(type='SparseMaxIoUAssigner', pos_iou_thr=0.5,
                                        neg_iou_thr=0.4, min_pos_iou=0, gt_max_assign_all=False,
                                        iou_calculator=SPARSE_IOU),
    'S3FD 0.35 + compensation': dict(type='S3FDAssigner'),
    'HAMBox (untrained: fa = sa)': dict(type='HAMBoxAssigner'),
    'ATSS top-9': dict(type='RotatedATSSAssigner', topk=9, iou_calculator=SPARSE_IOU),
    'PAA (untrained: logits 0, fa = sa)': dict(type='PAAAssigner'),
    'DAL (untrained: fa = sa)': dict(type='DALAssigner', iou_calculator=SPARSE_IOU),
}


def min_reachable_input_iou(alpha: float = 0.3, gamma: float = 5.0, pos_iou_thr: float = 0.6,
                            use_abs: bool = True, steps: int = 2001) -> float:
    """Smallest input IoU from which some output IoU gives a matching degree >= ``pos_iou_thr``.

    Evaluated on a ``steps`` x ``steps`` grid of (sa, fa) in [0, 1]^2.

    Args:
        alpha, gamma, pos_iou_thr, use_abs: DAL's settings (final alpha).
        steps (int): grid resolution.

    Returns:
        float: the smallest such sa (1/(steps-1) resolution), ``inf`` if none reaches.
    """
    grid = torch.linspace(0, 1, steps, dtype=torch.float64)
    md = matching_degree(grid[:, None], grid[None, :], alpha, gamma, use_abs)
    reach = (md.max(dim=1).values >= pos_iou_thr).nonzero()
    return float(grid[reach[0, 0]]) if len(reach) else math.inf


def featmap_sizes(pad_shape, strides) -> List[tuple]:
    """Feature-map sizes of an FPN at ``strides`` for a padded input (ceil division)."""
    h, w = pad_shape[:2]
    return [(math.ceil(h / s), math.ceil(w / s)) for s in strides]


def _strides(prior_generator) -> List[int]:
    return [s[0] if isinstance(s, (tuple, list)) else s for s in prior_generator.strides]


@torch.no_grad()
def collect_anchor_fit(prior_generator, assigners: Dict[str, object], samples: Iterable,
                       num_classes: int, max_images: Optional[int] = None,
                       pad_size_divisor: int = 32) -> Dict[str, np.ndarray]:
    """Per-GT records over a data split.

    Args:
        prior_generator: an mmdet/mmrotate anchor generator (``grid_priors``).
        assigners (dict[str, BaseAssigner]): name -> built assigner.
        samples (Iterable): ``(img_shape, gt_instances)`` pairs.
        num_classes (int): classes of the untrained logits handed to prediction-aware assigners.
        max_images (int, optional): stop after this many images.
        pad_size_divisor (int): the data preprocessor's padding.

    Returns:
        dict[str, np.ndarray]: per GT ``label``, ``sqrt_area``, ``best_iou``, and
        ``positives/<assigner name>`` (positives assigned to that GT).
    """
    rec: Dict[str, list] = dict(label=[], sqrt_area=[], best_iou=[])
    rec.update({f'positives/{name}': [] for name in assigners})
    strides = _strides(prior_generator)
    for seen, (img_shape, gt) in enumerate(samples):
        if max_images is not None and seen >= max_images:
            break
        gts = get_box_tensor(gt.bboxes).float()
        if len(gts) == 0:
            continue
        pad = [math.ceil(v / pad_size_divisor) * pad_size_divisor for v in img_shape[:2]]
        level_priors = prior_generator.grid_priors(featmap_sizes(pad, strides), device='cpu')
        boxes = cat_boxes(level_priors)  # RotatedBoxes: ATSS-style assigners need .centers
        priors = get_box_tensor(boxes)
        rows, cols, ious = sparse_rotated_iou(priors, gts)
        best, _ = segment_max(ious, cols, len(gts), rows)
        rec['label'].append(gt.labels.numpy())
        rec['sqrt_area'].append((gts[:, 2] * gts[:, 3]).sqrt().numpy())
        rec['best_iou'].append(best.numpy())
        pred = InstanceData(priors=boxes, bboxes=priors.clone(),
                            scores=priors.new_zeros(len(priors), num_classes))
        for name, assigner in assigners.items():
            result = assign_with_levels(assigner, pred, gt, None, [len(p) for p in level_priors])
            counts = torch.bincount(result.gt_inds[result.gt_inds > 0] - 1, minlength=len(gts))
            rec[f'positives/{name}'].append(counts.numpy())
    if not rec['label']:
        raise ValueError('no GT boxes in the checked images')
    return {k: np.concatenate(v) for k, v in rec.items()}


def anchor_fit_summary(records: Dict[str, np.ndarray], classes: List[str],
                       dal_min_input_iou: float) -> Dict[str, Dict[str, float]]:
    """Per-class (and 'all') statistics of :func:`collect_anchor_fit` records.

    Returns:
        dict: group -> ``gts``, ``median_sqrt_area``, ``best_iou_p10/median/p90``,
        ``share_best_iou>=t`` for t in 0.4, 0.5, 0.6, ``share_dal_reachable`` (best IoU >=
        ``dal_min_input_iou``) and per assigner ``pos_per_gt/<name>`` (mean) and
        ``share_no_pos/<name>``.
    """
    groups = {'all': np.ones_like(records['label'], dtype=bool)}
    groups.update({name: records['label'] == i for i, name in enumerate(classes)})
    out = {}
    for group, mask in groups.items():
        if not mask.any():
            continue
        best = records['best_iou'][mask]
        row = dict(gts=int(mask.sum()),
                   median_sqrt_area=float(np.median(records['sqrt_area'][mask])),
                   best_iou_p10=float(np.percentile(best, 10)),
                   best_iou_median=float(np.median(best)),
                   best_iou_p90=float(np.percentile(best, 90)))
        for t in (0.4, 0.5, 0.6):
            row[f'share_best_iou>={t}'] = float((best >= t).mean())
        row['share_dal_reachable'] = float((best >= dal_min_input_iou).mean())
        for key in records:
            if key.startswith('positives/'):
                name = key[len('positives/'):]
                pos = records[key][mask]
                row[f'pos_per_gt/{name}'] = float(pos.mean())
                row[f'share_no_pos/{name}'] = float((pos == 0).mean())
        out[group] = row
    return out
