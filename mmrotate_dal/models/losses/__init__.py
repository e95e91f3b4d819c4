from .diff_iou_rotated_cpu import enable_cpu_diff_iou_rotated, sort_vertices
from .ms_bbox_loss import MatchingSensitiveBBoxLoss
from .ms_focal_loss import MatchingSensitiveFocalLoss
from .regression_aware_focal_loss import RegressionAwareFocalLoss

__all__ = ['MatchingSensitiveFocalLoss', 'RegressionAwareFocalLoss', 'MatchingSensitiveBBoxLoss',
           'enable_cpu_diff_iou_rotated', 'sort_vertices']
