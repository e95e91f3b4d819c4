"""DOTA's own validation protocol: patch detections merged onto each full image, scored there."""
import os.path as osp
import re
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from mmrotate.evaluation.functional import eval_rbbox_map
from mmrotate.registry import METRICS
from mmrotate.structures.bbox import qbox2rbox
from mmrotate.utils.patch import merge_results_by_nms
from ..datasets.dota_labels import read_dota_labels
from .threaded_dota_metric import ThreadedDOTAMetric, _threads_instead_of_spawn

_PATCH_NAME = re.compile(r'^(?P<name>.+)__(?P<size>\d+)__(?P<x>\d+)___(?P<y>\d+)$')


def patch_origin(img_id: str) -> Tuple[str, int, int]:
    """Full image name and top-left offset of a patch named by MMRotate's ``img_split.py``
    (``<image>__<window size>__<x>___<y>``).

    Raises:
        ValueError: a name that is not a patch name.
    """
    match = _PATCH_NAME.match(img_id)
    if match is None:
        raise ValueError(f'{img_id!r} is not a patch name (<image>__<size>__<x>___<y>, as '
                         "MMRotate's img_split.py writes them): merged evaluation needs split data")
    return match['name'], int(match['x']), int(match['y'])


def merge_patch_predictions(results: Sequence[dict], iou_thr: float = 0.1) -> Dict[str, Dict]:
    """Translate every patch's rotated detections onto its full image and merge them there with
    class-wise rotated NMS (``mmrotate.utils.patch.merge_results_by_nms``, as MMRotate's
    huge-image inference does).

    Args:
        results (Sequence[dict]): per patch, ``img_id``, ``bboxes`` (n, 5), ``scores`` (n,) and
            ``labels`` (n,) (numpy arrays, as ``DOTAMetric.process`` stores them).
        iou_thr (float): NMS IoU threshold of the merge. Defaults to 0.1 (DOTAMetric's).

    Returns:
        dict: full image name -> ``bboxes`` (m, 5), ``scores`` (m,), ``labels`` (m,) numpy
        arrays; every image that has a patch is present, with or without detections.
    """
    by_image: Dict[str, Tuple[list, list]] = {}
    for res in results:
        name, x, y = patch_origin(res['img_id'])
        sample = DetDataSample()
        sample.pred_instances = InstanceData(  # copies: the merge translates boxes in place
            bboxes=torch.tensor(np.asarray(res['bboxes'], np.float32)).reshape(-1, 5),
            scores=torch.as_tensor(np.asarray(res['scores'], np.float32)).reshape(-1),
            labels=torch.as_tensor(np.asarray(res['labels'], np.int64)).reshape(-1))
        samples, offsets = by_image.setdefault(name, ([], []))
        samples.append(sample)
        offsets.append((x, y))
    merged = {}
    nms_cfg = dict(type='nms_rotated', iou_threshold=iou_thr)
    for name, (samples, offsets) in by_image.items():
        if sum(len(s.pred_instances) for s in samples) == 0:
            merged[name] = dict(bboxes=np.zeros((0, 5), np.float32),
                                scores=np.zeros(0, np.float32), labels=np.zeros(0, np.int64))
            continue
        kept = [(s, o) for s, o in zip(samples, offsets) if len(s.pred_instances)]
        offs = np.array([o for _, o in kept], dtype=np.int64)
        pred = merge_results_by_nms([s for s, _ in kept], offs, (0, 0), nms_cfg).pred_instances
        merged[name] = dict(bboxes=pred.bboxes.numpy(), scores=pred.scores.numpy(),
                            labels=pred.labels.numpy())
    return merged


def full_image_annotations(ann_dir: str, names: Sequence[str], classes: Sequence[str],
                           diff_thr: int = 100) -> List[dict]:
    """Ground truth of full images from DOTA label files, as ``eval_rbbox_map`` takes it.

    Args:
        ann_dir (str): folder of full-size ``<image>.txt`` label files (headers allowed).
        names (Sequence[str]): image names, in the order of the detections.
        classes (Sequence[str]): class names (index = label).
        diff_thr (int): objects with a larger difficulty are ignored, as in ``DOTADataset``.

    Returns:
        list[dict]: ``bboxes`` (n, 5), ``labels``, ``bboxes_ignore`` (k, 5), ``labels_ignore``.
    """
    index = {c: i for i, c in enumerate(classes)}
    anns = []
    for name in names:
        path = osp.join(ann_dir, name + '.txt')
        if not osp.isfile(path):
            raise FileNotFoundError(f'no full-size label file for image {name!r}: {path}')
        labels = read_dota_labels(path)
        unknown = sorted(set(labels.names) - set(index))
        if unknown:
            raise ValueError(f'{path}: classes {unknown} are not among the dataset classes '
                             f'{list(classes)}')
        boxes = qbox2rbox(torch.as_tensor(labels.polys, dtype=torch.float32).reshape(-1, 8))
        cls = np.array([index[n] for n in labels.names], dtype=np.int64)
        ignore = np.asarray(labels.difficulties) > diff_thr
        boxes = boxes.numpy().reshape(-1, 5)
        anns.append(dict(bboxes=boxes[~ignore], labels=cls[~ignore], bboxes_ignore=boxes[ignore],
                         labels_ignore=cls[ignore]))
    return anns


@METRICS.register_module()
class MergedDOTAMetric(ThreadedDOTAMetric):
    """``DOTAMetric`` on the patches, plus DOTA's own validation protocol: every patch's
    detections merged onto its full image (rotated NMS) and scored against the full-size label
    files.

    Besides the per-patch keys, the result has ``merged_AP50``, ``merged_AP75`` and
    ``merged_mAP`` (mean over the metric's IoU thresholds, as ``mAP``), with the same AP mode
    (``eval_mode``) as the patches.

    Args:
        full_ann_dir (str): the full-size ``labelTxt`` folder of the split the patches come from.
        diff_thr (int): full-size objects with a larger difficulty are ignored. Defaults to 100.
        **kwargs: ``DOTAMetric`` arguments; ``iou_thr`` is the merge's NMS threshold (0.1).
    """

    def __init__(self, full_ann_dir: str, diff_thr: int = 100, **kwargs) -> None:
        if kwargs.get('merge_patches') or kwargs.get('format_only'):
            raise ValueError('MergedDOTAMetric evaluates; for submission files use DOTAMetric '
                             'with format_only=True, merge_patches=True')
        if not osp.isdir(full_ann_dir):
            raise FileNotFoundError(f'full-size label folder not found: {full_ann_dir}')
        super().__init__(**kwargs)
        self.full_ann_dir = full_ann_dir
        self.diff_thr = diff_thr

    def compute_metrics(self, results: list) -> dict:
        eval_results = super().compute_metrics(results)
        merged = merge_patch_predictions([pred for _, pred in results], self.iou_thr)
        names = sorted(merged)
        classes = self.dataset_meta['classes']
        anns = full_image_annotations(self.full_ann_dir, names, classes, self.diff_thr)
        dets = [[np.hstack([merged[n]['bboxes'][merged[n]['labels'] == c],
                            merged[n]['scores'][merged[n]['labels'] == c][:, None]])
                 for c in range(len(classes))] for n in names]
        aps = {}
        with _threads_instead_of_spawn():
            for thr in self.iou_thrs:
                mean_ap, _ = eval_rbbox_map(dets, anns, scale_ranges=None, iou_thr=thr,
                                            use_07_metric=self.use_07_metric, box_type='rbox',
                                            dataset=classes, logger='silent', nproc=4)
                aps[round(thr * 100)] = float(mean_ap)
        for key in (50, 75):
            if key in aps:
                eval_results[f'merged_AP{key}'] = round(aps[key], 4)
        eval_results['merged_mAP'] = round(sum(aps.values()) / len(aps), 4)
        eval_results['merged_images'] = len(names)
        return eval_results
