from .anchor_dsl_assigner import AnchorDSLAssigner
from .dal_assigner import DALAssigner, matching_degree, scheduled_alpha
from .gmm_separation import gmm_separation
from .hambox_assigner import HAMBoxAssigner
from .paa_assigner import PAAAssigner
from .s3fd_assigner import S3FDAssigner
from .sparse_iou2d_calculator import SparseRBboxOverlaps2D
from .sparse_max_iou_assigner import SparseMaxIoUAssigner

__all__ = ['AnchorDSLAssigner', 'DALAssigner', 'HAMBoxAssigner', 'PAAAssigner', 'S3FDAssigner', 'SparseRBboxOverlaps2D',
           'SparseMaxIoUAssigner', 'gmm_separation',
           'matching_degree', 'scheduled_alpha']
