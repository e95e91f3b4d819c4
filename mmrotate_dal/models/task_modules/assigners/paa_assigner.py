"""Probabilistic Anchor Assignment (Kim & Lee, ECCV 2020) for rotated boxes."""
from typing import List, Optional, Tuple

import torch
from mmdet.models.losses.focal_loss import py_sigmoid_focal_loss
from mmdet.models.task_modules.assigners import AssignResult, BaseAssigner
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData
from torch import Tensor

from mmrotate.registry import TASK_UTILS
from ...utils.gt_sanitizer import check_gts
from ..assign_call import assign_with_levels
from ..rotated_frame import points_inside
from ..rotated_iou import rotated_iou_aligned
from ..sparse_ops import rank_within_groups
from .gmm_separation import FALLBACKS, gmm_separation


@TASK_UTILS.register_module()
class PAAAssigner(BaseAssigner):
    """PAA: fit a two-component GMM to each GT's candidate scores and keep the low-score mode.

    1. An initial assigner builds the candidate pool (default: max-IoU with both thresholds at 0.1,
       ``min_pos_iou=0``, rotated IoU: "RetinaNet-(maxiou)", as ``SparseMaxIoUAssigner``, equal to
       ``mmdet.MaxIoUAssigner`` without its dense matrix and per-GT loop; or
       ``RotatedATSSAssigner``).
       With ``pool_center_in_gt`` only candidates whose anchor centre lies inside their GT stay
       (max-IoU at 0.1 admits anchors centred beside thin rotated objects; ATSS requires it).
    2. Each candidate anchor of GT g is scored, without gradient, by
       ``sum_c focal(logit_c, onehot(label_g)) + lambda * (1 - rotated IoU(decoded prediction, g))``.
    3. Per GT and FPN level the ``topk`` lowest scores are kept (stable ties).
    4. :func:`gmm_separation` splits each GT's candidates; the rest of the anchors are negative
       (there is no ignore band).

    Args:
        topk (int): candidates kept per GT and level (> 0). Defaults to 9.
        score_lambda (float): weight of the localisation term (>= 0). Defaults to 1.0 (official).
        fallback (str): ``'official'`` or ``'mmdet'`` (see :func:`gmm_separation`).
        initial_assigner (dict): config of the assigner that builds the candidate pool.
        focal_alpha (float): focal loss alpha of the score. Defaults to 0.25.
        focal_gamma (float): focal loss gamma of the score. Defaults to 2.0.
        gmm_cfg (dict, optional): ``tol``, ``max_iter``, ``reg_covar``, ``check_every`` of the EM.
        pool_center_in_gt (bool): keep only candidates whose prior centre is inside their GT
            (rotated test). Defaults to False (official).
    """

    uses_num_level_priors = True

    def __init__(self,
                 topk: int = 9,
                 score_lambda: float = 1.0,
                 fallback: str = 'official',
                 initial_assigner: dict = dict(
                     type='SparseMaxIoUAssigner',
                     pos_iou_thr=0.1,
                     neg_iou_thr=0.1,
                     min_pos_iou=0,
                     ignore_iof_thr=-1,
                     iou_calculator=dict(type='SparseRBboxOverlaps2D')),
                 focal_alpha: float = 0.25,
                 focal_gamma: float = 2.0,
                 gmm_cfg: Optional[dict] = None,
                 pool_center_in_gt: bool = False) -> None:
        if not isinstance(topk, int) or isinstance(topk, bool) or topk <= 0:
            raise ValueError(f'PAAAssigner: topk must be a positive integer, got {topk!r}')
        if not score_lambda >= 0:
            raise ValueError(f'PAAAssigner: score_lambda must be >= 0, got {score_lambda!r}')
        if fallback not in FALLBACKS:
            raise ValueError(f'PAAAssigner: fallback must be one of {FALLBACKS}, got {fallback!r}')
        self.topk = topk
        self.score_lambda = float(score_lambda)
        self.fallback = fallback
        self.focal_alpha, self.focal_gamma = focal_alpha, focal_gamma
        self.gmm_cfg = dict(gmm_cfg or {})
        unknown = set(self.gmm_cfg) - {'tol', 'max_iter', 'reg_covar', 'check_every'}
        if unknown:
            raise ValueError(f'PAAAssigner: unknown gmm_cfg keys {sorted(unknown)}')
        self.initial_assigner = TASK_UTILS.build(initial_assigner)
        self.pool_center_in_gt = bool(pool_center_in_gt)

    def candidate_scores(self, logits: Tensor, labels: Tensor, preds: Tensor,
                         gts: Tensor) -> Tensor:
        """PAA anchor scores of (anchor, GT) candidate pairs, lower is better.

        Args:
            logits (Tensor): (k, C) classification logits of the candidate anchors.
            labels (Tensor): (k,) class of each candidate's GT.
            preds (Tensor): (k, 5) decoded predictions of the candidate anchors.
            gts (Tensor): (k, 5) the GT boxes.

        Returns:
            Tensor: (k,) float32 scores. Non-finite values (broken predictions) are replaced by a
            large finite score, so such a candidate is ranked last rather than poisoning its GT.
        """
        with torch.no_grad():
            target = torch.zeros_like(logits, dtype=torch.float32)
            target[torch.arange(len(labels), device=labels.device), labels] = 1
            cls = py_sigmoid_focal_loss(logits.float(), target, None, self.focal_gamma,
                                        self.focal_alpha, reduction='none').sum(1)
            loc = 1 - rotated_iou_aligned(preds, gts)
            score = cls + self.score_lambda * loc
            return torch.nan_to_num(score, nan=1e4, posinf=1e4, neginf=1e4)

    def select_topk(self, scores: Tensor, gt_idx: Tensor, level: Tensor, num_gts: int,
                    num_levels: int) -> Tuple[Tensor, Tensor, Tensor]:
        """The ``topk`` lowest scores of each (GT, level), scattered into a (G, L*topk) table.

        Args:
            scores (Tensor): (k,) candidate scores.
            gt_idx (Tensor): (k,) 0-based GT of each candidate.
            level (Tensor): (k,) FPN level of each candidate.
            num_gts (int): G.
            num_levels (int): L.

        Returns:
            tuple[Tensor, Tensor, Tensor]: scores (G, L*topk), valid mask, and the index of each
            slot's candidate in the input (-1 for empty slots).
        """
        rank = rank_within_groups(scores, gt_idx * num_levels + level)
        keep = rank < self.topk
        width = num_levels * self.topk
        table = scores.new_zeros((num_gts, width))
        valid = torch.zeros((num_gts, width), dtype=torch.bool, device=scores.device)
        index = torch.full((num_gts, width), -1, dtype=torch.long, device=scores.device)
        rows, cols = gt_idx[keep], (level * self.topk + rank)[keep]
        table[rows, cols] = scores[keep]
        valid[rows, cols] = True
        index[rows, cols] = keep.nonzero().squeeze(1)
        return table, valid, index

    def candidate_pool(self,
                       pred_instances: InstanceData,
                       gt_instances: InstanceData,
                       gt_instances_ignore: Optional[InstanceData] = None,
                       num_level_priors: Optional[List[int]] = None) -> Tuple:
        """Steps 1-2: the initial assignment and the scores of its candidates.

        Args:
            pred_instances, gt_instances, gt_instances_ignore, num_level_priors: as in
                :meth:`assign`.

        Returns:
            tuple: the initial ``AssignResult``, candidate prior indices (k,), their 0-based GT
            (k,), their scores (k,) and their FPN level (k,).
        """
        for key in ('priors', 'bboxes', 'scores'):
            if key not in pred_instances:
                raise KeyError(f'PAAAssigner needs pred_instances.{key} (decoded boxes and '
                               f'logits of every prior; use RotatedPAAHead, which provides them)')
        num_priors = len(pred_instances)
        if num_level_priors is None:
            num_level_priors = [num_priors]
        if sum(num_level_priors) != num_priors:
            raise ValueError(f'num_level_priors {list(num_level_priors)} does not sum to the '
                             f'{num_priors} priors')
        gts = get_box_tensor(gt_instances.bboxes)
        check_gts(gts, 'PAAAssigner')
        initial = assign_with_levels(self.initial_assigner,
                                     InstanceData(priors=pred_instances.priors), gt_instances,
                                     gt_instances_ignore, num_level_priors)
        cand = (initial.gt_inds > 0).nonzero().squeeze(1)
        cand_gt = initial.gt_inds[cand] - 1
        if self.pool_center_in_gt:
            priors = get_box_tensor(pred_instances.priors)
            inside = points_inside(priors[cand, :2].float(), gts[cand_gt].float())
            cand, cand_gt = cand[inside], cand_gt[inside]
        scores = self.candidate_scores(
            pred_instances.scores[cand].detach(), gt_instances.labels[cand_gt],
            get_box_tensor(pred_instances.bboxes)[cand].detach(), gts[cand_gt])
        bounds = torch.tensor(list(num_level_priors), device=cand.device).cumsum(0)
        level = torch.bucketize(cand, bounds, right=True)
        return initial, cand, cand_gt, scores, level

    def assign(self,
               pred_instances: InstanceData,
               gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               num_level_priors: Optional[List[int]] = None,
               **kwargs) -> AssignResult:
        """Assign GTs to priors.

        Args:
            pred_instances (InstanceData): ``priors`` (N, 5), ``bboxes`` (N, 5) decoded predictions
                and ``scores`` (N, C) classification logits of the same priors.
            gt_instances (InstanceData): ``bboxes`` (G, 5) and ``labels`` (G,).
            gt_instances_ignore (InstanceData, optional): passed to the initial assigner.
            num_level_priors (list[int], optional): priors per FPN level (sums to N); one level
                when omitted.

        Returns:
            AssignResult: ``gt_inds`` (N,) (0 negative, k > 0 GT k), ``labels`` (N,),
            ``max_overlaps`` (N,) from the initial assigner, and the extra property
            ``initial_gt_inds`` (N,) (the candidate pool).
        """
        initial, cand, cand_gt, scores, level = self.candidate_pool(
            pred_instances, gt_instances, gt_instances_ignore, num_level_priors)
        num_gts = len(gt_instances)
        gt_inds = torch.zeros_like(initial.gt_inds)
        if num_gts > 0 and cand.numel() > 0:
            num_levels = 1 if num_level_priors is None else len(num_level_priors)
            table, valid, index = self.select_topk(scores, cand_gt, level, num_gts, num_levels)
            pos = gmm_separation(table, valid, self.fallback, **self.gmm_cfg)
            pos_rows, pos_cols = pos.nonzero(as_tuple=True)
            gt_inds[cand[index[pos_rows, pos_cols]]] = pos_rows + 1
        labels = torch.full_like(gt_inds, -1)
        is_pos = gt_inds > 0
        labels[is_pos] = gt_instances.labels[gt_inds[is_pos] - 1]
        result = AssignResult(num_gts, gt_inds, initial.max_overlaps, labels)
        result.set_extra_property('initial_gt_inds', initial.gt_inds)
        return result
