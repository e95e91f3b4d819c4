import pytest

from mmrotate_dal.apis import load_config, set_max_iters
from tests.conftest import CONFIGS

SMALL = f'{CONFIGS}/baselines/rotated_retinanet_le90_cpu_small.py'


def test_set_max_iters_rescales_schedules_and_intervals(tmp_path):
    cfg = load_config(SMALL, work_dir=str(tmp_path))
    assert cfg.train_cfg.max_iters == 600
    set_max_iters(cfg, 120)
    assert cfg.train_cfg.max_iters == 120 and cfg.train_cfg.val_interval == 120
    warmup, cosine = cfg.param_scheduler
    assert (warmup.begin, warmup.end) == (0, 10)
    assert (cosine.begin, cosine.end) == (10, 120)
    assert cfg.default_hooks.checkpoint.interval == 120


def test_load_config_overrides(tmp_path):
    cfg = load_config(SMALL, data_root=str(tmp_path), iters=4, seed=3,
                      cfg_options={'train_dataloader.batch_size': 1})
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[key].dataset.data_root == str(tmp_path) + '/'
    assert cfg.train_cfg.max_iters == 4 and cfg.randomness.seed == 3
    assert cfg.train_dataloader.batch_size == 1
    assert cfg.work_dir.endswith('rotated_retinanet_le90_cpu_small')


def test_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='config file'):
        load_config(str(tmp_path / 'missing.py'))
    with pytest.raises(FileNotFoundError, match='data root'):
        load_config(SMALL, data_root=str(tmp_path / 'nope'))
    with pytest.raises(ValueError, match='iters'):
        load_config(SMALL, iters=0)
    with pytest.raises(ValueError, match='IterBasedTrainLoop'):
        load_config(f'{CONFIGS}/baselines/rotated_retinanet_le90_r50_fpn_1x_dota.py', iters=10)
