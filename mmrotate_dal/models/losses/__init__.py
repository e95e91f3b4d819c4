from .diff_iou_rotated_cpu import enable_cpu_diff_iou_rotated, sort_vertices
from .ms_bbox_loss import MatchingSensitiveBBoxLoss
from .ms_focal_loss import MatchingSensitiveFocalLoss
from .regression_aware_focal_loss import RegressionAwareFocalLoss
from .soft_label_qfl import SoftLabelQualityFocalLoss
from .rotated_iou_clip import (enable_robust_rotated_iou_loss, rotated_iou_clip, rotated_iou_impl,
                               rotated_iou_impl_as, set_rotated_iou_impl)

__all__ = ['MatchingSensitiveFocalLoss', 'RegressionAwareFocalLoss', 'SoftLabelQualityFocalLoss', 'MatchingSensitiveBBoxLoss',
           'enable_cpu_diff_iou_rotated', 'sort_vertices', 'enable_robust_rotated_iou_loss',
           'rotated_iou_clip', 'rotated_iou_impl', 'rotated_iou_impl_as', 'set_rotated_iou_impl']
