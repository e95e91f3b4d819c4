from .diff_iou_rotated_cpu import enable_cpu_diff_iou_rotated, sort_vertices
from .ms_bbox_loss import MatchingSensitiveBBoxLoss
from .ms_focal_loss import MatchingSensitiveFocalLoss

__all__ = ['MatchingSensitiveFocalLoss', 'MatchingSensitiveBBoxLoss',
           'enable_cpu_diff_iou_rotated', 'sort_vertices']
