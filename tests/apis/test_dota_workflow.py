"""The DOTA workflow on generated full-size scenes: split, merged evaluation, submission files."""
import glob
import os
import os.path as osp
import zipfile

import numpy as np
import pytest
import torch

from mmrotate.structures.bbox import qbox2rbox
from mmrotate_dal.apis.dota_split import check_sources, split_dota
from mmrotate_dal.datasets import (SYNTHETIC_CLASSES, make_synthetic_dota_fullsize,
                                   read_dota_labels)
from mmrotate_dal.evaluation import MergedDOTAMetric, merge_patch_predictions, patch_origin
from tests.utils.test_compat import load_tool

SPLIT = dict(sizes=[256], gaps=[128])  # CPU-friendly windows; every object fits in one


@pytest.fixture(scope='module')
def dota(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('dota_full'))
    counts = make_synthetic_dota_fullsize(root, dict(train=2, val=1, test=1), (480, 560), seed=3)
    out = osp.join(str(tmp_path_factory.mktemp('split')), 'split_ss')
    lines = []
    report = split_dota(root, out, 'ss', ('trainval', 'val', 'test'), nproc=1, log=lines.append,
                        **SPLIT)
    return root, out, counts, report, lines


def patch_annotations(subset_dir):
    """Per patch: its GT as the metric's ``ann`` and the same boxes as a perfect ``pred``."""
    results = []
    for path in sorted(glob.glob(osp.join(subset_dir, 'annfiles', '*.txt'))):
        labels = read_dota_labels(path)
        boxes = qbox2rbox(torch.as_tensor(labels.polys, dtype=torch.float32).reshape(-1, 8))
        boxes = boxes.numpy().reshape(-1, 5)
        cls = np.array([SYNTHETIC_CLASSES.index(n) for n in labels.names], dtype=np.int64)
        ann = dict(bboxes=boxes, labels=cls, bboxes_ignore=np.zeros((0, 5), np.float32),
                   labels_ignore=np.zeros(0, np.int64))
        pred = dict(img_id=osp.basename(path)[:-4], bboxes=boxes, scores=np.ones(len(boxes)),
                    labels=cls)
        pred['pred_bbox_scores'] = [np.hstack([boxes[cls == c], np.ones((int((cls == c).sum()), 1))])
                                    for c in range(len(SYNTHETIC_CLASSES))]
        results.append((ann, pred))
    return results


def test_generated_full_size_scenes_look_like_dota(dota):
    root, _, counts, _, _ = dota
    assert counts['train'] > 40 and counts['val'] > 20 and counts['test'] == 0
    labels = read_dota_labels(glob.glob(osp.join(root, 'val', 'labelTxt', '*.txt'))[0])
    assert labels.header == dict(imagesource='synthetic', gsd='0.5')
    assert not osp.exists(osp.join(root, 'test', 'labelTxt'))
    import mmcv
    img = mmcv.imread(glob.glob(osp.join(root, 'val', 'images', '*.png'))[0])
    assert 480 <= img.shape[0] == img.shape[1] <= 560
    sizes = np.sqrt(np.abs(qbox2rbox(torch.as_tensor(labels.polys).float())[:, 2:4].prod(1)))
    assert 10 < float(sizes.median()) < 25  # the 256 px set's object sizes, not scaled up


def test_split_writes_mmrotate_layout_and_reports_counts(dota):
    root, out, counts, report, lines = dota
    for subset in ('trainval', 'val', 'test'):
        assert osp.isdir(osp.join(out, subset, 'images'))
        assert osp.isdir(osp.join(out, subset, 'annfiles'))
        assert report[subset]['patches'] == len(os.listdir(osp.join(out, subset, 'images')))
    assert report['trainval']['images'] == 3 and report['test']['objects'] == 0
    # overlapping windows repeat objects: more patch objects than full-size objects
    assert report['val']['objects'] > counts['val']
    assert any('wrote' in line and 'patches' in line for line in lines)
    name = sorted(os.listdir(osp.join(out, 'val', 'images')))[0]
    assert patch_origin(name[:-4])[0] == 'P20000'  # splits are generated in sorted order


def test_split_refuses_existing_output_and_missing_input_and_reports_orphans(dota, tmp_path):
    root, out, *_ = dota
    with pytest.raises(FileExistsError, match='exists already'):
        split_dota(root, out, subsets=('val', ), **SPLIT)
    with pytest.raises(FileNotFoundError, match='DOTA root not found'):
        split_dota(str(tmp_path / 'nowhere'), str(tmp_path / 'o'))
    with pytest.raises(FileNotFoundError, match='no images for subset'):
        split_dota(str(tmp_path), str(tmp_path / 'o'), subsets=('val', ))
    with pytest.raises(ValueError, match='unknown preset'):
        split_dota(root, str(tmp_path / 'o'), preset='xl')
    labels = tmp_path / 'd' / 'val' / 'labelTxt'
    labels.mkdir(parents=True)
    (tmp_path / 'd' / 'val' / 'images').mkdir()
    (labels / 'lonely.txt').write_text('')
    found = check_sources(str(tmp_path / 'd'), ('val', ))
    assert found['val']['labels_without_images'] == ['lonely']
    tool = load_tool('split_dota')
    with pytest.raises(SystemExit, match='exists already'):
        tool.main([root, out, '--subsets', 'val', '--sizes', '256', '--gaps', '128'])


def test_a_detector_returning_each_patch_gt_scores_1_on_the_full_images(dota):
    root, out, counts, _, _ = dota
    results = patch_annotations(osp.join(out, 'val'))
    metric = MergedDOTAMetric(full_ann_dir=osp.join(root, 'val', 'labelTxt'), metric='mAP',
                              iou_thrs=[0.5, 0.75], eval_mode='area')
    metric.dataset_meta = dict(classes=SYNTHETIC_CLASSES)
    res = metric.compute_metrics(results)
    assert res['mAP'] == pytest.approx(1.0)  # per patch
    assert res['merged_AP50'] == pytest.approx(1.0) and res['merged_AP75'] == pytest.approx(1.0)
    assert res['merged_images'] == 1
    # objects cut by patch borders (or in overlaps) are in several patches, yet come out once
    merged = merge_patch_predictions([pred for _, pred in results])
    assert len(merged['P20000']['bboxes']) == counts['val']
    assert sum(len(p['bboxes']) for _, p in results) > counts['val']


def test_merged_metric_bad_input(dota, tmp_path):
    root, *_ = dota
    with pytest.raises(FileNotFoundError, match='full-size label folder'):
        MergedDOTAMetric(full_ann_dir=str(tmp_path / 'none'))
    with pytest.raises(ValueError, match='submission files'):
        MergedDOTAMetric(full_ann_dir=root, merge_patches=True, format_only=True,
                         outfile_prefix=str(tmp_path / 'x'))
    with pytest.raises(ValueError, match='not a patch name'):
        patch_origin('P0000')


def test_train_merged_eval_and_submission_with_the_tools(dota, tmp_path):
    """The user's path: a few iterations of the DOTA-scale config on the split patches, the
    merged evaluation on the val split, and the Task1 submission of the test split."""
    root, out, *_ = dota
    config = 'configs/dal/rotated_retinanet_dal_dota.py'
    small = ['train_cfg.max_epochs=1', 'train_dataloader.num_workers=0',
             'train_dataloader.persistent_workers=False', 'train_dataloader.batch_size=4',
             'train_dataloader.dataset.pipeline.3.scale=(256,256)',
             'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
             'test_dataloader.dataset.pipeline.1.scale=(256,256)',
             'test_pipeline.1.scale=(256,256)',
             'train_dataloader.dataset.ann_file=val/annfiles/',
             'train_dataloader.dataset.data_prefix.img_path=val/images/',
             'test_dataloader.dataset.ann_file=val/annfiles/',
             'test_dataloader.dataset.data_prefix.img_path=val/images/',
             'default_hooks.checkpoint.interval=1']
    work = str(tmp_path / 'work')
    load_tool('train').main([config, '--data', out, '--no-pretrained', '--work-dir', work,
                             '--cfg-options', *small, 'val_cfg=None', 'val_dataloader=None',
                             'val_evaluator=None'])
    ckpt = osp.join(work, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    test = load_tool('test')
    metrics = test.main([config, ckpt, '--data', out, '--work-dir', work, '--merged-eval',
                         osp.join(root, 'val', 'labelTxt'), '--no-progress',
                         '--cfg-options', *small])
    for key in ('dota/mAP', 'dota/merged_AP50', 'dota/merged_mAP'):
        assert 0 <= metrics[key] <= 1, key
    sub = str(tmp_path / 'submission')
    test.main([config, ckpt, '--data', out, '--work-dir', work, '--submission', sub,
               '--cfg-options', *small, 'model.test_cfg.score_thr=0.0',
               'model.test_cfg.max_per_img=20'])
    files = sorted(glob.glob(osp.join(sub, 'Task1', 'Task1_*.txt')))
    from mmrotate.datasets import DOTADataset
    dota_classes = DOTADataset.METAINFO['classes']  # the config's 15 classes
    assert sorted(osp.basename(f) for f in files) == sorted(f'Task1_{c}.txt' for c in dota_classes)
    with zipfile.ZipFile(osp.join(sub, 'Task1', 'Task1.zip')) as z:
        assert sorted(z.namelist()) == [osp.basename(f) for f in files]
    rows = [line.split() for f in files for line in open(f)]
    assert rows  # an untrained detector at score_thr 0 still detects something
    assert all(len(r) == 10 and r[0] == 'P00000' for r in rows)  # full image name, not patch
    with pytest.raises(FileExistsError, match='exists already'):
        test.submission_config(__import__('mmengine').Config(dict(
            test_dataloader=dict(dataset=dict()))), sub, 'test/images/')
