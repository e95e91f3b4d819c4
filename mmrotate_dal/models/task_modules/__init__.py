from .assigners import *  # noqa: F401,F403
from .coders import *  # noqa: F401,F403
from .rotated_iou import (candidate_pairs, dense_rotated_iou, rotated_iou_aligned,
                          sparse_rotated_iou)

__all__ = ['candidate_pairs', 'dense_rotated_iou', 'rotated_iou_aligned', 'sparse_rotated_iou']
