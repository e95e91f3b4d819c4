from .gt_sanitizer import check_gts, drop_invalid_gts

__all__ = ['check_gts', 'drop_invalid_gts']
