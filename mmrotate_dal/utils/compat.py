"""Compatibility fixes the plugin owns, applied on ``import mmrotate_dal``.

torch >= 2.6 defaults ``torch.load(weights_only=True)``. mmengine 0.10.x loads its own full
checkpoints (``meta``, ``message_hub`` with numpy arrays and ``HistoryBuffer`` objects, optimizer
state) with a bare ``torch.load``, so ``--resume`` and ``load_from`` fail with
"Weights only load failed" (open-mmlab/mmengine#1655). We re-register mmengine's local-file
checkpoint loader so that it passes ``weights_only=False``: the pre-2.6 behaviour, for checkpoints
the user chose to load. Nothing is changed on disk and no environment variable is needed.
"""
import inspect

import torch
from mmengine.runner.checkpoint import CheckpointLoader


def _torch_load_full(filename, map_location=None):
    if 'weights_only' in inspect.signature(torch.load).parameters:
        return torch.load(filename, map_location=map_location, weights_only=False)
    return torch.load(filename, map_location=map_location)  # pragma: no cover (torch < 1.13)


def _load_from_local(filename, map_location=None):
    """Load a local checkpoint with full unpickling (mmengine's loader, weights_only=False)."""
    import os.path as osp
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return _torch_load_full(filename, map_location)


def patch_checkpoint_loading() -> None:
    """Make mmengine's local checkpoint loader work under torch >= 2.6 (idempotent)."""
    CheckpointLoader.register_scheme(prefixes='', force=True)(_load_from_local)
