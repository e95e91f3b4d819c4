"""Dynamic Anchor Learning assigner (Ming et al., AAAI 2021), as released in ``ming71/DAL``."""
from numbers import Real
from typing import Optional, Sequence, Tuple

import torch
from mmdet.models.task_modules.assigners import AssignResult, BaseAssigner
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData
from torch import Tensor

from mmrotate.registry import TASK_UTILS
from ....utils.progress import PROGRESS_UNITS, get_train_progress, linear_ramp
from ...utils.gt_sanitizer import check_gts
from ..rotated_iou import paired_sparse_iou
from ..sparse_ops import pair_lookup, segment_max
from .sparse_iou2d_calculator import SparseRBboxOverlaps2D

LOW_QUALITY_MODES = ('anchor_argmax', 'forcing_gt', 'none')
WEIGHT_MODES = ('max_over_gts', 'assigned_gt')


def matching_degree(sa: Tensor, fa: Tensor, alpha: float, gamma: float,
                    use_abs: bool = True) -> Tensor:
    """DAL's matching degree ``md = a*sa + (1-a)*fa - |sa-fa|^g``.

    Args:
        sa (Tensor): input IoU (anchor vs GT), any shape.
        fa (Tensor): output IoU (decoded prediction vs GT), same shape.
        alpha (float): spatial weight a in [0, 1].
        gamma (float): exponent g > 0 of the uncertainty penalty.
        use_abs (bool): take the absolute value of the whole expression (released code) instead of
            clamping it at 0.

    Returns:
        Tensor: md, same shape, >= 0.
    """
    md = alpha * sa + (1 - alpha) * fa - (sa - fa).abs().pow(gamma)
    return md.abs() if use_abs else md.clamp(min=0)


def scheduled_alpha(alpha: float, schedule: Optional[Tuple[float, float]],
                    progress: Optional[float]) -> float:
    """Alpha at a training progress: 1 before ``schedule[0]``, linear to ``alpha`` at ``schedule[1]``.

    Args:
        alpha (float): final alpha.
        schedule (tuple[float, float] | None): progress breakpoints; None keeps alpha constant.
        progress (float | None): training progress in [0, 1]; None means "not training" and gives
            the final alpha.

    Returns:
        float: the alpha to use.
    """
    if schedule is None or progress is None:
        return alpha
    return 1.0 + (alpha - 1.0) * linear_ramp(progress, *schedule)


@TASK_UTILS.register_module()
class DALAssigner(BaseAssigner):
    """Assign anchors by DAL's matching degree of input and output IoU.

    Each anchor i and GT j get ``md = a*sa + (1-a)*fa - |sa-fa|^g`` where ``sa`` is the rotated IoU
    of the anchor with the GT and ``fa`` that of the anchor's decoded prediction (detached). With
    ``md_i = max_j md``: positive if ``md_i >= pos_iou_thr``, negative if ``md_i < neg_iou_thr``,
    ignored (-1) in between. Low-quality matching then forces each GT's best anchor positive.
    Positives also get the compensation weight ``w`` of the matching-sensitive losses.

    IoUs are evaluated only on anchor/GT and prediction/GT pairs whose enclosing horizontal boxes
    intersect (all other pairs have sa = fa = 0, hence md = 0), so no dense N x G matrix is built.
    The result is identical to the dense computation.

    Conventions this port fixes where the released code is arbitrary (all tested):
        - a GT that overlaps no anchor and no prediction (max md = 0) forces nothing;
        - ties in any argmax go to the lowest index, as ``torch.argmax`` does;
        - predictions with non-finite coordinates have output IoU 0;
        - an image without GTs makes every anchor negative (the released code skipped it).

    Args:
        alpha (float): final spatial weight a in [0, 1]. Defaults to 0.3.
        gamma (float): exponent g > 0 of the penalty ``|sa - fa|^g``. Defaults to 5.
        pos_iou_thr (float): md threshold for positives. Defaults to 0.6.
        neg_iou_thr (float): md below this is negative; [neg, pos) is ignored. Defaults to 0.5.
        alpha_schedule (tuple[float, float] | None): progress breakpoints (p0, p1): a = 1 before
            p0, linear to ``alpha`` at p1. None keeps a = ``alpha``. Defaults to (0.1, 0.3).
        progress_by (str): ``'iter'`` (iter / max_iters) or ``'epoch'`` (epoch / max_epochs, the
            released code). Read from the runner's MessageHub; outside training a = ``alpha``.
        use_abs (bool): released code's outer absolute value of md (True) or clamp at 0 (False).
        low_quality (str): ``'anchor_argmax'`` (released: a GT whose max md < pos_iou_thr forces
            its best anchor positive, which keeps its own argmax GT), ``'forcing_gt'`` (mmdet: every
            GT's best anchor is assigned to that GT, a later GT winning a shared anchor) or
            ``'none'``.
        weight_mode (str): ``'max_over_gts'`` (released: w_i = max_j w_ij with
            w_ij = md_ij + 1 - md_max(j) where md_ij >= pos_iou_thr or i is j's best positive, else
            2 * md_ij) or ``'assigned_gt'`` (PR 407: w_i = md_i,a(i) + 1 - md_max(a(i))).
        ignore_iof_thr (float): anchors whose IoF with an ignored box exceeds it are ignored;
            negative disables. Defaults to -1.
        iou_calculator (dict): rotated IoU calculator. The default ``SparseRBboxOverlaps2D`` takes
            the sparse path; any other calculator is called densely (for comparison).
    """

    def __init__(self,
                 alpha: float = 0.3,
                 gamma: float = 5.0,
                 pos_iou_thr: float = 0.6,
                 neg_iou_thr: float = 0.5,
                 alpha_schedule: Optional[Sequence[float]] = (0.1, 0.3),
                 progress_by: str = 'iter',
                 use_abs: bool = True,
                 low_quality: str = 'anchor_argmax',
                 weight_mode: str = 'max_over_gts',
                 ignore_iof_thr: float = -1,
                 iou_calculator: dict = dict(type='SparseRBboxOverlaps2D')) -> None:
        self._check_args(alpha, gamma, pos_iou_thr, neg_iou_thr, alpha_schedule, progress_by,
                         low_quality, weight_mode)
        self.alpha = float(alpha)
        self.gamma = float(gamma)
        self.pos_iou_thr = float(pos_iou_thr)
        self.neg_iou_thr = float(neg_iou_thr)
        self.alpha_schedule = None if alpha_schedule is None else tuple(map(float, alpha_schedule))
        self.progress_by = progress_by
        self.use_abs = bool(use_abs)
        self.low_quality = low_quality
        self.weight_mode = weight_mode
        self.ignore_iof_thr = float(ignore_iof_thr)
        self.iou_calculator = TASK_UTILS.build(iou_calculator)

    @staticmethod
    def _check_args(alpha, gamma, pos_iou_thr, neg_iou_thr, alpha_schedule, progress_by,
                    low_quality, weight_mode) -> None:
        def number(name, value, low, high, low_open=False):
            if not isinstance(value, Real) or isinstance(value, bool) or value != value:
                raise TypeError(f'DALAssigner: {name} must be a number, got {value!r}')
            if value < low or value > high or (low_open and value == low):
                bound = f'({low}, {high}]' if low_open else f'[{low}, {high}]'
                raise ValueError(f'DALAssigner: {name} must be in {bound}, got {value}')

        number('alpha', alpha, 0, 1)
        number('gamma', gamma, 0, float('inf'), low_open=True)
        number('pos_iou_thr', pos_iou_thr, 0, 1, low_open=True)
        number('neg_iou_thr', neg_iou_thr, 0, 1)
        if neg_iou_thr > pos_iou_thr:
            raise ValueError(f'DALAssigner: neg_iou_thr ({neg_iou_thr}) must not exceed '
                             f'pos_iou_thr ({pos_iou_thr})')
        if alpha_schedule is not None:
            if len(alpha_schedule) != 2:
                raise ValueError('DALAssigner: alpha_schedule must be (start, end) progress '
                                 f'breakpoints or None, got {alpha_schedule!r}')
            for value in alpha_schedule:
                number('alpha_schedule entries', value, 0, 1)
            if not alpha_schedule[0] < alpha_schedule[1]:
                raise ValueError('DALAssigner: alpha_schedule needs start < end, got '
                                 f'{tuple(alpha_schedule)}')
        for name, value, choices in (('progress_by', progress_by, PROGRESS_UNITS),
                                     ('low_quality', low_quality, LOW_QUALITY_MODES),
                                     ('weight_mode', weight_mode, WEIGHT_MODES)):
            if value not in choices:
                raise ValueError(f'DALAssigner: {name} must be one of {choices}, got {value!r}')

    def current_alpha(self, progress: Optional[float] = None) -> float:
        """Alpha at ``progress``, or at the running training loop's progress when None."""
        if progress is None:
            progress = get_train_progress(self.progress_by)
        return scheduled_alpha(self.alpha, self.alpha_schedule, progress)

    def matching_pairs(self, priors: Tensor, preds: Tensor,
                       gts: Tensor) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """Input and output IoU on every (anchor, GT) pair where either can be non-zero.

        Args:
            priors (Tensor): (N, 5) anchors.
            preds (Tensor): (N, 5) decoded predictions of the same anchors.
            gts (Tensor): (G, 5) GT boxes.

        Returns:
            tuple[Tensor, Tensor, Tensor, Tensor]: anchor index (k,), GT index (k,), sa (k,) and
            fa (k,), pairs sorted by ``anchor * G + gt``. Missing pairs have sa = fa = 0.
        """
        if not isinstance(self.iou_calculator, SparseRBboxOverlaps2D):
            # clamped like the sparse path (rotated_iou_aligned): a kernel's slightly negative
            # IoU would otherwise become a large md through |sa - fa|^g and the outer abs
            sa = self.iou_calculator(priors, gts).float().clamp(0, 1)
            fa = self.iou_calculator(preds, gts).float().clamp(0, 1)
            fa = torch.where(torch.isfinite(preds).all(-1, keepdim=True), fa, fa.new_zeros(()))
            rows, cols = ((sa != 0) | (fa != 0)).nonzero(as_tuple=True)
            return rows, cols, sa[rows, cols], fa[rows, cols]
        return paired_sparse_iou(priors, preds, gts)

    def assign(self,
               pred_instances: InstanceData,
               gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               progress: Optional[float] = None,
               **kwargs) -> AssignResult:
        """Assign GTs to anchors by matching degree.

        Args:
            pred_instances (InstanceData): ``priors`` (N, 5) anchors and ``bboxes`` (N, 5) decoded
                predictions of the same anchors (Tensor or RotatedBoxes; treated as detached).
            gt_instances (InstanceData): ``bboxes`` (G, 5) and ``labels`` (G,).
            gt_instances_ignore (InstanceData, optional): ``bboxes`` to ignore (see
                ``ignore_iof_thr``).
            progress (float, optional): training progress in [0, 1] for the alpha schedule;
                by default read from the running training loop.

        Returns:
            AssignResult: ``gt_inds`` (N,) (0 negative, -1 ignored, k > 0 GT k), ``labels`` (N,),
            ``max_overlaps`` (N,) = each anchor's md, and extra properties ``matching_degree``
            (N,) (the same md) and ``matching_weight`` (N,) (w for positives, 0 elsewhere).
        """
        if 'bboxes' not in pred_instances:
            raise KeyError('DALAssigner needs pred_instances.bboxes: the decoded predictions of '
                           'every prior (use a DAL head, which provides them)')
        priors = get_box_tensor(pred_instances.priors)
        preds = get_box_tensor(pred_instances.bboxes).detach()
        gts = get_box_tensor(gt_instances.bboxes)
        gt_labels = gt_instances.labels
        if priors.shape != preds.shape:
            raise ValueError(f'priors {tuple(priors.shape)} and predictions '
                             f'{tuple(preds.shape)} must have the same shape')
        check_gts(gts, 'DALAssigner')
        num_priors, num_gts = priors.size(0), gts.size(0)

        with torch.no_grad():
            if num_gts == 0 or num_priors == 0:
                zeros = priors.new_zeros(num_priors, dtype=torch.float32)
                result = AssignResult(
                    num_gts, priors.new_zeros(num_priors, dtype=torch.long), zeros,
                    priors.new_full((num_priors, ), -1, dtype=torch.long))
                result.set_extra_property('matching_degree', zeros)
                result.set_extra_property('matching_weight', zeros.clone())
                return result

            rows, cols, sa, fa = self.matching_pairs(priors, preds, gts)
            md = matching_degree(sa, fa, self.current_alpha(progress), self.gamma, self.use_abs)
            ignored = self._ignored_priors(priors, gt_instances_ignore)
            if ignored is not None:
                md = md.masked_fill(ignored[rows], 0)
            gt_inds, md_max, weights = self.assign_wrt_matching_degree(
                rows, cols, md, num_priors, num_gts)
            if ignored is not None:
                gt_inds[ignored] = -1
            labels = torch.full_like(gt_inds, -1)
            pos = gt_inds > 0
            labels[pos] = gt_labels[gt_inds[pos] - 1]
        result = AssignResult(num_gts, gt_inds, md_max, labels)
        result.set_extra_property('matching_degree', md_max)
        result.set_extra_property('matching_weight', weights)
        return result

    def assign_wrt_matching_degree(self, rows: Tensor, cols: Tensor, md: Tensor, num_priors: int,
                                   num_gts: int) -> Tuple[Tensor, Tensor, Tensor]:
        """Thresholds, low-quality matching and compensation weights from sparse md.

        Args:
            rows (Tensor): (k,) anchor index of each pair, pairs sorted by ``row * G + col``.
            cols (Tensor): (k,) GT index of each pair.
            md (Tensor): (k,) matching degree of each pair (missing pairs: 0).
            num_priors (int): N.
            num_gts (int): G.

        Returns:
            tuple[Tensor, Tensor, Tensor]: gt_inds (N,) long (1-based, 0 neg, -1 ignore),
            md_max (N,) and matching weight (N,) (0 for non-positives).
        """
        md_max, argmax = segment_max(md, rows, num_priors, cols)
        argmax.clamp_(min=0)
        gt_max, gt_best = segment_max(md, cols, num_gts, rows)

        gt_inds = torch.full((num_priors, ), -1, dtype=torch.long, device=md.device)
        gt_inds[md_max < self.neg_iou_thr] = 0
        pos = md_max >= self.pos_iou_thr
        gt_inds[pos] = argmax[pos] + 1
        if self.low_quality == 'anchor_argmax':
            forced = gt_best[(gt_best >= 0) & (gt_max < self.pos_iou_thr)]
            gt_inds[forced] = argmax[forced] + 1
        elif self.low_quality == 'forcing_gt':
            has_best = gt_best >= 0
            winner = torch.full_like(gt_inds, -1).scatter_reduce_(
                0, gt_best[has_best], has_best.nonzero().squeeze(1), reduce='amax')
            forced = winner >= 0
            gt_inds[forced] = winner[forced] + 1

        pos = gt_inds > 0
        pos_pair = pos[rows]
        max_pos, best_pos = segment_max(md[pos_pair], cols[pos_pair], num_gts, rows[pos_pair])
        weights = torch.zeros_like(md_max)
        if self.weight_mode == 'max_over_gts':
            mask = (md >= self.pos_iou_thr) | (rows == best_pos[cols])
            w_pair = torch.where(mask, md + 1 - max_pos[cols], 2 * md)
            weights.scatter_reduce_(0, rows[pos_pair], w_pair[pos_pair], reduce='amax')
        else:
            anchors = pos.nonzero().squeeze(1)
            gts = gt_inds[anchors] - 1
            at = pair_lookup(rows, cols, num_gts, anchors, gts)
            md_assigned = torch.where(at >= 0, md[at.clamp(min=0)], md.new_zeros(()))
            weights[anchors] = md_assigned + 1 - max_pos[gts]
        return gt_inds, md_max, weights

    def _ignored_priors(self, priors: Tensor,
                        gt_instances_ignore: Optional[InstanceData]) -> Optional[Tensor]:
        if (self.ignore_iof_thr <= 0 or gt_instances_ignore is None
                or len(gt_instances_ignore) == 0):
            return None
        ignore_boxes = get_box_tensor(gt_instances_ignore.bboxes)
        iof = self.iou_calculator(priors, ignore_boxes, mode='iof')
        return iof.max(dim=1).values > self.ignore_iof_thr

