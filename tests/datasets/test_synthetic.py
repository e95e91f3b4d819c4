import filecmp
import glob
import os.path as osp

import numpy as np
import pytest

from mmrotate.datasets import DOTADataset
from mmrotate_dal.datasets import SYNTHETIC_CLASSES, make_synthetic_dota


def _lines(folder):
    return [line.split() for f in sorted(glob.glob(osp.join(folder, '*.txt')))
            for line in open(f)]


def test_loads_through_dota_dataset(tmp_path):
    counts = make_synthetic_dota(str(tmp_path), num_train=6, num_val=3, img_size=256, seed=3)
    for split, num_imgs in (('train', 6), ('val', 3)):
        ds = DOTADataset(
            data_root=str(tmp_path),
            ann_file=f'{split}/labelTxt/',
            data_prefix=dict(img_path=f'{split}/images/'),
            metainfo=dict(classes=SYNTHETIC_CLASSES),
            pipeline=[])
        assert len(ds) == num_imgs
        instances = [inst for i in range(len(ds)) for inst in ds.get_data_info(i)['instances']]
        lines = _lines(osp.join(tmp_path, split, 'labelTxt'))
        assert len(instances) == len(lines) == counts[split]
        assert all(len(inst['bbox']) == 8 for inst in instances)
        labels = {inst['bbox_label'] for inst in instances}
        assert labels <= set(range(len(SYNTHETIC_CLASSES))) and len(labels) >= 3
        for i in range(len(ds)):
            assert osp.isfile(ds.get_data_info(i)['img_path'])


def test_scene_properties(tmp_path):
    make_synthetic_dota(str(tmp_path), num_train=20, num_val=0, img_size=256, seed=1,
                        min_objects=10, max_objects=40)
    lines = _lines(osp.join(tmp_path, 'train', 'labelTxt'))
    per_image = [len(open(f).readlines())
                 for f in glob.glob(osp.join(tmp_path, 'train', 'labelTxt', '*.txt'))]
    assert max(per_image) >= 20  # crowded scenes
    polys = np.array([[float(v) for v in line[:8]] for line in lines]).reshape(-1, 4, 2)
    sides = np.linalg.norm(polys - np.roll(polys, 1, axis=1), axis=2)
    ratio = sides.max(1) / sides.min(1)
    assert ratio.max() > 5.5 and ratio.min() < 2.5  # bridges up to ~1:8, squat vehicles
    angles = np.arctan2(*(polys[:, 1] - polys[:, 0]).T[::-1])
    assert np.ptp(angles) > 2.5  # arbitrary orientations
    assert (polys >= 0).all() and (polys <= 255).all()
    assert {line[8] for line in lines} == set(SYNTHETIC_CLASSES)
    assert {line[9] for line in lines} == {'0'}


def test_deterministic(tmp_path):
    make_synthetic_dota(str(tmp_path / 'a'), num_train=3, num_val=1, seed=5)
    make_synthetic_dota(str(tmp_path / 'b'), num_train=3, num_val=1, seed=5)
    make_synthetic_dota(str(tmp_path / 'c'), num_train=3, num_val=1, seed=6)
    files = [osp.relpath(f, tmp_path / 'a')
             for f in glob.glob(str(tmp_path / 'a' / '*' / '*' / '*'))]
    assert len(files) == 8
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / 'a', tmp_path / 'b', files, shallow=False)
    assert len(match) == 8 and not mismatch and not errors
    _, mismatch, _ = filecmp.cmpfiles(tmp_path / 'a', tmp_path / 'c', files, shallow=False)
    assert len(mismatch) == 8


def _sqrt_areas(root):
    polys = np.array([[float(v) for v in line[:8]]
                      for line in _lines(osp.join(root, 'train', 'labelTxt'))]).reshape(-1, 4, 2)
    x, y = polys[..., 0], polys[..., 1]  # shoelace area of each quadrilateral
    area = 0.5 * np.abs((x * np.roll(y, -1, 1) - np.roll(x, -1, 1) * y).sum(1))
    return np.sqrt(area)


def test_object_scale_option(tmp_path):
    make_synthetic_dota(str(tmp_path / 'a'), num_train=30, num_val=0, seed=2)
    make_synthetic_dota(str(tmp_path / 'b'), num_train=30, num_val=0, seed=2, object_scale=1.5)
    base, big = np.median(_sqrt_areas(tmp_path / 'a')), np.median(_sqrt_areas(tmp_path / 'b'))
    assert 12 < base < 22  # the documented ~16 px median at 256 px
    assert big / base == pytest.approx(1.5, rel=0.15)


@pytest.mark.parametrize('kwargs', [dict(img_size=32), dict(min_objects=5, max_objects=2),
                                    dict(num_train=-1), dict(object_scale=0),
                                    dict(object_scale=float('nan'))])
def test_bad_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError):
        make_synthetic_dota(str(tmp_path), **kwargs)


def test_empty_and_missing_label_files(tmp_path):
    make_synthetic_dota(str(tmp_path), num_train=3, num_val=0, seed=2)
    open(tmp_path / 'train' / 'labelTxt' / 'train_00001.txt', 'w').close()  # emptied
    common = dict(data_root=str(tmp_path), ann_file='train/labelTxt/',
                  data_prefix=dict(img_path='train/images/'),
                  metainfo=dict(classes=SYNTHETIC_CLASSES), pipeline=[])
    train = DOTADataset(filter_cfg=dict(filter_empty_gt=True), **common)
    assert len(train) == 2  # the image without objects is skipped for training
    test = DOTADataset(test_mode=True, **common)
    counts = sorted(len(test.get_data_info(i)['instances']) for i in range(len(test)))
    assert len(test) == 3 and counts[0] == 0  # and kept, with no GT, for evaluation
    with pytest.raises(ValueError, match='no txt file'):
        DOTADataset(data_root=str(tmp_path), ann_file='val/labelTxt/',
                    data_prefix=dict(img_path='val/images/'),
                    metainfo=dict(classes=SYNTHETIC_CLASSES), pipeline=[])


def test_benchmark_tool_rejects_a_root_without_labels(tmp_path):
    from tests.utils.test_compat import load_tool
    (tmp_path / 'train' / 'images').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='labelTxt'):
        load_tool('benchmark').main(['--data', str(tmp_path), '--iters', '1'])
