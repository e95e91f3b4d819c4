"""Matching-analysis statistics on a constructed case, against hand-computed values."""
import math

import numpy as np
import pytest

from mmrotate_dal.analysis import matching_statistics, pearson, spearman

RECORDS = dict(
    input_iou=np.array([0.8, 0.6, 0.1, 0.0, 0.3, 0.0]),
    output_iou=np.array([0.9, 0.4, 0.7, 0.0, 0.55, 0.0]),
    output_iou_max=np.array([0.9, 0.45, 0.7, 0.6, 0.55, 0.0]),
    score=np.array([0.9, 0.5, 0.3, 0.1, 0.2, 0.05]),
    label=np.array([1, 1, 0, 0, -1, 0]))


def hand_pearson(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    cov = sum((a - mx) * (b - my) for a, b in zip(x, y))
    return cov / math.sqrt(sum((a - mx)**2 for a in x) * sum((b - my)**2 for b in y))


def test_shares_and_counts():
    s = matching_statistics(RECORDS)
    assert (s['anchors'], s['positives'], s['negatives']) == (6, 2, 3)
    assert s['pos_hq_share@0.5'] == 0.5          # positives: 0.9 yes, 0.4 no
    assert s['hq_predictions@0.5'] == 4          # 0.9, 0.7, 0.6, 0.55
    assert s['hq_from_neg_share@0.5'] == 0.5     # 0.7 and 0.6 came from negatives
    assert s['pos_hq_share@0.7'] == 0.5
    assert s['hq_predictions@0.7'] == 1 and s['hq_from_neg_share@0.7'] == 0.0
    assert s['overlapping_anchors'] == 5         # the last anchor overlaps nothing


def test_correlations_over_overlapping_anchors():
    s = matching_statistics(RECORDS)
    near = slice(0, 5)
    score, sa, fa = (RECORDS[k][near] for k in ('score', 'input_iou', 'output_iou_max'))
    assert s['pearson_score_input_iou'] == pytest.approx(hand_pearson(score, sa))
    assert s['pearson_score_output_iou'] == pytest.approx(hand_pearson(score, fa))
    # ranks by hand: score [5,4,3,1,2], sa [5,4,2,1,3], fa [5,1,4,3,2]
    assert s['spearman_score_input_iou'] == pytest.approx(
        hand_pearson([5, 4, 3, 1, 2], [5, 4, 2, 1, 3]))
    assert s['spearman_score_output_iou'] == pytest.approx(
        hand_pearson([5, 4, 3, 1, 2], [5, 1, 4, 3, 2]))


def test_spearman_ties_against_scipy():
    stats = pytest.importorskip('scipy.stats')
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, 200).astype(float)
    y = x + rng.integers(0, 3, 200)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic)
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y).statistic)
    assert math.isnan(pearson(np.ones(5), np.arange(5)))
