"""A drop-in replacement for MMRotate's ``RBboxOverlaps2D`` that skips non-overlapping pairs."""
from torch import Tensor

from mmrotate.registry import TASK_UTILS
from ..rotated_iou import dense_rotated_iou, rotated_iou_aligned


@TASK_UTILS.register_module()
class SparseRBboxOverlaps2D:
    """Rotated IoU calculator, identical to ``RBboxOverlaps2D`` (clamped to [0, 1]: its kernel's
    float error can leave the range) but evaluated on candidate pairs.

    Only the pairs whose enclosing horizontal boxes intersect go through mmcv's
    ``box_iou_rotated``; all others are exactly 0. Use it in any assigner config, e.g.
    ``iou_calculator=dict(type='SparseRBboxOverlaps2D')`` in ``mmdet.MaxIoUAssigner``, so that a
    max-IoU baseline pays the same assignment cost as DAL.
    """

    def __call__(self, bboxes1, bboxes2, mode: str = 'iou', is_aligned: bool = False) -> Tensor:
        """Compute overlaps.

        Args:
            bboxes1 (Tensor | RotatedBoxes | HorizontalBoxes): (n, 5) or (n, 6) rotated boxes (a
                6th score column is dropped), or (n, 4) horizontal boxes (mmdet's
                ``bbox_overlaps`` then, on the same candidate pairs).
            bboxes2 (Tensor | RotatedBoxes | HorizontalBoxes): (m, 5|6) or (m, 4) boxes.
            mode (str): ``'iou'`` or ``'iof'``.
            is_aligned (bool): if True, n == m and the result is (n,).

        Returns:
            Tensor: (n, m) overlaps, or (n,) when ``is_aligned``.
        """
        if mode not in ('iou', 'iof'):
            raise ValueError(f"mode must be 'iou' or 'iof', got {mode!r}")
        for boxes in (bboxes1, bboxes2):
            if boxes.size(-1) not in (0, 4, 5, 6):
                raise ValueError(f'boxes need 5 (or 6) values per box (rotated) or 4 '
                                 f'(horizontal), got shape {tuple(boxes.shape)}')
        if is_aligned:
            return rotated_iou_aligned(bboxes1, bboxes2, mode)
        return dense_rotated_iou(bboxes1, bboxes2, mode)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}()'
