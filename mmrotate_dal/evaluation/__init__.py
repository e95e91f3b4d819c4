from .merged_dota_metric import MergedDOTAMetric, merge_patch_predictions, patch_origin
from .threaded_dota_metric import ThreadedDOTAMetric

__all__ = ['MergedDOTAMetric', 'ThreadedDOTAMetric', 'merge_patch_predictions', 'patch_origin']
