"""Reductions over sparse (row, col, value) pair lists, with dense ``argmax`` tie semantics."""
from typing import Tuple

import torch
from torch import Tensor


def segment_max(values: Tensor, segments: Tensor, num_segments: int,
                other: Tensor) -> Tuple[Tensor, Tensor]:
    """Per-segment maximum of non-negative values and the smallest ``other`` index attaining it.

    Equivalent to ``dense.max(dim)`` on the dense matrix the pairs come from, where every missing
    entry is 0 and ties resolve to the first index, as ``torch.argmax`` does.

    Args:
        values (Tensor): (k,) non-negative values of the pairs.
        segments (Tensor): (k,) long, the index being reduced into (e.g. the anchor of each pair).
        num_segments (int): number of segments.
        other (Tensor): (k,) long, the index reported as argmax (e.g. the GT of each pair).

    Returns:
        tuple[Tensor, Tensor]: max (num_segments,) with 0 for segments without pairs, and argmax
        (num_segments,) long, -1 where the maximum is 0 (the dense argmax is then the first
        column, which callers decide about).
    """
    seg_max = values.new_zeros(num_segments).scatter_reduce_(
        0, segments, values, reduce='amax', include_self=True)
    at_max = (values == seg_max[segments]) & (values > 0)
    big = torch.iinfo(torch.long).max
    arg = torch.full((num_segments, ), big, dtype=torch.long, device=values.device)
    arg.scatter_reduce_(0, segments[at_max], other[at_max], reduce='amin', include_self=True)
    arg[arg == big] = -1
    return seg_max, arg


def pair_lookup(rows: Tensor, cols: Tensor, num_cols: int, query_rows: Tensor,
                query_cols: Tensor) -> Tensor:
    """Position of each (query_row, query_col) in a pair list sorted by ``row * num_cols + col``.

    Args:
        rows, cols (Tensor): (k,) the sorted pair list.
        num_cols (int): number of columns of the dense matrix.
        query_rows, query_cols (Tensor): (q,) pairs to find.

    Returns:
        Tensor: (q,) long positions, -1 for pairs not in the list.
    """
    q = query_rows * num_cols + query_cols
    if rows.numel() == 0:
        return torch.full_like(q, -1)
    keys = rows * num_cols + cols
    pos = torch.searchsorted(keys, q).clamp_(max=keys.numel() - 1)
    return torch.where(keys[pos] == q, pos, torch.full_like(pos, -1))


def rank_within_groups(values: Tensor, groups: Tensor) -> Tensor:
    """Rank of each element among the elements of its group, by ascending value.

    Ties keep the input order (stable sorts), so the result is deterministic on every device.

    Args:
        values (Tensor): (k,) values.
        groups (Tensor): (k,) long group ids.

    Returns:
        Tensor: (k,) long ranks starting at 0 in every group.
    """
    order = values.argsort(stable=True)
    order = order[groups[order].argsort(stable=True)]  # group-major, value-minor
    sorted_groups = groups[order]
    start = torch.searchsorted(sorted_groups, sorted_groups)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.numel(), device=order.device) - start
    return rank
