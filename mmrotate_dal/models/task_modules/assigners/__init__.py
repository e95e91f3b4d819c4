from .dal_assigner import DALAssigner, matching_degree, scheduled_alpha
from .gmm_separation import gmm_separation
from .paa_assigner import PAAAssigner
from .sparse_iou2d_calculator import SparseRBboxOverlaps2D
from .sparse_max_iou_assigner import SparseMaxIoUAssigner

__all__ = ['DALAssigner', 'PAAAssigner', 'SparseRBboxOverlaps2D',
           'SparseMaxIoUAssigner', 'gmm_separation',
           'matching_degree', 'scheduled_alpha']
