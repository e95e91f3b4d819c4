"""Train and evaluate several label-assignment methods on the same data, schedule and seed."""
import copy
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional

from ..benchmarks.measure import reset_peak_rss, status_kb
from .config import load_config, set_classes

CONFIG_ROOT = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')

# method name -> CPU-small config (same backbone, data, schedule and seed; see configs/*/README.md)
METHODS = {
    'maxiou': 'baselines/rotated_retinanet_le90_cpu_small.py',
    'dal': 'dal/rotated_retinanet_dal_cpu_small.py',
    'atss': 'baselines/rotated_atss_le90_cpu_small.py',
    'atss-dal': 'dal/rotated_atss_dal_cpu_small.py',
    's2anet': 'baselines/s2anet_le135_cpu_small.py',
    's2anet-dal': 'dal/s2anet_dal_cpu_small.py',
    'paa': 'paa/rotated_retinanet_paa_cpu_small.py',
    'paa-atss': 'paa/rotated_retinanet_paa_atss_cpu_small.py',
}


def method_config(name: str) -> str:
    if name not in METHODS:
        raise ValueError(f'unknown method {name!r}; choose from {sorted(METHODS)}')
    return osp.join(CONFIG_ROOT, METHODS[name])


def run_method(name: str, work_dir: str, data_root: Optional[str] = None,
               iters: Optional[int] = None, seed: int = 0, progress: bool = True,
               cfg_options: Optional[dict] = None, classes: Optional[tuple] = None) -> Dict:
    """Train one method with its CPU-small config, validate, and return what the table needs.

    ``classes`` replaces the config's class list and heads' ``num_classes`` (a user's data set).

    Returns:
        dict: ``method``, ``config``, ``metrics`` (DOTAMetric AP50, AP75 and COCO-style mAP),
        ``train_seconds_per_iter``, ``assign_ms_per_image``, ``peak_rss_mb`` (process peak
        resident memory during the run, NaN where it cannot be reset), and ``losses``.
    """
    import mmrotate_dal  # noqa: F401
    from mmengine.runner import Runner
    from ..engine import TrainingRecorderHook

    config = method_config(name)
    cfg = load_config(config, osp.join(work_dir, name), cfg_options, data_root, iters, seed)
    if classes is not None:
        set_classes(cfg, classes)
    cfg.log_level = 'WARNING'  # the recorder prints progress; logs and metrics go to the JSON
    recorder = TrainingRecorderHook(progress=progress)
    exact_peak = reset_peak_rss()
    runner = Runner.from_cfg(cfg)
    runner.register_hook(recorder)
    start = time.perf_counter()
    runner.train()
    wall = time.perf_counter() - start
    rec = recorder.record
    metrics = rec['metrics'] or {}
    return dict(
        method=name,
        config=osp.relpath(config, osp.dirname(CONFIG_ROOT)),
        iters=len(rec['iter_seconds']),
        AP50=metrics.get('dota/AP50'),
        AP75=metrics.get('dota/AP75'),
        mAP=metrics.get('dota/mAP'),
        train_seconds_per_iter=rec['train_seconds'] / max(len(rec['iter_seconds']), 1),
        assign_ms_per_image=rec['assign_ms_per_image'],
        peak_rss_mb=status_kb('VmHWM') / 1024 if exact_peak else float('nan'),
        wall_seconds=wall,
        losses=[step.get('loss') for step in rec['losses']],
        metrics=metrics)


def markdown_table(results: List[Dict]) -> str:
    lines = ['| method | AP50 | AP75 | mAP (0.5:0.95) | train s/iter | assign ms/img | '
             'peak RSS (MB) |', '|---|---:|---:|---:|---:|---:|---:|']
    for r in results:
        def pct(v):
            return '-' if v is None else f'{100 * v:.1f}'
        assign = '-' if r['assign_ms_per_image'] is None else f"{r['assign_ms_per_image']:.1f}"
        lines.append(f"| {r['method']} | {pct(r['AP50'])} | {pct(r['AP75'])} | {pct(r['mAP'])} | "
                     f"{r['train_seconds_per_iter']:.2f} | {assign} | {r['peak_rss_mb']:.0f} |")
    return '\n'.join(lines)


def plot(results: List[Dict], path: str) -> None:
    """Per-method AP bars and training-loss curves (smoothed) in one PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    fig, (ax_ap, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
    keys = ('AP50', 'AP75', 'mAP')
    width = 0.8 / max(len(results), 1)
    x = np.arange(len(keys))
    for i, r in enumerate(results):
        vals = [100 * (r[k] or 0) for k in keys]
        bars = ax_ap.bar(x + i * width, vals, width, label=r['method'])
        ax_ap.bar_label(bars, fmt='%.1f', fontsize=7)
        losses = np.array([v for v in r['losses'] if v is not None], dtype=float)
        if len(losses):
            k = max(1, len(losses) // 30)
            smooth = np.convolve(losses, np.ones(k) / k, mode='valid')
            ax_loss.plot(np.arange(len(smooth)) + k, smooth, label=r['method'])
    ax_ap.set_xticks(x + width * (len(results) - 1) / 2, ['AP50', 'AP75', 'mAP 0.5:0.95'])
    ax_ap.set_ylabel('%')
    ax_ap.set_title('DOTAMetric on the validation split')
    ax_ap.legend()
    ax_loss.set_xlabel('iteration')
    ax_loss.set_ylabel('total training loss (moving average)')
    ax_loss.set_title('training loss')
    ax_loss.legend()
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_json(results: List[Dict], meta: Dict, path: str) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(meta=meta, results=copy.deepcopy(results)), f, indent=2)
