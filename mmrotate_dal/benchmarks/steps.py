"""Training-step time of configs, measured the same way for each (no validation, no checkpoint).

Used by ``tools/benchmark_steps.py`` (protocol arms side by side: what an assigner adds to a
step) and ``tools/benchmark_box_losses.py`` (what a box loss adds).
"""
import statistics
from typing import Dict, Optional


def step_times(config: str, work_dir: str, data_root: Optional[str] = None, iters: int = 30,
               warmup: int = 5, seed: int = 0, cfg_options: Optional[dict] = None,
               rotated_iou: str = 'robust') -> Dict:
    """Train ``config`` for ``iters`` iterations and time its steps.

    Args:
        config (str): config file.
        work_dir (str): scratch folder.
        data_root (str, optional): replaces the config's data root.
        iters (int): iterations (the schedule is rescaled to them).
        warmup (int): first iterations left out of the median (at most half of them).
        seed (int): random seed.
        cfg_options (dict, optional): config overrides.
        rotated_iou (str): ``RotatedIoULoss``'s IoU implementation (``'robust'``/``'upstream'``).

    Returns:
        dict: ``iters`` (timed), ``step_s`` (median seconds per step), ``assign_ms_per_image``.
    """
    import mmrotate_dal  # noqa: F401
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    from ..apis import load_config
    from ..engine import TrainingRecorderHook
    from ..models.losses import rotated_iou_impl_as
    options = {'train_dataloader.num_workers': 0, 'train_dataloader.persistent_workers': False}
    options.update(cfg_options or {})
    cfg = load_config(config, work_dir, data_root=data_root, iters=iters, seed=seed,
                      cfg_options=options)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.train_cfg.val_interval = iters + 1
    cfg.default_hooks.checkpoint = None
    cfg.log_level = 'WARNING'
    with DefaultScope.overwrite_default_scope('mmrotate'), rotated_iou_impl_as(rotated_iou):
        runner = Runner.from_cfg(cfg)
        recorder = TrainingRecorderHook(progress=False)
        runner.register_hook(recorder)
        runner.train()
    record = recorder.record
    steps = record['iter_seconds'][min(warmup, iters // 2):]
    return dict(iters=len(steps), step_s=statistics.median(steps),
                assign_ms_per_image=record['assign_ms_per_image'])
