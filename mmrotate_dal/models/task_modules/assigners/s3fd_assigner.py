"""S3FD's scale compensation anchor matching (Zhang et al., ICCV 2017, sec. 3.2)."""
from numbers import Real

import torch
from torch import Tensor

from mmrotate.registry import TASK_UTILS
from ..sparse_ops import rank_within_groups, segment_max
from .sparse_max_iou_assigner import SparseMaxIoUAssigner


def check_thresholds(owner: str, **thresholds) -> None:
    """Raise a clear error unless every threshold is a number in [0, 1] and they are in the order
    given (each keyword not larger than the next).

    Args:
        owner (str): the class name used in the message.
        **thresholds: name -> value, in ascending order of what they must satisfy.
    """
    for name, value in thresholds.items():
        if not isinstance(value, Real) or isinstance(value, bool) or value != value:
            raise TypeError(f'{owner}: {name} must be a number, got {value!r}')
        if not 0 <= value <= 1:
            raise ValueError(f'{owner}: {name} must be in [0, 1], got {value}')
    names = list(thresholds)
    for low, high in zip(names, names[1:]):
        if thresholds[low] > thresholds[high]:
            raise ValueError(f'{owner}: {low} ({thresholds[low]}) must not exceed {high} '
                             f'({thresholds[high]})')


@TASK_UTILS.register_module()
class S3FDAssigner(SparseMaxIoUAssigner):
    """Scale compensation anchor matching of S3FD, for rotated (N, 5) or horizontal (N, 4) boxes.

    Stage 1 is max-IoU matching with a lowered threshold, exactly
    ``mmdet.MaxIoUAssigner(pos_iou_thr=0.35, neg_iou_thr=0.35, min_pos_iou=0,
    gt_max_assign_all=False)``: an anchor whose best IoU (ties: lowest GT index) is >= 0.35 is
    positive for that GT, below 0.35 negative; then each GT's single best anchor (ties: lowest
    anchor index) is forced to it, a later GT keeping an anchor that two GTs share.

    Stage 2, per image: ``N = floor(stage-1 positives / number of GTs)``. A GT with fewer than N
    positives takes, highest IoU first (ties: lowest anchor index), the anchors that are not
    positive yet, whose best GT it is and whose IoU with it is >= ``min_comp_iou``, until it has N
    (or runs out). Since every candidate belongs to its own best GT, no anchor is contested.

    Where each rule comes from:
        - paper (sec. 3.2): the two stages, the lowered threshold, candidates above 0.1 sorted by
          IoU, N = the average number of stage-1 matches per GT;
        - official release (``sfzhang15/SFD``, WIDER FACE prototxt): ``overlap_threshold 0.35``,
          ``neg_overlap 0.35``, ``match_type PER_PREDICTION`` (stage 1 as above); no training code
          was released;
        - public re-implementations (``luuuyi/S3FD.PyTorch``): N as a floor per image, a candidate
          must have this GT as its best GT, no anchor is taken from another GT;
        - this port: ties to the lowest index (``torch.argmax``), anchors ignored by an ignore box
          (``ignore_iof_thr``) are never compensated, no GTs -> every anchor negative.

    IoU comes from the package's sparse candidate-pair module, rotated or horizontal by the boxes'
    own type; the rules are applied on the pairs, vectorised over anchors and GTs.

    Args:
        pos_iou_thr (float): stage-1 positive threshold. Defaults to 0.35.
        neg_iou_thr (float): stage-1 negative threshold (below it: negative; between it and
            ``pos_iou_thr``: ignored). Defaults to 0.35.
        min_comp_iou (float): smallest IoU of a stage-2 candidate. Defaults to 0.1.
        min_pos_iou (float): smallest IoU at which a GT's best anchor is forced. Defaults to 0.
        **kwargs: further ``MaxIoUAssigner`` options (``ignore_iof_thr``,
            ``ignore_wrt_candidates``, ``gt_max_assign_all``, ``match_low_quality``).
    """

    def __init__(self,
                 pos_iou_thr: float = 0.35,
                 neg_iou_thr: float = 0.35,
                 min_comp_iou: float = 0.1,
                 min_pos_iou: float = 0.0,
                 gt_max_assign_all: bool = False,
                 **kwargs) -> None:
        check_thresholds(type(self).__name__, min_comp_iou=min_comp_iou, neg_iou_thr=neg_iou_thr,
                         pos_iou_thr=pos_iou_thr)
        check_thresholds(type(self).__name__, min_pos_iou=min_pos_iou)
        super().__init__(pos_iou_thr=pos_iou_thr, neg_iou_thr=neg_iou_thr,
                         min_pos_iou=min_pos_iou, gt_max_assign_all=gt_max_assign_all, **kwargs)
        self.min_comp_iou = float(min_comp_iou)

    def assign_wrt_pairs(self, rows: Tensor, cols: Tensor, ious: Tensor, num_priors: int,
                         num_gts: int, ignored=None) -> Tensor:
        """Stage 1 (``SparseMaxIoUAssigner.assign_wrt_pairs``), then stage 2.

        Args:
            rows, cols (Tensor): (k,) anchor and GT index of each pair (ignored anchors removed),
                sorted by ``row * G + col``.
            ious (Tensor): (k,) their IoU; missing pairs have IoU 0.
            num_priors (int): N anchors.
            num_gts (int): G > 0.
            ignored (Tensor, optional): (N,) bool, anchors ignored by an ignore box.

        Returns:
            Tensor: (N,) long gt_inds (-1 ignore, 0 negative, k > 0 GT k).
        """
        gt_inds = super().assign_wrt_pairs(rows, cols, ious, num_priors, num_gts, ignored)
        return self.compensate(gt_inds, rows, cols, ious, num_gts, ignored)

    def compensate(self, gt_inds: Tensor, rows: Tensor, cols: Tensor, ious: Tensor, num_gts: int,
                   ignored=None) -> Tensor:
        """Stage 2: top up each GT to the image's average positive count.

        Args:
            gt_inds (Tensor): (N,) stage-1 result.
            rows, cols, ious (Tensor): (k,) the sparse pairs.
            num_gts (int): G > 0.
            ignored (Tensor, optional): (N,) bool, anchors ignored by an ignore box.

        Returns:
            Tensor: (N,) gt_inds after compensation (a new tensor).
        """
        gt_inds = gt_inds.clone()
        pos = gt_inds > 0
        target = int(pos.sum()) // num_gts
        if target == 0:
            return gt_inds
        counts = torch.bincount(gt_inds[pos] - 1, minlength=num_gts)
        need = (target - counts).clamp(min=0)
        best_iou, best_gt = segment_max(ious, rows, gt_inds.numel(), cols)
        free = ~pos & (best_gt >= 0) & (best_iou >= self.min_comp_iou)
        if ignored is not None:
            free &= ~ignored
        free &= need[best_gt.clamp(min=0)] > 0
        anchors = free.nonzero().squeeze(1)  # ascending: ties keep the lowest anchor index
        if anchors.numel() == 0:
            return gt_inds
        owner = best_gt[anchors]
        rank = rank_within_groups(-best_iou[anchors], owner)
        take = rank < need[owner]
        gt_inds[anchors[take]] = owner[take] + 1
        return gt_inds
