"""PAA's per-GT two-component GMM fit and Fig. 3(c) separation, for all GTs at once."""
import math
from typing import Optional

import torch
from torch import Tensor

FALLBACKS = ('official', 'mmdet')
_EPS64 = torch.finfo(torch.float64).eps


@torch.no_grad()
def gmm_separation(scores: Tensor,
                   valid: Tensor,
                   fallback: str = 'official',
                   tol: float = 1e-3,
                   max_iter: int = 100,
                   reg_covar: float = 1e-6,
                   check_every: Optional[int] = None) -> Tensor:
    """Split each row of candidate scores into positives and negatives, as PAA does.

    Each row's valid scores get a 1-D two-component Gaussian mixture fitted exactly like
    scikit-learn's ``GaussianMixture(n_components=2, covariance_type='full', tol, max_iter,
    reg_covar, weights_init=[.5, .5], means_init=[[min], [max]], precisions_init=[[[1]], [[1]]])``:
    EM with per-row early stopping when the mean log-likelihood changes by less than ``tol`` (a
    converged row is frozen, as sklearn stops), centred variance updates, mixture weights
    ``N_k / sum(N_k)`` with ``N_k`` padded by ``10 * eps`` as sklearn does, and a final E-step. Then
    paper Fig. 3(c): with the candidates sorted by score, ``j*`` is the first candidate of the
    low-score (foreground) component at the highest mixture density; positives are the candidates
    up to ``j*``.

    Rows are processed together in float64 on the tensors' device: no Python loop over rows, and
    no host synchronisation except the "all rows converged?" check, made every ``check_every``
    iterations. Converged rows are frozen, so extra iterations before a check change nothing: the
    result does not depend on ``check_every``.

    Args:
        scores (Tensor): (G, K) candidate scores, lower is better (e.g. a loss).
        valid (Tensor): (G, K) bool mask of real candidates (rows may hold 0..K).
            Non-finite scores are treated as invalid (never positive).
        fallback (str): ``'official'`` (kkhoot/PAA): a row with a single candidate makes it
            positive, and a row whose fit has no foreground sample keeps all its candidates;
            positives are *all* candidates up to ``j*``. ``'mmdet'``: both cases give no positive,
            and positives are the foreground-labelled candidates up to ``j*``.
        tol (float): convergence threshold on the change of the mean log-likelihood.
        max_iter (int): maximum EM iterations.
        reg_covar (float): added to the variances.
        check_every (int, optional): EM iterations between convergence checks (each is a host
            sync on CUDA). Defaults to 1 on the CPU and 8 on other devices.

    Returns:
        Tensor: (G, K) bool positives, in the input order.
    """
    if fallback not in FALLBACKS:
        raise ValueError(f'fallback must be one of {FALLBACKS}, got {fallback!r}')
    if check_every is None:
        check_every = 1 if scores.device.type == 'cpu' else 8
    if not isinstance(check_every, int) or check_every < 1:
        raise ValueError(f'check_every must be a positive integer, got {check_every!r}')
    if scores.shape != valid.shape or scores.dim() != 2:
        raise ValueError(f'scores and valid must be (G, K) tensors of the same shape, got '
                         f'{tuple(scores.shape)} and {tuple(valid.shape)}')
    num_rows = scores.size(0)
    out = torch.zeros(scores.shape, dtype=torch.bool, device=scores.device)
    if scores.numel() == 0:
        return out

    x = scores.detach().double()
    valid = valid.bool() & torch.isfinite(x)
    order = torch.where(valid, x, torch.full_like(x, math.inf)).argsort(dim=1, stable=True)
    mask = valid.gather(1, order)
    x = torch.where(mask, x.gather(1, order), torch.zeros_like(x))  # never +-inf in arithmetic
    n = mask.sum(dim=1)
    n_f = n.clamp(min=1).double()

    inf = torch.full_like(x, math.inf)
    mean = torch.stack([torch.where(mask, x, inf).amin(1), torch.where(mask, x, -inf).amax(1)], 1)
    mean = torch.where(n[:, None] > 0, mean, torch.zeros_like(mean))
    var = torch.ones_like(mean)
    weight = torch.full_like(mean, 0.5)
    half_log_2pi = 0.5 * math.log(2 * math.pi)

    def log_joint(mean, var, weight):
        # per component k: (G, K) log weight_k + log N(x | mean_k, var_k)
        return [weight[:, k:k + 1].log() - half_log_2pi - 0.5 * var[:, k:k + 1].log()
                - 0.5 * (x - mean[:, k:k + 1])**2 / var[:, k:k + 1] for k in (0, 1)]

    def log_sum(a, b):  # logsumexp of two (G, K) tensors; torch.logsumexp is slow on a size-2 dim
        hi = torch.maximum(a, b)
        return hi + torch.log1p(torch.exp(-(a - b).abs()))

    maskf = mask.double()
    active = n >= 2  # sklearn needs n_samples >= n_components
    prev_bound = torch.full((num_rows, ), -math.inf, dtype=torch.float64, device=x.device)
    for it in range(max_iter):
        if it % check_every == 0 and not bool(active.any()):
            break
        j0, j1 = log_joint(mean, var, weight)
        norm = log_sum(j0, j1)
        bound = (norm * maskf).sum(1) / n_f
        resp = torch.stack([(j0 - norm).exp() * maskf, (j1 - norm).exp() * maskf], 1)  # G,2,K
        nk = resp.sum(2) + 10 * _EPS64
        new_mean = (resp * x[:, None, :]).sum(2) / nk
        new_var = (resp * (x[:, None, :] - new_mean[..., None])**2).sum(2) / nk + reg_covar
        new_weight = nk / nk.sum(1, keepdim=True)
        upd = active[:, None]
        mean = torch.where(upd, new_mean, mean)
        var = torch.where(upd, new_var, var)
        weight = torch.where(upd, new_weight, weight)
        active = active & ~((bound - prev_bound).abs() < tol)
        prev_bound = bound

    j0, j1 = log_joint(mean, var, weight)
    density = log_sum(j0, j1)
    foreground = mask & (j0 >= j1)  # argmax ties go to component 0, as numpy's
    has_fg = foreground.any(1)
    j_star = torch.where(foreground, density, -inf).argmax(1)  # first index of the max
    upto = torch.arange(x.size(1), device=x.device)[None, :] <= j_star[:, None]
    fitted = (n >= 2)[:, None]
    if fallback == 'official':
        # up to j*; all candidates when no sample is foreground; a lone candidate is positive
        pos = mask & ((fitted & (upto | ~has_fg[:, None])) | (n == 1)[:, None])
    else:
        pos = foreground & upto & fitted
    return out.scatter_(1, order, pos)
