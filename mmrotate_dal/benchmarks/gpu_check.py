"""The checks of ``tools/gpu_check.py``: ops, CPU/device parity, AMP training steps, DDP with a
GT-less rank, and assignment timing (dense vs sparse). Every function also runs on the CPU at
small sizes, which is how the test suite exercises it."""
import datetime
import math
import os
import tempfile
import time
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.structures import InstanceData

from .scenes import dota_anchors, dota_gts, predictions

DOTA_CONFIGS = (
    'baselines/rotated_retinanet_le90_r50_fpn_1x_dota.py', 'dal/rotated_retinanet_dal_dota.py',
    'baselines/s2anet_le135_r50_fpn_1x_dota.py', 'dal/s2anet_dal_dota.py',
    'baselines/rotated_atss_le90_r50_fpn_1x_dota.py', 'dal/rotated_atss_dal_dota.py',
    'paa/rotated_retinanet_paa_dota.py', 'paa/rotated_retinanet_paa_atss_dota.py')
SMALL_CONFIGS = ('baselines/rotated_retinanet_le90_cpu_small.py',
                 'dal/rotated_retinanet_dal_cpu_small.py', 'paa/rotated_retinanet_paa_cpu_small.py')


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def check_ops(device: torch.device) -> List[Dict]:
    """mmcv's rotated ops run on ``device`` and agree with the CPU kernels."""
    from mmcv.ops import box_iou_rotated, nms_rotated
    boxes = dota_gts(200, seed=3)[0]
    rows = []
    iou_cpu = box_iou_rotated(boxes, boxes)
    iou_dev = box_iou_rotated(boxes.to(device), boxes.to(device)).cpu()
    rows.append(dict(check=f'box_iou_rotated on {device.type}',
                     ok=bool(torch.allclose(iou_cpu, iou_dev, atol=1e-4)),
                     detail=f'max |cpu - {device.type}| {float((iou_cpu - iou_dev).abs().max()):.2e}'))
    scores = torch.rand(len(boxes), generator=torch.Generator().manual_seed(0))
    keep_cpu = nms_rotated(boxes, scores, 0.1)[1]
    keep_dev = nms_rotated(boxes.to(device), scores.to(device), 0.1)[1].cpu()
    rows.append(dict(check=f'nms_rotated on {device.type}',
                     ok=bool(torch.equal(keep_cpu.sort().values, keep_dev.sort().values)),
                     detail=f'{len(keep_dev)} kept (cpu {len(keep_cpu)})'))
    return rows


def check_parity(device: torch.device, img_size: int = 1024, num_gts: int = 100) -> List[Dict]:
    """DAL and PAA assignments on the CPU and on ``device``: share of anchors that differ."""
    from ..models.task_modules.assigners import DALAssigner, PAAAssigner
    anchors = dota_anchors(img_size)
    gts, labels = dota_gts(num_gts, img_size, seed=1, sizes=(8, img_size / 3.5))
    preds = predictions(anchors, gts)
    logits = torch.randn(len(anchors), 15, generator=torch.Generator().manual_seed(2))
    level = [len(anchors)]
    rows = []
    for name, assigner, pred in (
            ('DALAssigner', DALAssigner(), InstanceData(priors=anchors, bboxes=preds)),
            ('PAAAssigner', PAAAssigner(), InstanceData(priors=anchors, bboxes=preds,
                                                        scores=logits))):
        out = {}
        for dev in (torch.device('cpu'), device):
            p = InstanceData(**{k: v.to(dev) for k, v in pred.items()})
            g = InstanceData(bboxes=gts.to(dev), labels=labels.to(dev))
            kwargs = dict(progress=1.0) if name == 'DALAssigner' else dict(num_level_priors=level)
            out[dev.type] = assigner.assign(p, g, **kwargs).gt_inds.cpu()
        cpu, dev = out['cpu'], out[device.type]
        differ = int((cpu != dev).sum())
        positives = int(((cpu > 0) | (dev > 0)).sum())
        rows.append(dict(check=f'{name} cpu vs {device.type}', ok=differ <= max(2, positives // 50),
                         detail=f'{differ} of {len(cpu)} anchors differ ({positives} positives)'))
    return rows


def _random_batch(model, num_gts: int, img_size: int, batch: int, device: torch.device,
                  seed: int):
    from mmdet.structures import DetDataSample
    from mmrotate.structures.bbox import RotatedBoxes
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(batch):
        inputs.append(torch.randint(0, 256, (3, img_size, img_size), generator=g,
                                    dtype=torch.uint8))
        boxes, labels = dota_gts(num_gts, img_size, seed=seed * 100 + i,
                                 sizes=(8, img_size / 3.5))
        sample = DetDataSample(metainfo=dict(img_shape=(img_size, img_size),
                                             ori_shape=(img_size, img_size),
                                             scale_factor=(1.0, 1.0), img_id=str(i)))
        num_classes = _num_classes(model)
        sample.gt_instances = InstanceData(bboxes=RotatedBoxes(boxes), labels=labels % num_classes)
        samples.append(sample)
    return model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)


def _num_classes(model) -> int:
    for key in ('bbox_head', 'bbox_head_init'):
        head = getattr(model, key, None)
        if head is not None:
            return head.num_classes
    raise ValueError('no anchor head')


def amp_steps(config: str, device: torch.device, gt_counts: Sequence[int] = (0, 20, 500),
              steps: int = 3, img_size: int = 1024, batch: int = 2) -> Dict:
    """A few training steps (fp16 AMP on CUDA, fp32 on the CPU) of a config on random batches,
    one batch per GT count, then ``test_step``; no ImageNet weights are loaded.

    Returns:
        dict: ``config``, ``ok``, ``losses`` (finite total per step), ``loss_scale`` (AMP) and
        ``detections`` (per image of the test step), or ``error``.
    """
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmrotate.registry import MODELS
    from ..apis.config import drop_pretrained

    cfg = Config.fromfile(config)
    drop_pretrained(cfg)
    if 'score_voting' in (cfg.model.get('test_cfg') or {}):
        cfg.model.test_cfg.score_voting = True  # exercise the voting path too
    amp = device.type == 'cuda'
    with DefaultScope.overwrite_default_scope('mmrotate'):
        model = MODELS.build(cfg.model).to(device)
        model.init_weights()
        optim_cfg = dict(cfg.optim_wrapper)
        if amp:
            optim_cfg.update(type='AmpOptimWrapper', loss_scale='dynamic')
        else:
            optim_cfg.update(type='OptimWrapper')
        optim_wrapper = build_optim_wrapper(model, optim_cfg)
        losses = []
        model.train()
        try:
            for step in range(steps):
                num_gts = gt_counts[step % len(gt_counts)]
                data = _random_batch(model, num_gts, img_size, batch, device, seed=step)
                with optim_wrapper.optim_context(model):
                    loss, _ = model.parse_losses(model(**data, mode='loss'))
                optim_wrapper.update_params(loss)
                losses.append(dict(gts=num_gts, loss=float(loss.detach())))
            model.eval()
            with torch.no_grad():
                data = _random_batch(model, 20, img_size, batch, device, seed=99)
                results = model(**dict(data), mode='predict')
        except Exception as e:  # reported as a failed row, the other checks go on
            return dict(config=config, ok=False, error=f'{type(e).__name__}: {e}',
                        losses=losses)
    scale = optim_wrapper.loss_scaler.get_scale() if amp else None
    finite = all(math.isfinite(x['loss']) for x in losses)
    return dict(config=config, ok=finite and (scale is None or 1.0 <= scale <= 2.0**24),
                losses=losses, loss_scale=scale,
                detections=[len(r.pred_instances) for r in results])


def _ddp_rank(rank: int, init_file: str, out_dir: str, config: str, device_type: str,
              img_size: int) -> None:
    import torch.distributed as dist
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmrotate.registry import MODELS
    import mmrotate_dal  # noqa: F401
    from ..apis.config import drop_pretrained
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2,
                            timeout=datetime.timedelta(seconds=120))
    try:
        device = torch.device(device_type)
        cfg = Config.fromfile(config)
        drop_pretrained(cfg)
        torch.manual_seed(0)
        with DefaultScope.overwrite_default_scope('mmrotate'):
            model = MODELS.build(cfg.model).to(device)
            model.init_weights()
            ddp = torch.nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
            optim = torch.optim.SGD(ddp.parameters(), lr=1e-3)
            data = _random_batch(model, 0 if rank == 1 else 20, img_size, 2, device, seed=rank)
            loss, _ = model.parse_losses(ddp(**data, mode='loss'))
            loss.backward()
            optim.step()
        torch.save(dict(loss=float(loss.detach()), params=[p.detach().cpu() for p in model.parameters()]),
                   os.path.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


def ddp_without_gt(config: str, device: torch.device, img_size: int = 512) -> Dict:
    """Two gloo ranks, rank 1 without any GT: one DDP step finishes, parameters stay equal."""
    import torch.multiprocessing as mp
    with tempfile.TemporaryDirectory() as tmp:
        try:
            mp.spawn(_ddp_rank, args=(os.path.join(tmp, 'init'), tmp, config, device.type,
                                      img_size), nprocs=2, join=True)
        except Exception as e:
            return dict(config=config, ok=False, error=f'{type(e).__name__}: {e}')
        ranks = [torch.load(os.path.join(tmp, f'rank{r}.pt'), weights_only=False) for r in (0, 1)]
    same = all(torch.equal(a, b) for a, b in zip(ranks[0]['params'], ranks[1]['params']))
    finite = all(math.isfinite(r['loss']) for r in ranks)
    return dict(config=config, ok=same and finite, losses=[r['loss'] for r in ranks],
                params_equal=same)


def assignment_timing(device: torch.device, anchor_counts: Sequence[int] = (65472, 196416),
                      gt_counts: Sequence[int] = (10, 100, 1000, 2000), repeat: int = 3,
                      dense_max_pairs: Optional[int] = None) -> List[Dict]:
    """Per-image assignment time (synchronised) and peak device memory, dense vs sparse.

    ``dense`` forces mmcv's dense kernel (``RBboxOverlaps2D`` through the same assigners), skipped
    above ``dense_max_pairs`` pairs (memory); ``sparse`` is the package's candidate path. Results
    of both are compared.
    """
    from ..models.task_modules.assigners import DALAssigner, SparseMaxIoUAssigner
    from ..models.task_modules import rotated_iou
    rows = []
    for n in anchor_counts:
        per_location = 9 if n > 100000 else 3
        base = dota_anchors(ratios=(0.5, 1.0, 2.0))
        anchors = torch.cat([base] * (per_location // 3)) if per_location > 3 else base
        anchors = anchors[:n]
        for g in gt_counts:
            gts, labels = dota_gts(g, seed=g)
            preds = predictions(anchors, gts)
            data = [t.to(device) for t in (anchors, preds, gts, labels)]
            pred = InstanceData(priors=data[0], bboxes=data[1])
            gt = InstanceData(bboxes=data[2], labels=data[3])
            outputs = {}
            for method in ('sparse', 'dense'):
                if method == 'dense' and dense_max_pairs is not None and n * g > dense_max_pairs:
                    continue
                original = rotated_iou.use_dense_kernel
                rotated_iou.use_dense_kernel = (lambda dev, pairs: method == 'dense')
                try:
                    for name, assigner in (('DAL', DALAssigner()),
                                           ('max-IoU', SparseMaxIoUAssigner(0.5, 0.4, 0))):
                        times = []
                        if device.type == 'cuda':
                            torch.cuda.reset_peak_memory_stats(device)
                        for _ in range(repeat + 1):  # the first call warms up
                            _sync(device)
                            start = time.perf_counter()
                            result = assigner.assign(pred, gt)
                            _sync(device)
                            times.append(time.perf_counter() - start)
                        peak = (torch.cuda.max_memory_allocated(device) / 2**20
                                if device.type == 'cuda' else float('nan'))
                        outputs[(name, method)] = result.gt_inds.cpu()
                        rows.append(dict(assigner=name, anchors=n, gts=g, path=method,
                                         ms=1000 * sorted(times[1:])[len(times[1:]) // 2],
                                         peak_mb=peak))
                finally:
                    rotated_iou.use_dense_kernel = original
            for r in rows:
                key = (r['assigner'], 'dense')
                if r['anchors'] == n and r['gts'] == g and key in outputs:
                    r['identical'] = bool(torch.equal(outputs[key],
                                                      outputs[(r['assigner'], 'sparse')]))
    return rows


def markdown(section: str, rows: List[Dict]) -> str:
    """A markdown table of dict rows (columns from the first row)."""
    if not rows:
        return f'### {section}\n\n(nothing measured)\n'
    keys = list(dict.fromkeys(k for r in rows for k in r))

    def fmt(v):
        if isinstance(v, float):
            return 'nan' if v != v else f'{v:.3g}' if abs(v) < 1000 else f'{v:.0f}'
        return str(v)

    lines = [f'### {section}', '', '| ' + ' | '.join(keys) + ' |',
             '|' + '---|' * len(keys)]
    lines += ['| ' + ' | '.join(fmt(r.get(k, '')) for k in keys) + ' |' for r in rows]
    return '\n'.join(lines) + '\n'
