"""DAL's motivating analysis (paper Fig. 1/2; dal.md section 6.2) for any checkpoint.

Per anchor of each image (no augmentation):
    - input IoU ``sa``: max over GTs of the rotated IoU of the anchor; ``g_in`` its argmax GT;
    - output IoU ``fa``: rotated IoU of the anchor's decoded prediction with the anchor's *assigned*
      GT for positives, with ``g_in`` otherwise; ``fa_max``: max over GTs of the prediction's IoU;
    - positive / negative / ignored: the checkpoint config's own assigner (max-IoU, DAL, ATSS, PAA)
      run on the current predictions, as in training;
    - score: max over classes of the sigmoid class probability.
Statistics:
    - ``pos_hq_share@t``: share of positive anchors whose output IoU > t (paper: 74% at 0.5 for an
      IoU-assigned RetinaNet);
    - ``hq_from_neg_share@t``: share of high-quality predictions (``fa_max`` > t) whose anchor was
      negative (paper: 58% at 0.5);
    - Pearson and Spearman correlation of the score with ``sa`` and with ``fa_max`` over the anchors
      that overlap some GT (``sa > 0`` or ``fa_max > 0``; the rest would dominate with zeros).
"""
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np
import torch
from mmdet.structures.bbox import cat_boxes, get_box_tensor
from mmengine.structures import InstanceData

from ..models.task_modules.assign_call import assign_with_levels
from ..models.task_modules.rotated_iou import paired_sparse_iou
from ..models.task_modules.sparse_ops import pair_lookup, segment_max


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation (NaN when either side is constant or empty)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return float('nan')
    return float(np.corrcoef(x, y)[0, 1])


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean rank), as Spearman's rho needs."""
    order = np.argsort(x, kind='stable')
    ranks = np.empty(len(x), float)
    sorted_x = x[order]
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], len(x)]
    for s, e in zip(starts, ends):
        ranks[order[s:e]] = (s + e - 1) / 2
    return ranks


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation with tie-averaged ranks."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2:
        return float('nan')
    return pearson(_ranks(x), _ranks(y))


def matching_statistics(records: Dict[str, np.ndarray],
                        thresholds: Sequence[float] = (0.5, 0.7)) -> Dict[str, float]:
    """The analysis numbers from per-anchor records.

    Args:
        records (dict): equal-length arrays ``input_iou``, ``output_iou``, ``output_iou_max``,
            ``score`` and ``label`` (1 positive, 0 negative, -1 ignored).
        thresholds (Sequence[float]): output-IoU thresholds for the two shares.

    Returns:
        dict[str, float]: counts, ``pos_hq_share@t``, ``hq_from_neg_share@t`` and the four
        correlations (see the module docstring).
    """
    sa, fa, fa_max = records['input_iou'], records['output_iou'], records['output_iou_max']
    score, label = records['score'], records['label']
    pos, neg = label == 1, label == 0
    out = dict(anchors=int(len(sa)), positives=int(pos.sum()), negatives=int(neg.sum()))
    for t in thresholds:
        out[f'pos_hq_share@{t}'] = float((fa[pos] > t).mean()) if pos.any() else float('nan')
        hq = fa_max > t
        out[f'hq_predictions@{t}'] = int(hq.sum())
        out[f'hq_from_neg_share@{t}'] = float(neg[hq].mean()) if hq.any() else float('nan')
    near = (sa > 0) | (fa_max > 0)
    out['overlapping_anchors'] = int(near.sum())
    out['pearson_score_input_iou'] = pearson(score[near], sa[near])
    out['pearson_score_output_iou'] = pearson(score[near], fa_max[near])
    out['spearman_score_input_iou'] = spearman(score[near], sa[near])
    out['spearman_score_output_iou'] = spearman(score[near], fa_max[near])
    return out


def image_records(head, cls_scores: List[torch.Tensor], bbox_preds: List[torch.Tensor],
                  img_meta: dict, gt_instances: InstanceData) -> Dict[str, np.ndarray]:
    """Per-anchor records of one image from a single-stage head's outputs (batch of 1).

    Args:
        head: an anchor head with ``prior_generator``, ``bbox_coder`` and a training ``assigner``.
        cls_scores, bbox_preds (list[Tensor]): the head's outputs, (1, ., H, W) per level.
        img_meta (dict): the image's meta information.
        gt_instances (InstanceData): its GTs (``bboxes``, ``labels``).

    Returns:
        dict[str, np.ndarray]: the arrays :func:`matching_statistics` takes.
    """
    featmap_sizes = [c.shape[-2:] for c in cls_scores]
    anchor_list, _ = head.get_anchors(featmap_sizes, [img_meta], device=cls_scores[0].device)
    priors = cat_boxes(anchor_list[0])
    preds = get_box_tensor(head.bbox_coder.decode(
        priors, torch.cat([b[0].permute(1, 2, 0).reshape(-1, head.bbox_coder.encode_size)
                           for b in bbox_preds])))
    logits = torch.cat([c[0].permute(1, 2, 0).reshape(-1, head.cls_out_channels)
                        for c in cls_scores])
    priors_t, gts = get_box_tensor(priors), get_box_tensor(gt_instances.bboxes)
    n, g = len(priors_t), len(gts)
    result = assign_with_levels(head.assigner,
                                InstanceData(priors=priors, bboxes=preds, scores=logits),
                                gt_instances, None, [len(a) for a in anchor_list[0]])
    label = np.where(result.gt_inds.cpu().numpy() > 0, 1,
                     np.where(result.gt_inds.cpu().numpy() == 0, 0, -1))
    rows, cols, sa, fa = paired_sparse_iou(priors_t, preds, gts)
    input_iou, input_gt = segment_max(sa, rows, n, cols)
    fa_max, _ = segment_max(fa, rows, n, cols)
    # output IoU with the assigned GT (positives) or the input-IoU argmax GT (others)
    ref_gt = torch.where(result.gt_inds > 0, result.gt_inds - 1, input_gt.clamp(min=0))
    at = pair_lookup(rows, cols, max(g, 1), torch.arange(n, device=fa.device), ref_gt)
    output_iou = torch.where(at >= 0, fa[at.clamp(min=0)] if len(fa) else fa.new_zeros(n),
                             fa.new_zeros(()))
    return dict(input_iou=input_iou.cpu().numpy(), output_iou=output_iou.cpu().numpy(),
                output_iou_max=fa_max.cpu().numpy(),
                score=logits.sigmoid().max(1).values.float().cpu().numpy(), label=label)


@torch.no_grad()
def collect_anchor_records(model, data_batches: Iterable[dict],
                           max_images: Optional[int] = None) -> Dict[str, np.ndarray]:
    """Run a single-stage detector over data batches and concatenate its per-anchor records.

    Args:
        model: an mmdet ``SingleStageDetector`` (e.g. RetinaNet) with a DAL/PAA/ATSS/Retina head.
        data_batches (Iterable[dict]): dataloader batches (with GT annotations).
        max_images (int, optional): stop after this many images.

    Returns:
        dict[str, np.ndarray]: concatenated records of all images.
    """
    head = getattr(model, 'bbox_head', None)
    if head is None or not hasattr(head, 'prior_generator'):
        raise ValueError('analyze_matching supports single-stage detectors with one anchor head '
                         f'(bbox_head); {type(model).__name__} has none')
    if getattr(head, 'assigner', None) is None:
        raise ValueError('the config has no train_cfg.assigner to define positives')
    model.eval()
    parts: List[Dict[str, np.ndarray]] = []
    seen = 0
    for batch in data_batches:
        data = model.data_preprocessor(batch, False)
        outs = head(model.extract_feat(data['inputs']))
        for i, sample in enumerate(data['data_samples']):
            per_img = [[o[i:i + 1] for o in outs[0]], [o[i:i + 1] for o in outs[1]]]
            parts.append(image_records(head, per_img[0], per_img[1], sample.metainfo,
                                       sample.gt_instances))
            seen += 1
            if max_images is not None and seen >= max_images:
                break
        if max_images is not None and seen >= max_images:
            break
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def plot_matching(records_by_name: Dict[str, Dict[str, np.ndarray]], path: str) -> None:
    """Input-IoU vs output-IoU 2-D histograms and score vs output IoU, one row per checkpoint."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    rows = len(records_by_name)
    fig, axes = plt.subplots(rows, 2, figsize=(10, 4 * rows), squeeze=False)
    for r, (name, rec) in enumerate(records_by_name.items()):
        near = (rec['input_iou'] > 0) | (rec['output_iou_max'] > 0)
        ax = axes[r, 0]
        h = ax.hist2d(rec['input_iou'][near], rec['output_iou_max'][near], bins=40,
                      range=[[0, 1], [0, 1]], cmap='viridis', norm=matplotlib.colors.LogNorm())
        fig.colorbar(h[3], ax=ax, label='anchors')
        ax.set_xlabel('input IoU (anchor vs GT)')
        ax.set_ylabel('output IoU (prediction vs GT)')
        ax.set_title(f'{name}: anchors overlapping a GT')
        ax = axes[r, 1]
        pos = rec['label'] == 1
        ax.scatter(rec['output_iou_max'][near & ~pos], rec['score'][near & ~pos], s=2, alpha=0.3,
                   label='negative / ignored')
        ax.scatter(rec['output_iou_max'][pos], rec['score'][pos], s=4, alpha=0.6,
                   label='positive')
        ax.set_xlabel('output IoU')
        ax.set_ylabel('max class score')
        ax.set_title(f'{name}: score vs localisation')
        ax.legend(markerscale=4)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
