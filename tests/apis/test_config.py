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


def test_set_max_iters_keeps_quarterly_validation(tmp_path):
    cfg = load_config(f'{CONFIGS}/protocol/retinanet_maxiou.py', work_dir=str(tmp_path))
    assert (cfg.train_cfg.max_iters, cfg.train_cfg.val_interval) == (1200, 300)
    set_max_iters(cfg, 600)
    assert (cfg.train_cfg.max_iters, cfg.train_cfg.val_interval) == (600, 150)
    assert cfg.default_hooks.checkpoint.interval == 600
    assert [(s.begin, s.end) for s in cfg.param_scheduler] == [(0, 50), (50, 600)]


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


def test_classes_of_a_user_data_set(tmp_path):
    from mmrotate_dal.apis import dota_class_names, set_classes
    labels = tmp_path / 'train' / 'labelTxt'
    labels.mkdir(parents=True)
    (labels / 'a.txt').write_text('imagesource:GoogleEarth\ngsd:0.1\n'
                                  '1 1 9 1 9 9 1 9 plane 0\n2 2 8 2 8 8 2 8 harbor 1\n')
    (labels / 'b.txt').write_text('1 1 9 1 9 9 1 9 plane 0\n')
    assert dota_class_names(str(tmp_path)) == ('harbor', 'plane')
    cfg = load_config(f'{CONFIGS}/baselines/s2anet_le135_cpu_small.py')
    set_classes(cfg, ('harbor', 'plane'))
    assert cfg.model.bbox_head_init.num_classes == 2
    assert cfg.model.bbox_head_refine[0].num_classes == 2
    assert cfg.train_dataloader.dataset.metainfo == dict(classes=('harbor', 'plane'))
    (labels / 'a.txt').write_text('')
    (labels / 'b.txt').write_text('')
    with pytest.raises(ValueError, match='no labelled objects'):
        dota_class_names(str(tmp_path))
