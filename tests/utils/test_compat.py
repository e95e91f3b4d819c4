"""Checkpoints save and resume under the installed torch (>= 2.6 defaults weights_only=True)."""
import importlib.util
import os.path as osp
import sys

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader

import mmrotate_dal  # noqa: F401
from tests.conftest import CONFIGS, REPO


def load_tool(name):
    """Load ``tools/<name>.py`` as a module, with ``tools/`` on ``sys.path`` as when it is run."""
    tools = osp.join(REPO, 'tools')
    if tools not in sys.path:
        sys.path.append(tools)
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_save_and_resume(synthetic_root, tmp_path):
    train = load_tool('train')
    config = osp.join(CONFIGS, 'baselines', 'rotated_retinanet_le90_cpu_small.py')
    common = [config, '--work-dir', str(tmp_path), '--data', synthetic_root, '--cfg-options',
              'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
              'train_dataloader.batch_size=2', 'val_dataloader.num_workers=0',
              'val_dataloader.persistent_workers=False', 'default_hooks.checkpoint.interval=1',
              'train_cfg.val_interval=100']
    runner = train.main(common + ['--iters', '2'])
    assert runner.iter == 2
    ckpt = osp.join(tmp_path, 'iter_2.pth')
    assert osp.isfile(ckpt)
    if tuple(int(v) for v in torch.__version__.split('.')[:2]) >= (2, 6):
        # what breaks plain mmengine on torch >= 2.6: full checkpoints are not weights-only
        with pytest.raises(Exception, match='[Ww]eights only'):
            torch.load(ckpt)
    state = CheckpointLoader.load_checkpoint(ckpt, map_location='cpu')
    assert state['meta']['iter'] == 2 and 'message_hub' in state and 'optimizer' in state

    # tools/test.py evaluates the checkpoint with the config's DOTAMetric
    metrics = load_tool('test').main([config, ckpt, '--data', synthetic_root, '--work-dir',
                                      str(tmp_path / 'test'), '--cfg-options',
                                      'test_dataloader.num_workers=0',
                                      'test_dataloader.persistent_workers=False'])
    assert {'dota/AP50', 'dota/AP75', 'dota/mAP'} <= set(metrics)

    resumed = train.main(common + ['--iters', '3', '--resume'])
    assert resumed.iter == 3
    log = open(sorted(
        __import__('glob').glob(osp.join(tmp_path, '*', '*.log')))[-1]).read()
    assert 'resumed epoch: 0, iter: 2' in log
