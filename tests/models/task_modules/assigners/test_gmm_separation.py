"""gmm_separation equals scikit-learn's GaussianMixture('full') + PAA's Fig. 3(c) rule."""
import warnings

import numpy as np
import pytest
import torch

from mmrotate_dal import gmm_separation

GaussianMixture = pytest.importorskip('sklearn.mixture').GaussianMixture  # test-only dependency


def sklearn_reference(row, fallback):
    """sklearn fit on the sorted candidates, then Fig. 3(c), mapped back to the input order."""
    order = np.argsort(row, kind='stable')
    v = row[order]
    n = len(v)
    if n == 0:
        return np.zeros(0, bool)
    if n == 1:
        return np.array([fallback == 'official'])
    gmm = GaussianMixture(2, weights_init=[0.5, 0.5], means_init=[[v.min()], [v.max()]],
                          precisions_init=[[[1.0]], [[1.0]]], covariance_type='full', tol=1e-3,
                          max_iter=100, reg_covar=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        gmm.fit(v[:, None])
    comp, density = gmm.predict(v[:, None]), gmm.score_samples(v[:, None])
    fg = comp == 0
    pos = np.zeros(n, bool)
    if fg.any():
        j = np.flatnonzero(fg)[np.argmax(density[fg])]
        pos = np.arange(n) <= j if fallback == 'official' else fg & (np.arange(n) <= j)
    elif fallback == 'official':
        pos[:] = True
    out = np.zeros(n, bool)
    out[order] = pos
    return out


def check(rows, fallback, width=45, seed=0, dtype=np.float64):
    """Pack variable-length rows into a (G, width) table at random columns and compare row by row
    with sklearn (fed the same values in float64)."""
    rng = np.random.default_rng(seed)
    scores = (rng.normal(size=(len(rows), width)) * 100).astype(dtype)  # garbage in invalid slots
    valid = np.zeros((len(rows), width), bool)
    for i, row in enumerate(rows):
        cols = rng.permutation(width)[:len(row)]
        scores[i, cols] = row
        valid[i, cols] = True
    got = gmm_separation(torch.from_numpy(scores), torch.from_numpy(valid), fallback).numpy()
    assert not got[~valid].any()
    mismatches = [
        i for i in range(len(rows)) if not np.array_equal(
            got[i, valid[i]], sklearn_reference(scores[i, valid[i]].astype(np.float64), fallback))
    ]
    return mismatches, got


def random_rows(count, seed):
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(count):
        n = int(rng.integers(0, 46))
        low = rng.normal(rng.uniform(0, 1), rng.uniform(0.02, 0.5), n)
        high = rng.normal(rng.uniform(1, 3), rng.uniform(0.05, 1), n)
        rows.append(np.where(rng.random(n) < rng.uniform(0.2, 0.8), low, high))
    return rows


@pytest.mark.parametrize('fallback', ['official', 'mmdet'])
def test_random_sets_equal_sklearn(fallback):
    rows = random_rows(1200, seed=1)
    mismatches, _ = check(rows, fallback)
    assert mismatches == []


def adversarial_rows():
    rng = np.random.default_rng(7)
    return [
        np.array([]), np.array([0.7]), np.array([0.3, 0.9]), np.array([0.5, 0.5]),
        np.full(45, 1.25),  # all equal
        np.full(10, 3.0) + np.array([0, 0, 0, 0, 0, 1e-9, 1e-9, 2e-9, 0, 0]),  # near ties
        np.round(rng.uniform(0, 2, 45), 1),  # many exact ties
        np.concatenate([rng.normal(0.2, 0.05, 44), [50.0]]),  # an outlier
        np.concatenate([rng.normal(0.2, 0.05, 2), rng.normal(1.5, 0.05, 43)]),
        rng.normal(1e4, 1e-3, 45),  # large offset, tiny spread
        rng.normal(-3.0, 1.0, 45),  # negative scores
        rng.normal(0.5, 0.2, 2),
        rng.normal(0.5, 0.2, 45),  # unimodal
        np.concatenate([np.zeros(20), np.ones(25)]),  # two exact clusters
    ]


@pytest.mark.parametrize('fallback', ['official', 'mmdet'])
def test_adversarial_sets_equal_sklearn(fallback):
    rows = adversarial_rows()
    mismatches, got = check(rows, fallback)
    assert mismatches == []
    assert np.isfinite(got).all()


def test_fallbacks():
    scores = torch.tensor([[0.4, 0.0, 0.0], [0.0, 0.0, 0.0]], dtype=torch.float64)
    valid = torch.tensor([[True, False, False], [False, False, False]])
    assert gmm_separation(scores, valid, 'official').tolist() == [[True, False, False],
                                                                   [False, False, False]]
    assert not gmm_separation(scores, valid, 'mmdet').any()


def test_non_finite_scores_are_never_positive_and_do_not_poison_the_row():
    rows = random_rows(50, seed=3)
    rows = [r for r in rows if len(r) >= 4][:20]
    width = 45
    scores = np.zeros((len(rows), width))
    valid = np.zeros((len(rows), width), bool)
    for i, r in enumerate(rows):
        scores[i, :len(r)] = r
        valid[i, :len(r)] = True
    clean = gmm_separation(torch.from_numpy(scores), torch.from_numpy(valid))
    dirty = scores.copy()
    for i, r in enumerate(rows):
        dirty[i, len(r) - 1] = np.nan if i % 2 else np.inf
    got = gmm_separation(torch.from_numpy(dirty), torch.from_numpy(valid))
    for i, r in enumerate(rows):
        assert not got[i, len(r) - 1]
        ref = sklearn_reference(scores[i, :len(r) - 1], 'official')
        assert np.array_equal(got[i, :len(r) - 1].numpy(), ref)
    assert clean.shape == got.shape


def test_float32_input_and_bad_arguments():
    rows = random_rows(300, seed=5)
    mismatches, _ = check(rows, 'official', dtype=np.float32)
    assert mismatches == []
    with pytest.raises(ValueError, match='fallback'):
        gmm_separation(torch.zeros(2, 3), torch.ones(2, 3, dtype=torch.bool), 'sklearn')
    with pytest.raises(ValueError, match='same shape'):
        gmm_separation(torch.zeros(2, 3), torch.ones(3, 2, dtype=torch.bool))
    assert gmm_separation(torch.zeros(0, 45), torch.zeros(0, 45, dtype=torch.bool)).shape == (0, 45)


def test_result_does_not_depend_on_the_convergence_check_interval():
    rows = random_rows(400, seed=7)
    width = 45
    scores = torch.zeros(len(rows), width, dtype=torch.float64)
    valid = torch.zeros(len(rows), width, dtype=torch.bool)
    for i, r in enumerate(rows):
        scores[i, :len(r)] = torch.from_numpy(r)
        valid[i, :len(r)] = True
    every_iteration = gmm_separation(scores, valid, 'official', check_every=1)
    assert every_iteration.any()
    for k in (2, 5, 8, 1000):
        assert torch.equal(gmm_separation(scores, valid, 'official', check_every=k),
                           every_iteration)
    with pytest.raises(ValueError, match='check_every'):
        gmm_separation(scores, valid, check_every=0)
