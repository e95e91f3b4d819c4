"""Full-size DOTA label files (imagesource:/gsd: headers) through every reader in the package."""
import glob
import os.path as osp
import shutil

import numpy as np
import pytest

from mmrotate.datasets import DOTADataset
from mmrotate_dal.datasets import (SYNTHETIC_CLASSES, DOTALabelDataset, make_synthetic_dota,
                                   read_dota_labels)

FULL_SIZE = ('imagesource:GoogleEarth\n'
             'gsd:0.146343590398\n'
             '2753 2408 2861 2385 2888 2468 2805 2502 plane 0\n'
             '\n'
             '3445.0 3391.0 3484.0 3409.0 3478.0 3422.0 3437.0 3402.0 large-vehicle 1\n'
             '10 10 20 10 20 30 10 30 ship\n')


def test_reader_skips_headers_and_reads_values(tmp_path):
    path = tmp_path / 'P0001.txt'
    path.write_text(FULL_SIZE)
    labels = read_dota_labels(str(path))
    assert labels.names == ['plane', 'large-vehicle', 'ship']
    np.testing.assert_array_equal(labels.difficulties, [0, 1, 0])  # missing field -> 0
    np.testing.assert_allclose(labels.polys[0], [2753, 2408, 2861, 2385, 2888, 2468, 2805, 2502])
    np.testing.assert_allclose(labels.polys[2], [10, 10, 20, 10, 20, 30, 10, 30])
    assert labels.polys.dtype == np.float64 and labels.polys.shape == (3, 8)
    assert labels.header == {'imagesource': 'GoogleEarth', 'gsd': '0.146343590398'}
    (tmp_path / 'empty.txt').write_text('imagesource:GoogleEarth\ngsd:null\n')
    empty = read_dota_labels(str(tmp_path / 'empty.txt'))
    assert empty.polys.shape == (0, 8) and empty.names == [] and empty.difficulties.shape == (0,)


@pytest.mark.parametrize('line,match', [
    ('1 2 3 4 5 6 7 plane', '9 or 10 fields'),
    ('1 2 3 4 5 6 7 8 plane 0 extra', '9 or 10 fields'),
    ('1 2 3 4 x 6 7 8 plane 0', 'must be numbers'),
    ('1 2 3 4 nan 6 7 8 plane 0', 'non-finite'),
    ('1 2 3 4 5 6 7 8 plane hard', 'difficulty must be an integer'),
    ('source:GoogleEarth', '9 or 10 fields'),  # not a known header key
])
def test_reader_names_file_and_line_of_a_bad_line(tmp_path, line, match):
    path = tmp_path / 'bad.txt'
    path.write_text(f'imagesource:GoogleEarth\n1 1 9 1 9 9 1 9 plane 0\n{line}\n')
    with pytest.raises(ValueError, match=match) as err:
        read_dota_labels(str(path))
    assert f'{path}:3' in str(err.value)


def _dataset(cls, root, split='train', **kwargs):
    return cls(data_root=str(root), ann_file=f'{split}/labelTxt/',
               data_prefix=dict(img_path=f'{split}/images/'),
               metainfo=dict(classes=SYNTHETIC_CLASSES), pipeline=[], **kwargs)


def _by_id(ds):
    return {ds.get_data_info(i)['img_id']: ds.get_data_info(i) for i in range(len(ds))}


def test_dataset_equals_upstream_and_reads_full_size_files(tmp_path):
    make_synthetic_dota(str(tmp_path / 'plain'), num_train=4, num_val=0, seed=5)
    ours, upstream = (_by_id(_dataset(c, tmp_path / 'plain')) for c in (DOTALabelDataset,
                                                                          DOTADataset))
    assert ours.keys() == upstream.keys() and len(ours) == 4
    for img_id, info in ours.items():
        ref = upstream[img_id]
        assert (info['file_name'], info['img_path']) == (ref['file_name'], ref['img_path'])
        assert info['instances'] == ref['instances'] and len(info['instances']) > 0

    # the same files with full-size DOTA headers: upstream fails, this dataset reads the same data
    shutil.copytree(tmp_path / 'plain', tmp_path / 'full')
    for path in glob.glob(str(tmp_path / 'full' / 'train' / 'labelTxt' / '*.txt')):
        text = open(path).read()
        open(path, 'w').write('imagesource:GoogleEarth\ngsd:0.13\n' + text)
    with pytest.raises(ValueError, match='could not convert'):  # upstream's bare float()
        _dataset(DOTADataset, tmp_path / 'full')
    full = _by_id(_dataset(DOTALabelDataset, tmp_path / 'full'))
    assert [v['instances'] for v in full.values()] == [v['instances'] for v in ours.values()]


def test_dataset_difficulty_and_unknown_class(tmp_path):
    labels = tmp_path / 'train' / 'labelTxt'
    labels.mkdir(parents=True)
    (tmp_path / 'train' / 'images').mkdir()
    (labels / 'a.txt').write_text('imagesource:GoogleEarth\ngsd:0.1\n'
                                  '1 1 9 1 9 9 1 9 ship 0\n2 2 8 2 8 8 2 8 bridge 2\n')
    ds = _dataset(DOTALabelDataset, tmp_path, diff_thr=1)
    insts = ds.get_data_info(0)['instances']
    assert [i['ignore_flag'] for i in insts] == [0, 1]
    assert [i['bbox_label'] for i in insts] == [SYNTHETIC_CLASSES.index('ship'),
                                                SYNTHETIC_CLASSES.index('bridge')]
    (labels / 'a.txt').write_text('1 1 9 1 9 9 1 9 plane 0\n')
    with pytest.raises(ValueError, match=r"a\.txt: class\(es\) \['plane'\] are not in"):
        _dataset(DOTALabelDataset, tmp_path)


def test_tools_read_full_size_files(tmp_path):
    """Class discovery for --data, the config switch and the anchor pre-check on headed files."""
    from mmrotate_dal.apis import dota_class_names, load_config
    from tests.utils.test_compat import load_tool
    check = load_tool('check_anchors').check
    make_synthetic_dota(str(tmp_path), num_train=2, num_val=2, seed=2)
    for path in glob.glob(str(tmp_path / '*' / 'labelTxt' / '*.txt')):
        text = open(path).read()
        open(path, 'w').write('imagesource:GoogleEarth\ngsd:0.13\n' + text)
    assert set(dota_class_names(str(tmp_path))) <= set(SYNTHETIC_CLASSES)
    config = 'configs/protocol/retinanet_dal.py'
    cfg = load_config(config, data_root=str(tmp_path))
    assert cfg.train_dataloader.dataset.type == 'DOTALabelDataset'
    stats = check(config, data=str(tmp_path), split='val', max_images=2)
    assert stats['summary']['all']['gts'] == sum(
        len(read_dota_labels(p).names)
        for p in glob.glob(str(tmp_path / 'val' / 'labelTxt' / '*.txt')))
