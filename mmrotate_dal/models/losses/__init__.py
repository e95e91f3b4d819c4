from .ms_bbox_loss import MatchingSensitiveBBoxLoss
from .ms_focal_loss import MatchingSensitiveFocalLoss

__all__ = ['MatchingSensitiveFocalLoss', 'MatchingSensitiveBBoxLoss']
