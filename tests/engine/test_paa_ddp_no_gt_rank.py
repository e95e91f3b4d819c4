"""RotatedPAAHead under 2 gloo ranks where one rank has no GT: no collective is skipped.

Before the fix, a rank without positives returned after the first ``reduce_mean`` while the other
rank waited in the second one: distributed training hung (or failed when the peer left).
"""
import datetime
import math

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def _rank(rank, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2,
                            timeout=datetime.timedelta(seconds=60))
    try:
        import mmrotate_dal  # noqa: F401
        from mmengine.registry import DefaultScope
        from mmengine.structures import InstanceData
        from mmrotate.structures.bbox import RotatedBoxes
        from tests.models.dense_heads.test_dal_retina_head import METAS, features, gts
        from tests.models.dense_heads.test_rotated_paa_head import build_head
        torch.manual_seed(0)
        with DefaultScope.overwrite_default_scope('mmrotate'):
            head = build_head()
            cls_scores, bbox_preds, iou_preds = head(features(4))
            if rank == 0:
                batch = gts(seed=4)
            else:
                batch = [InstanceData(bboxes=RotatedBoxes(torch.zeros(0, 5)),
                                      labels=torch.zeros(0, dtype=torch.long))] * 2
            losses = head.loss_by_feat(cls_scores, bbox_preds, iou_preds, batch, METAS)
            total = sum(losses.values())
            total.backward()
            dist.barrier()
        torch.save({k: float(v) for k, v in losses.items()}, f'{out_dir}/rank{rank}.pt')
    finally:
        dist.destroy_process_group()


def test_rank_without_gt_runs_the_same_collectives(tmp_path):
    mp.spawn(_rank, args=(str(tmp_path / 'init'), str(tmp_path)), nprocs=2, join=True)
    with_gt, without = (torch.load(tmp_path / f'rank{r}.pt') for r in (0, 1))
    assert with_gt['loss_bbox'] > 0 and with_gt['loss_iou'] > 0
    assert without['loss_bbox'] == 0 and without['loss_iou'] == 0
    assert all(math.isfinite(v) and v >= 0 for v in (*with_gt.values(), *without.values()))
    assert without['loss_cls'] > 0  # negatives still train the classifier
