import pytest
import torch

from mmrotate.evaluation import DOTAMetric
from mmrotate_dal.evaluation import ThreadedDOTAMetric
from tests.helpers import random_rboxes

CLASSES = ('a', 'b', 'c')


def _samples(seed):
    g = torch.Generator().manual_seed(seed)
    samples = []
    for img in range(6):
        gts = random_rboxes(12, g, extent=200)
        labels = torch.randint(0, 3, (12, ), generator=g)
        keep = torch.rand(12, generator=g) < 0.8  # some GTs missed
        dets = gts[keep] + torch.randn(int(keep.sum()), 5, generator=g) * torch.tensor(
            [2, 2, 2, 1, 0.05])
        dets = torch.cat([dets, random_rboxes(5, g, extent=200)])  # false positives
        det_labels = torch.cat([labels[keep], torch.randint(0, 3, (5, ), generator=g)])
        samples.append(dict(
            img_id=str(img),
            gt_instances=dict(bboxes=gts, labels=labels),
            ignored_instances=dict(bboxes=torch.zeros(0, 5), labels=torch.zeros(0).long()),
            pred_instances=dict(bboxes=dets, scores=torch.rand(len(dets), generator=g),
                                labels=det_labels)))
    return samples


def test_same_numbers_as_dota_metric():
    results = []
    for cls in (DOTAMetric, ThreadedDOTAMetric):
        metric = cls(metric='mAP', iou_thrs=[0.5, 0.75])
        metric.dataset_meta = dict(classes=CLASSES)
        metric.process({}, _samples(0))
        results.append(metric.evaluate(6))
    per_class = {k: v for k, v in results[1].items() if k.startswith('dota/AP50_')
                 or k.startswith('dota/AP75_')}
    assert {k: v for k, v in results[1].items() if k not in per_class} == results[0]
    assert 0.2 < results[0]['dota/AP50'] < 1.0
    # per-class APs are added, and their mean is DOTAMetric's mean
    for thr in ('50', '75'):
        aps = [per_class[f'dota/AP{thr}_{c}'] for c in CLASSES]
        assert sum(aps) / 3 == pytest.approx(results[0][f'dota/AP{thr}'], abs=2e-3)


@pytest.mark.parametrize('mode', ['area', '11points'])
def test_eval_mode_reaches_the_ap_computation(mode):
    metric = ThreadedDOTAMetric(metric='mAP', iou_thrs=[0.5], eval_mode=mode)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, _samples(1))
    got = metric.evaluate(6)
    reference = DOTAMetric(metric='mAP', iou_thrs=[0.5], eval_mode=mode)
    reference.dataset_meta = dict(classes=CLASSES)
    reference.process({}, _samples(1))
    assert got['dota/AP50'] == reference.evaluate(6)['dota/AP50']


def test_all_point_and_11_point_ap_differ():
    values = {}
    for mode in ('area', '11points'):
        metric = ThreadedDOTAMetric(metric='mAP', iou_thrs=[0.5], eval_mode=mode)
        metric.dataset_meta = dict(classes=CLASSES)
        metric.process({}, _samples(1))
        values[mode] = metric.evaluate(6)['dota/AP50']
    assert values['area'] != values['11points']
