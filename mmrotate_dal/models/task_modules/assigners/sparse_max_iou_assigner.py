"""mmdet's ``MaxIoUAssigner`` on sparse rotated-IoU pairs, vectorised over GTs."""
from typing import Optional

import torch
from mmdet.models.task_modules.assigners import AssignResult, MaxIoUAssigner
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData
from torch import Tensor

from mmrotate.registry import TASK_UTILS
from ..rotated_iou import sparse_rotated_iou
from ..sparse_ops import segment_max


@TASK_UTILS.register_module()
class SparseMaxIoUAssigner(MaxIoUAssigner):
    """``mmdet.MaxIoUAssigner`` for rotated (or horizontal) boxes, with the same results, without
    its dense G x N IoU matrix and its Python loop over GTs.

    The rotated IoU is evaluated only on (prior, GT) pairs that can overlap
    (:func:`sparse_rotated_iou`); every other pair has IoU 0, and the assignment rules are applied to
    the pairs with the dense semantics reproduced exactly: ties in argmax go to the lowest index,
    a later GT wins a prior that several GTs' low-quality matches claim, and a GT that overlaps no
    prior at all (maximum IoU 0) claims every prior with IoU 0 when ``min_pos_iou <= 0`` and
    ``gt_max_assign_all`` (mmdet's behaviour, kept for equality). Used as PAA's default candidate
    pool; any MaxIoUAssigner config works with ``type='SparseMaxIoUAssigner'``.

    Args:
        As ``mmdet.MaxIoUAssigner``; ``iou_calculator`` and ``gpu_assign_thr`` are not used (the
        sparse path bounds memory on every device) and ``perm_repeat_gt_cfg`` is not supported.
    """

    def __init__(self, *args, **kwargs) -> None:
        # built by the base class, never called: the sparse pairs replace it
        kwargs.setdefault('iou_calculator', dict(type='mmrotate.SparseRBboxOverlaps2D'))
        super().__init__(*args, **kwargs)
        if self.perm_repeat_gt_cfg is not None:
            raise ValueError('SparseMaxIoUAssigner does not support perm_repeat_gt_cfg')

    def assign(self,
               pred_instances: InstanceData,
               gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               **kwargs) -> AssignResult:
        """Assign GTs to priors (see ``mmdet.MaxIoUAssigner.assign``).

        Args:
            pred_instances (InstanceData): ``priors`` (N, 5) rotated or (N, 4) horizontal.
            gt_instances (InstanceData): ``bboxes`` (G, 5) or (G, 4), and ``labels`` (G,).
            gt_instances_ignore (InstanceData, optional): ``bboxes`` to ignore.

        Returns:
            AssignResult: ``gt_inds`` (N,), ``max_overlaps`` (N,), ``labels`` (N,).
        """
        priors = get_box_tensor(pred_instances.priors)
        gts = get_box_tensor(gt_instances.bboxes)
        num_priors, num_gts = priors.size(0), gts.size(0)
        if num_gts == 0 or num_priors == 0:
            return self.empty_result(priors, num_gts)
        # IoU(GT, prior), in mmdet's argument order: mmcv's kernel is not bit-symmetric, and the
        # last-bit differences decide ties and thresholds on large scenes
        cols, rows, ious = sparse_rotated_iou(gts, priors)
        ignored = self._ignored(priors, gt_instances_ignore)
        if ignored is not None:
            keep = ~ignored[rows]
            rows, cols, ious = rows[keep], cols[keep], ious[keep]
        gt_inds = self.assign_wrt_pairs(rows, cols, ious, num_priors, num_gts, ignored)
        return self.make_result(gt_inds, rows, cols, ious, gt_instances.labels, ignored)

    @staticmethod
    def empty_result(priors: Tensor, num_gts: int) -> AssignResult:
        """Result without GTs (every prior negative) or without priors."""
        num_priors, device = priors.size(0), priors.device
        return AssignResult(
            num_gts, torch.full((num_priors, ), 0 if num_gts == 0 else -1, dtype=torch.long,
                                device=device),
            priors.new_zeros((num_priors, )),
            torch.full((num_priors, ), -1, dtype=torch.long, device=device))

    @staticmethod
    def make_result(gt_inds: Tensor, rows: Tensor, cols: Tensor, ious: Tensor, gt_labels: Tensor,
                    ignored: Optional[Tensor] = None) -> AssignResult:
        """``AssignResult`` of final ``gt_inds``; ``max_overlaps`` is each prior's best IoU
        (-1 where ignored by an ignore box), ``labels`` the positives' GT labels (-1 elsewhere).

        Args:
            gt_inds (Tensor): (N,) long, 1-based GT index, 0 negative, -1 ignored.
            rows, cols, ious (Tensor): (k,) the sparse (prior, GT, IoU) pairs.
            gt_labels (Tensor): (G,) GT labels.
            ignored (Tensor, optional): (N,) bool, priors ignored by an ignore box.

        Returns:
            AssignResult: ``gt_inds`` (N,), ``max_overlaps`` (N,), ``labels`` (N,).
        """
        max_overlaps, _ = segment_max(ious, rows, gt_inds.numel(), cols)
        if ignored is not None:
            max_overlaps = max_overlaps.masked_fill(ignored, -1)
        labels = torch.full_like(gt_inds, -1)
        pos = gt_inds > 0
        labels[pos] = gt_labels[gt_inds[pos] - 1]
        return AssignResult(gt_labels.numel(), gt_inds, max_overlaps, labels)

    def assign_wrt_pairs(self, rows: Tensor, cols: Tensor, ious: Tensor, num_priors: int,
                         num_gts: int, ignored: Optional[Tensor] = None) -> Tensor:
        """``assign_wrt_overlaps`` on sparse pairs.

        Args:
            rows, cols (Tensor): (k,) prior and GT index of each pair (ignored priors removed).
            ious (Tensor): (k,) their IoU (>= 0); missing pairs have IoU 0.
            num_priors (int): N.
            num_gts (int): G > 0.
            ignored (Tensor, optional): (N,) bool, priors whose overlaps are -1 for every GT.

        Returns:
            Tensor: (N,) long gt_inds (-1 ignore, 0 negative, k > 0 GT k).
        """
        device = ious.device
        max_overlaps, argmax = segment_max(ious, rows, num_priors, cols)
        if ignored is not None:
            max_overlaps = max_overlaps.masked_fill(ignored, -1)
        gt_inds = torch.full((num_priors, ), -1, dtype=torch.long, device=device)
        if isinstance(self.neg_iou_thr, tuple):
            low, high = self.neg_iou_thr
            gt_inds[(max_overlaps >= low) & (max_overlaps < high)] = 0
        else:
            gt_inds[(max_overlaps >= 0) & (max_overlaps < self.neg_iou_thr)] = 0
        pos = max_overlaps >= self.pos_iou_thr
        gt_inds[pos] = argmax[pos].clamp(min=0) + 1  # argmax -1: all-zero row, dense argmax 0
        if not self.match_low_quality:
            return gt_inds

        gt_max, gt_argmax = segment_max(ious, cols, num_gts, rows)
        claims = gt_max >= self.min_pos_iou  # GTs whose best priors are forced positive
        valid = torch.ones(num_priors, dtype=torch.bool, device=device) if ignored is None \
            else ~ignored
        winner = torch.full((num_priors, ), -1, dtype=torch.long, device=device)
        # a GT with maximum IoU 0 "ties" with every non-ignored prior that it does not overlap,
        # i.e. with all of them; the last such GT wins them (dense loop order)
        zero_gts = (claims & (gt_max <= 0)).nonzero().squeeze(1)
        if self.gt_max_assign_all:
            if zero_gts.numel():
                winner = torch.where(valid, zero_gts.max(), winner)
            at_max = (ious > 0) & (ious == gt_max[cols]) & claims[cols]
            winner.scatter_reduce_(0, rows[at_max], cols[at_max], reduce='amax')
        else:
            first_valid = int(valid.nonzero()[0, 0]) if valid.any() else -1
            best = torch.where(gt_max > 0, gt_argmax, torch.full_like(gt_argmax, first_valid))
            has = claims & (best >= 0)
            winner.scatter_reduce_(0, best[has], has.nonzero().squeeze(1), reduce='amax')
        forced = winner >= 0
        gt_inds[forced] = winner[forced] + 1
        return gt_inds

    def _ignored(self, priors: Tensor, gt_instances_ignore: Optional[InstanceData]):
        if (self.ignore_iof_thr <= 0 or gt_instances_ignore is None
                or len(gt_instances_ignore) == 0):
            return None
        ignore = get_box_tensor(gt_instances_ignore.bboxes)
        if self.ignore_wrt_candidates:  # intersection over the prior's area
            prior_idx, ignore_idx, iof = sparse_rotated_iou(priors, ignore, mode='iof')
        else:  # intersection over the ignored box's area
            ignore_idx, prior_idx, iof = sparse_rotated_iou(ignore, priors, mode='iof')
        best, _ = segment_max(iof, prior_idx, priors.size(0), ignore_idx)
        return best > self.ignore_iof_thr
