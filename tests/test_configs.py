"""Every config under configs/ loads and builds its model; CPU-small configs train and predict."""
import glob
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmrotate_dal  # noqa: F401
from mmrotate.registry import MODELS
from mmdet.structures.bbox import get_box_tensor
from tests.conftest import CONFIGS

ALL_CONFIGS = sorted(p for p in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
                     if '_base_' not in p)
CPU_SMALL = [p for p in ALL_CONFIGS
             if p.endswith('_cpu_small.py') or osp.basename(osp.dirname(p)) == 'protocol']


def _name(path):
    return osp.relpath(path, CONFIGS)


def test_config_inventory():
    names = {_name(p) for p in ALL_CONFIGS}
    for required in ('baselines/rotated_retinanet_le90_r50_fpn_1x_dota.py',
                     'baselines/s2anet_le135_r50_fpn_1x_dota.py',
                     'baselines/rotated_atss_le90_r50_fpn_1x_dota.py',
                     'baselines/rotated_retinanet_le90_cpu_small.py',
                     'baselines/s2anet_le135_cpu_small.py',
                     'baselines/rotated_atss_le90_cpu_small.py',
                     'dal/rotated_retinanet_dal_dota.py', 'dal/s2anet_dal_dota.py',
                     'dal/rotated_atss_dal_dota.py', 'dal/rotated_retinanet_dal_hrsc.py',
                     'dal/rotated_retinanet_dal_cpu_small.py', 'dal/s2anet_dal_cpu_small.py',
                     'dal/rotated_atss_dal_cpu_small.py', 'paa/rotated_retinanet_paa_dota.py',
                     'paa/rotated_retinanet_paa_atss_dota.py',
                     'paa/rotated_retinanet_paa_cpu_small.py',
                     'paa/rotated_retinanet_paa_atss_cpu_small.py'):
        assert required in names


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=_name)
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports['imports'] == ['mmrotate_dal']
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


def _runner_cfg(path, data_root, tmp_path):
    from mmrotate_dal.apis import load_config
    cfg = load_config(path, work_dir=str(tmp_path), data_root=data_root, iters=1)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].num_workers = 0
        cfg[key].persistent_workers = False
        cfg[key].batch_size = 2
    return cfg


@pytest.mark.parametrize('path', CPU_SMALL, ids=_name)
def test_cpu_small_trains_one_iteration_and_predicts(path, synthetic_root, tmp_path):
    cfg = _runner_cfg(path, synthetic_root, tmp_path)
    cfg.model.test_cfg.score_thr = 0.0  # an untrained model still returns boxes
    model = MODELS.build(cfg.model)
    model.init_weights()
    loader = Runner.build_dataloader(cfg.train_dataloader)
    batch = next(iter(loader))
    model.train()
    data = model.data_preprocessor(batch, True)
    losses = model(**data, mode='loss')
    loss, log_vars = model.parse_losses(losses)
    assert math.isfinite(loss.item()) and loss.item() > 0, log_vars
    assert all(math.isfinite(float(v)) for v in log_vars.values()), log_vars
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert len(grads) > 10
    assert all(torch.isfinite(g).all() for g in grads)
    assert sum(g.abs().sum() for g in grads) > 0

    model.eval()
    val_batch = next(iter(Runner.build_dataloader(cfg.val_dataloader)))
    with torch.no_grad():
        results = model.test_step(val_batch)
    assert len(results) == len(val_batch['inputs'])
    for res in results:
        boxes = get_box_tensor(res.pred_instances.bboxes)  # (n, 5) rotated boxes
        assert boxes.dim() == 2 and boxes.size(-1) == 5 and torch.isfinite(boxes).all()
        assert 0 < len(boxes) == len(res.pred_instances.scores) <= cfg.model.test_cfg.max_per_img
