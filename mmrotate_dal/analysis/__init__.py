from .anchor_check import (REFERENCE_ASSIGNERS, anchor_fit_summary, collect_anchor_fit,
                           min_reachable_input_iou)
from .matching import (collect_anchor_records, matching_statistics, pearson, plot_matching,
                       spearman)

__all__ = ['collect_anchor_records', 'matching_statistics', 'pearson', 'spearman',
           'plot_matching', 'REFERENCE_ASSIGNERS', 'anchor_fit_summary', 'collect_anchor_fit',
           'min_reachable_input_iou']
