"""HAMBox's online high-quality anchor mining (Liu et al., CVPR 2020)."""
from typing import Optional

import torch
from mmdet.models.task_modules.assigners import AssignResult
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData
from torch import Tensor

from mmrotate.registry import TASK_UTILS
from ...utils.gt_sanitizer import check_gts
from ..rotated_iou import paired_sparse_iou
from ..sparse_ops import rank_within_groups, segment_max
from .s3fd_assigner import check_thresholds
from .sparse_max_iou_assigner import SparseMaxIoUAssigner


@TASK_UTILS.register_module()
class HAMBoxAssigner(SparseMaxIoUAssigner):
    """Online high-quality anchor mining: anchors whose *regressed* box fits a GT that has too few
    positives are made positive for it. Rotated (N, 5) or horizontal (N, 4) boxes.

    Prediction-aware like ``DALAssigner``: ``pred_instances.bboxes`` holds every anchor's decoded
    prediction (the DAL heads and ``HAMBoxRetinaHead`` provide it), and one sparse candidate pass
    gives both the anchors' IoU (sa) and the predictions' IoU (fa) with the GTs.

    1. Step 1, as S3FD's stage 1: max-IoU with ``pos_iou_thr = neg_iou_thr`` (0.35), each GT's
       best anchor forced to it (``mmdet.MaxIoUAssigner`` with ``min_pos_iou=0``,
       ``gt_max_assign_all=False``).
    2. Step 2 (compensation): a GT with M < ``num_comp`` (K, 5) positives takes, highest fa first
       (ties: lowest anchor index), the anchors that are negative after step 1 and whose
       prediction has fa >= ``comp_iou_thr`` (T, 0.5) with it, until it has K. An anchor that
       qualifies for several GTs is a candidate only for the one with the highest fa among the
       GTs still short of K (ties: lowest GT index); if that GT does not take it, no other does.
    3. With ``ignore_unmatched_high_iou`` (default), an anchor still negative whose highest fa over
       all GTs is >= T is ignored (-1) rather than trained as background.
    4. The result carries ``matching_weight`` (N,): 1 for step-1 positives, the anchor's fa for
       compensated ones (``comp_weight='iou'``) or 1 (``'none'``), 0 elsewhere.
       ``RegressionAwareFocalLoss`` multiplies a positive's focal term by it.

    Where each rule comes from (the paper's full text was not available; each detail is an
    option):
        - paper, abstract: IoU matching first; then the anchors whose regressed boxes have high IoU
          with a face are mined online as extra positives for faces that have few; a
          regression-aware focal loss weights the mined anchors;
        - public re-implementation (``chyueG/HAMBox-high-anchors-mining``): T1 0.35 with the best
          anchor first, T2 0.5 on the decoded box, K 5, mined-but-unselected anchors ignored, the
          focal term of compensated anchors multiplied by their regressed IoU (through alpha);
        - its README says the paper tops each GT up to K in total (K - M for a GT with M < K),
          where its code adds K to every GT: the former is used here;
        - this port: the "highest fa among GTs still short" rule for contested anchors, ties to
          the lowest index, no GTs -> every anchor negative, anchors ignored by an ignore box
          (``ignore_iof_thr``) never compensated.

    Args:
        pos_iou_thr (float): step-1 positive threshold (T1). Defaults to 0.35.
        neg_iou_thr (float): step-1 negative threshold. Defaults to 0.35.
        comp_iou_thr (float): T, the smallest regressed IoU of a compensated anchor (> 0).
            Defaults to 0.5.
        num_comp (int): K, positives a GT is topped up to (>= 1). Defaults to 5.
        ignore_unmatched_high_iou (bool): step 3. Defaults to True.
        comp_weight (str): ``'iou'`` or ``'none'``, the ``matching_weight`` of compensated anchors.
            Defaults to ``'iou'``.
        min_pos_iou (float): smallest IoU at which a GT's best anchor is forced. Defaults to 0.
        **kwargs: further ``MaxIoUAssigner`` options (``ignore_iof_thr``, ...).
    """

    COMP_WEIGHTS = ('iou', 'none')

    def __init__(self,
                 pos_iou_thr: float = 0.35,
                 neg_iou_thr: float = 0.35,
                 comp_iou_thr: float = 0.5,
                 num_comp: int = 5,
                 ignore_unmatched_high_iou: bool = True,
                 comp_weight: str = 'iou',
                 min_pos_iou: float = 0.0,
                 gt_max_assign_all: bool = False,
                 **kwargs) -> None:
        owner = type(self).__name__
        check_thresholds(owner, neg_iou_thr=neg_iou_thr, pos_iou_thr=pos_iou_thr)
        check_thresholds(owner, min_pos_iou=min_pos_iou)
        check_thresholds(owner, comp_iou_thr=comp_iou_thr)
        if comp_iou_thr <= 0:
            raise ValueError(f'{owner}: comp_iou_thr must be > 0, got {comp_iou_thr}')
        if isinstance(num_comp, bool) or not isinstance(num_comp, int) or num_comp < 1:
            raise ValueError(f'{owner}: num_comp (K) must be an integer >= 1, got {num_comp!r}')
        if comp_weight not in self.COMP_WEIGHTS:
            raise ValueError(f'{owner}: comp_weight must be one of {self.COMP_WEIGHTS}, got '
                             f'{comp_weight!r}')
        super().__init__(pos_iou_thr=pos_iou_thr, neg_iou_thr=neg_iou_thr,
                         min_pos_iou=min_pos_iou, gt_max_assign_all=gt_max_assign_all, **kwargs)
        self.comp_iou_thr = float(comp_iou_thr)
        self.num_comp = num_comp
        self.ignore_unmatched_high_iou = bool(ignore_unmatched_high_iou)
        self.comp_weight = comp_weight

    def assign(self,
               pred_instances: InstanceData,
               gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               **kwargs) -> AssignResult:
        """Assign GTs to anchors.

        Args:
            pred_instances (InstanceData): ``priors`` (N, 5|4) anchors and ``bboxes`` (N, 5|4)
                decoded predictions of the same anchors (treated as detached).
            gt_instances (InstanceData): ``bboxes`` (G, 5|4) and ``labels`` (G,).
            gt_instances_ignore (InstanceData, optional): boxes to ignore (``ignore_iof_thr``).

        Returns:
            AssignResult: ``gt_inds`` (N,), ``max_overlaps`` (N,) (best anchor IoU), ``labels``
            (N,), and the extra property ``matching_weight`` (N,).
        """
        if 'bboxes' not in pred_instances:
            raise KeyError('HAMBoxAssigner needs pred_instances.bboxes: the decoded predictions '
                           'of every anchor (use HAMBoxRetinaHead or another prediction-aware '
                           'head of this package)')
        priors = get_box_tensor(pred_instances.priors)
        preds = get_box_tensor(pred_instances.bboxes).detach()
        gts = get_box_tensor(gt_instances.bboxes)
        if priors.shape != preds.shape:
            raise ValueError(f'priors {tuple(priors.shape)} and predictions '
                             f'{tuple(preds.shape)} must have the same shape')
        check_gts(gts, type(self).__name__)
        num_priors, num_gts = priors.size(0), gts.size(0)
        with torch.no_grad():
            if num_gts == 0 or num_priors == 0:
                result = self.empty_result(priors, num_gts)
                result.set_extra_property('matching_weight', priors.new_zeros(num_priors))
                return result
            # IoU(GT, box), mmdet's order: step 1 is then MaxIoUAssigner's to the last bit
            rows, cols, sa, fa = paired_sparse_iou(priors, preds, gts, gts_first=True)
            ignored = self._ignored(priors, gt_instances_ignore)
            keep = sa > 0 if ignored is None else (sa > 0) & ~ignored[rows]
            gt_inds = self.assign_wrt_pairs(rows[keep], cols[keep], sa[keep], num_priors,
                                            num_gts, ignored)
            gt_inds, weight = self.mine(gt_inds, rows, cols, fa, num_gts)
            result = self.make_result(gt_inds, rows[keep], cols[keep], sa[keep],
                                      gt_instances.labels, ignored)
        result.set_extra_property('matching_weight', weight)
        return result

    def mine(self, gt_inds: Tensor, rows: Tensor, cols: Tensor, fa: Tensor,
             num_gts: int) -> tuple:
        """Steps 2 and 3 on the sparse (anchor, GT, regressed IoU) pairs.

        Args:
            gt_inds (Tensor): (N,) step-1 result (-1 ignored, 0 negative, k > 0 GT k).
            rows, cols (Tensor): (k,) anchor and GT of each pair, sorted by ``row * G + col``.
            fa (Tensor): (k,) IoU of the anchor's decoded prediction with the GT.
            num_gts (int): G > 0.

        Returns:
            tuple[Tensor, Tensor]: gt_inds (N,) after mining (a new tensor) and matching_weight
            (N,) float.
        """
        gt_inds = gt_inds.clone()
        num_priors = gt_inds.numel()
        pos = gt_inds > 0
        weight = pos.to(fa.dtype)
        counts = torch.bincount(gt_inds[pos] - 1, minlength=num_gts)
        short = counts < self.num_comp
        negative = gt_inds == 0
        q = (fa >= self.comp_iou_thr) & negative[rows] & short[cols]
        if q.any():
            q_rows, q_cols, q_fa = rows[q], cols[q], fa[q]
            _, best_gt = segment_max(q_fa, q_rows, num_priors, q_cols)
            own = q_cols == best_gt[q_rows]  # one pair per candidate anchor, in anchor order
            anchors, owner, iou = q_rows[own], q_cols[own], q_fa[own]
            rank = rank_within_groups(-iou, owner)
            take = rank < (self.num_comp - counts[owner])
            gt_inds[anchors[take]] = owner[take] + 1
            weight[anchors[take]] = iou[take] if self.comp_weight == 'iou' else 1.0
        if self.ignore_unmatched_high_iou:
            best_fa, _ = segment_max(fa, rows, num_priors, cols)
            gt_inds[(gt_inds == 0) & (best_fa >= self.comp_iou_thr)] = -1
        return gt_inds, weight
