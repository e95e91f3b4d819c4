"""An interrupted DAL run resumes at the same iteration with the same alpha; seeds reproduce."""
import pytest
import torch
from mmengine.hooks import Hook

from mmrotate.registry import HOOKS
from tests.conftest import CONFIGS
from tests.utils.test_compat import load_tool

DAL_SMALL = f'{CONFIGS}/dal/rotated_retinanet_dal_cpu_small.py'


class Interrupted(Exception):
    pass


@HOOKS.register_module(force=True)
class AlphaProbeHook(Hook):
    """Records (iteration, DAL alpha, loss) and can stop training after a given iteration."""

    priority = 'LOW'  # after RuntimeInfoHook has published the iteration
    instances = []

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.alphas, self.losses = {}, {}
        AlphaProbeHook.instances.append(self)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        head = (runner.model.module if hasattr(runner.model, 'module') else runner.model).bbox_head
        self.alphas[runner.iter] = head.assigner.current_alpha()

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses[runner.iter] = float(outputs['loss'])
        if self.stop_after is not None and runner.iter + 1 >= self.stop_after:
            raise Interrupted


def train(work_dir, data, stop_after=None, resume=False):
    tool = load_tool('train')
    work_dir.mkdir(parents=True, exist_ok=True)
    config = work_dir / 'probe_config.py'
    config.write_text(
        f"_base_ = '{DAL_SMALL}'\n"
        f"custom_hooks = [dict(type='AlphaProbeHook', stop_after={stop_after})]\n"
        "model = dict(train_cfg=dict(assigner=dict(alpha_schedule=(0.0, 1.0))))\n")
    args = [str(config), '--work-dir', str(work_dir), '--data', data, '--iters', '6', '--seed',
            '0', '--cfg-options', 'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False', 'train_dataloader.batch_size=2',
            'default_hooks.checkpoint.interval=3', 'train_cfg.val_interval=1000',
            'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False']
    if resume:
        args.append('--resume')
    AlphaProbeHook.instances.clear()
    try:
        tool.main(args)
    except Interrupted:
        pass
    return AlphaProbeHook.instances[-1]


def test_interrupted_run_resumes_with_the_same_alpha(synthetic_root, tmp_path):
    full = train(tmp_path / 'full', synthetic_root)
    assert sorted(full.alphas) == list(range(6))
    assert full.alphas[0] == pytest.approx(1.0) and full.alphas[3] == pytest.approx(1 - 0.7 * 0.5)
    first = train(tmp_path / 'cut', synthetic_root, stop_after=5)
    assert sorted(first.losses) == [0, 1, 2, 3, 4]  # stopped mid-run; last checkpoint: iter 3
    resumed = train(tmp_path / 'cut', synthetic_root, resume=True)
    assert sorted(resumed.alphas) == [3, 4, 5]  # continues from iter_3.pth
    for it in (3, 4, 5):
        assert resumed.alphas[it] == full.alphas[it]


def test_same_seed_same_assignments_and_losses(synthetic_root, tmp_path):
    a = train(tmp_path / 'a', synthetic_root, stop_after=3)
    b = train(tmp_path / 'b', synthetic_root, stop_after=3)
    assert a.losses == b.losses and len(a.losses) == 3
    assert a.alphas == b.alphas
