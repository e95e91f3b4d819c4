from .dal_assigner import DALAssigner, matching_degree, scheduled_alpha
from .sparse_iou2d_calculator import SparseRBboxOverlaps2D

__all__ = ['DALAssigner', 'SparseRBboxOverlaps2D', 'matching_degree', 'scheduled_alpha']
