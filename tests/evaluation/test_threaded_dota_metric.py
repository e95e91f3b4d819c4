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
    assert results[0] == results[1]
    assert 0.2 < results[0]['dota/AP50'] < 1.0
