from .matching import (collect_anchor_records, matching_statistics, pearson, plot_matching,
                       spearman)

__all__ = ['collect_anchor_records', 'matching_statistics', 'pearson', 'spearman',
           'plot_matching']
