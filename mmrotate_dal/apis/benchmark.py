"""Train and evaluate label-assignment methods on the same data and schedule, over several seeds.

Each (method, seed) result is stored as one JSON file as soon as it finishes
(:func:`result_path`), so a protocol of many runs can span sessions: a rerun skips what is stored.
:func:`summarize` turns stored results into mean +- std per method and per-seed deltas against the
protocol's baseline.
"""
import copy
import json
import math
import os
import os.path as osp
import statistics
import time
from typing import Dict, List, Optional, Sequence

from ..benchmarks.measure import reset_peak_rss, status_kb
from .config import load_config, set_classes

CONFIG_ROOT = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')

# method name -> config. The CPU-small configs (same backbone, data, schedule; see
# configs/*/README.md) and the protocol configs (configs/protocol/, 'p-' names).
METHODS = {
    'maxiou': 'baselines/rotated_retinanet_le90_cpu_small.py',
    'dal': 'dal/rotated_retinanet_dal_cpu_small.py',
    'atss': 'baselines/rotated_atss_le90_cpu_small.py',
    'atss-dal': 'dal/rotated_atss_dal_cpu_small.py',
    's2anet': 'baselines/s2anet_le135_cpu_small.py',
    's2anet-dal': 'dal/s2anet_dal_cpu_small.py',
    'paa': 'paa/rotated_retinanet_paa_cpu_small.py',
    'paa-atss': 'paa/rotated_retinanet_paa_atss_cpu_small.py',
    'p-maxiou': 'protocol/retinanet_maxiou.py',
    'p-dal-assign': 'protocol/retinanet_dal_assign.py',
    'p-dal': 'protocol/retinanet_dal.py',
    'p-s3fd': 'protocol/retinanet_s3fd.py',
    'p-hambox': 'protocol/retinanet_hambox.py',
    'p-atss-retina': 'protocol/retinanet_atss.py',
    'p-paa-retina': 'protocol/retinanet_paa.py',
    'p-dsl-retina': 'protocol/retinanet_dsl.py',
    'p-dsl-retina-qfl': 'protocol/retinanet_dsl_qfl.py',
    'p-atss': 'protocol/atss.py',
    'p-paa': 'protocol/paa_maxiou.py',
    'p-paa-atss': 'protocol/paa_atss.py',
    'p-paa-uniform': 'protocol/paa_maxiou_uniform.py',
    'p-paa-centerness': 'protocol/paa_maxiou_centerness.py',
    'p-paa-ingt': 'protocol/paa_maxiou_ingt.py',
    'p-paa-atss-centerness': 'protocol/paa_atss_centerness.py',
}

# Named comparisons: their arms and the baseline that per-seed deltas are taken against.
PROTOCOLS = {
    'dal': dict(baseline='p-maxiou', methods=('p-maxiou', 'p-dal-assign', 'p-dal')),
    # the DAL paper's assigner table: every assigner on the same RetinaNet (anchors, coder, loss);
    # run at the plateaued schedule, --iters 2400 (docs/results.md)
    'assign': dict(baseline='p-maxiou', methods=(
        'p-maxiou', 'p-s3fd', 'p-hambox', 'p-atss-retina', 'p-paa-retina', 'p-dsl-retina',
        'p-dsl-retina-qfl', 'p-dal-assign', 'p-dal'), also_against=('p-atss-retina', )),
    'paa': dict(baseline='p-atss', methods=('p-atss', 'p-paa', 'p-paa-atss')),
    'paa-ablation': dict(baseline='p-paa', methods=(
        'p-paa', 'p-paa-uniform', 'p-paa-centerness', 'p-paa-ingt', 'p-paa-atss-centerness')),
}

METRIC_KEYS = ('AP50', 'AP75', 'mAP')


def method_config(name: str) -> str:
    """Path of a method's config; raises ``ValueError`` for an unknown name."""
    if name not in METHODS:
        raise ValueError(f'unknown method {name!r}; choose from {sorted(METHODS)}')
    return osp.join(CONFIG_ROOT, METHODS[name])


def run_method(name: str, work_dir: str, data_root: Optional[str] = None,
               iters: Optional[int] = None, seed: int = 0, progress: bool = True,
               cfg_options: Optional[dict] = None, classes: Optional[tuple] = None) -> Dict:
    """Train one method with its config, validate, and return what the tables need.

    ``classes`` replaces the config's class list and heads' ``num_classes`` (a user's data set).

    Returns:
        dict: ``method``, ``seed``, ``config``, ``iters``, ``AP50``/``AP75``/``mAP`` (the last
        validation), ``per_class_AP50``, ``curve`` (one entry per validation: ``iter`` and the
        three metrics), ``train_seconds_per_iter``, ``assign_ms_per_image``, ``peak_rss_mb``
        (process peak resident memory during the run, NaN where it cannot be reset),
        ``wall_seconds``, ``losses`` (total loss per iteration), ``positives_per_gt`` (per
        iteration: positives / GTs over the batch's images) and ``metrics`` (the last validation's
        full dict).
    """
    import mmrotate_dal  # noqa: F401
    from mmengine.runner import Runner
    from ..engine import TrainingRecorderHook

    config = method_config(name)
    run_dir = osp.join(work_dir, name if seed is None else f'{name}_seed{seed}')
    cfg = load_config(config, run_dir, cfg_options, data_root, iters, seed)
    if classes is not None:
        set_classes(cfg, classes)
    cfg.log_level = 'WARNING'  # the recorder prints progress; logs and metrics go to the JSON
    recorder = TrainingRecorderHook(progress=progress, description=f'{name} seed {seed}')
    exact_peak = reset_peak_rss()
    runner = Runner.from_cfg(cfg)
    runner.register_hook(recorder)
    start = time.perf_counter()
    runner.train()
    wall = time.perf_counter() - start
    rec = recorder.record
    metrics = rec['metrics'] or {}
    num_iters = len(rec['iter_seconds'])
    return dict(
        method=name,
        seed=seed,
        config=osp.relpath(config, osp.dirname(CONFIG_ROOT)),
        iters=num_iters,
        AP50=metrics.get('dota/AP50'),
        AP75=metrics.get('dota/AP75'),
        mAP=metrics.get('dota/mAP'),
        per_class_AP50={k[len('dota/AP50_'):]: v for k, v in metrics.items()
                        if k.startswith('dota/AP50_')},
        curve=[dict(iter=it, **{k: m.get(f'dota/{k}') for k in METRIC_KEYS})
               for it, m in rec['curve']],
        train_seconds_per_iter=rec['train_seconds'] / max(num_iters, 1),
        assign_ms_per_image=rec['assign_ms_per_image'],
        peak_rss_mb=status_kb('VmHWM') / 1024 if exact_peak else float('nan'),
        wall_seconds=wall,
        losses=[None if step.get('loss') is None else round(step['loss'], 5)
                for step in rec['losses']],
        positives_per_gt=rec['positives_per_gt'],
        metrics=metrics)


# ----- stored results ----------------------------------------------------------------------------

def result_path(results_dir: str, method: str, seed: int) -> str:
    """Where the result of one (method, seed) run is stored."""
    return osp.join(results_dir, f'{method}_seed{seed}.json')


def save_result(results_dir: str, result: Dict, meta: Optional[Dict] = None) -> str:
    """Store one run's result (atomically: a crash never leaves a half-written file)."""
    os.makedirs(results_dir, exist_ok=True)
    path = result_path(results_dir, result['method'], result['seed'])
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(dict(meta=meta or {}, result=result), f, indent=1)
    os.replace(tmp, path)
    return path


def load_result(results_dir: str, method: str, seed: int) -> Optional[Dict]:
    """A stored result, or None when that run has not finished yet."""
    path = result_path(results_dir, method, seed)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)['result']


# ----- aggregation -------------------------------------------------------------------------------

def _mean_std(values: Sequence[float]):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def summarize(results: List[Dict], baseline: Optional[str] = None) -> List[Dict]:
    """Mean +- std over seeds per method, and per-seed deltas against ``baseline``.

    Args:
        results (list[dict]): :func:`run_method` results (any methods and seeds).
        baseline (str, optional): method whose result on the same seed is subtracted.

    Returns:
        list[dict]: one row per method, in first-seen order: ``method``, ``seeds`` (sorted),
        ``<metric>_mean`` / ``<metric>_std`` for AP50, AP75 and mAP, ``deltas`` (metric -> list of
        per-seed differences to the baseline, for the seeds both have; empty without a baseline),
        and ``train_seconds_per_iter`` / ``assign_ms_per_image`` means.
    """
    by_method: Dict[str, Dict[int, Dict]] = {}
    for r in results:
        by_method.setdefault(r['method'], {})[r['seed']] = r
    base = by_method.get(baseline, {}) if baseline else {}
    rows = []
    for method, runs in by_method.items():
        seeds = sorted(runs)
        row = dict(method=method, seeds=seeds, deltas={})
        for key in METRIC_KEYS:
            row[f'{key}_mean'], row[f'{key}_std'] = _mean_std([runs[s][key] for s in seeds])
            if base and method != baseline:
                row['deltas'][key] = [runs[s][key] - base[s][key] for s in seeds
                                      if s in base and runs[s][key] is not None
                                      and base[s][key] is not None]
        for key in ('train_seconds_per_iter', 'assign_ms_per_image'):
            row[key] = _mean_std([runs[s].get(key) for s in seeds])[0]
        rows.append(row)
    return rows


def summary_table(rows: List[Dict], baseline: Optional[str] = None) -> str:
    """Markdown table of :func:`summarize` rows: mean +- std and the per-seed deltas."""
    def pct(mean, std):
        return '-' if mean is None else f'{100 * mean:.1f} ± {100 * std:.1f}'

    def deltas(values):
        return ' / '.join(f'{100 * v:+.1f}' for v in values) if values else '-'

    vs = f' vs {baseline}' if baseline else ''
    lines = [f'| method | seeds | AP50 | AP75 | mAP (0.5:0.95) | ΔAP50 per seed{vs} | '
             f'ΔAP75 per seed{vs} | ΔmAP per seed{vs} | train s/iter | assign ms/img |',
             '|---|---|---:|---:|---:|---|---|---|---:|---:|']
    for r in rows:
        assign = '-' if r['assign_ms_per_image'] is None else f"{r['assign_ms_per_image']:.1f}"
        lines.append(
            f"| {r['method']} | {','.join(map(str, r['seeds']))} | "
            + ' | '.join(pct(r[f'{k}_mean'], r[f'{k}_std']) for k in METRIC_KEYS) + ' | '
            + ' | '.join(deltas(r['deltas'].get(k)) for k in METRIC_KEYS)
            + f" | {r['train_seconds_per_iter']:.2f} | {assign} |")
    return '\n'.join(lines)


def markdown_table(results: List[Dict]) -> str:
    """One row per run (a single seed): AP, time and memory."""
    lines = ['| method | seed | AP50 | AP75 | mAP (0.5:0.95) | train s/iter | assign ms/img | '
             'peak RSS (MB) |', '|---|---:|---:|---:|---:|---:|---:|---:|']
    for r in results:
        def pct(v):
            return '-' if v is None else f'{100 * v:.1f}'
        assign = '-' if r['assign_ms_per_image'] is None else f"{r['assign_ms_per_image']:.1f}"
        lines.append(f"| {r['method']} | {r.get('seed', '-')} | {pct(r['AP50'])} | "
                     f"{pct(r['AP75'])} | {pct(r['mAP'])} | {r['train_seconds_per_iter']:.2f} | "
                     f"{assign} | {r['peak_rss_mb']:.0f} |")
    return '\n'.join(lines)


def plot(results: List[Dict], path: str) -> None:
    """AP bars (mean +- std over seeds), validation AP50 curves and training-loss curves."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    rows = summarize(results)
    by_method: Dict[str, List[Dict]] = {}
    for r in results:
        by_method.setdefault(r['method'], []).append(r)
    fig, (ax_ap, ax_curve, ax_loss) = plt.subplots(1, 3, figsize=(16, 4.2))
    width = 0.8 / max(len(rows), 1)
    x = np.arange(len(METRIC_KEYS))
    for i, row in enumerate(rows):
        means = [100 * (row[f'{k}_mean'] or 0) for k in METRIC_KEYS]
        stds = [100 * (row[f'{k}_std'] or 0) for k in METRIC_KEYS]
        bars = ax_ap.bar(x + i * width, means, width, yerr=stds, capsize=3,
                         label=f"{row['method']} (n={len(row['seeds'])})")
        ax_ap.bar_label(bars, fmt='%.1f', fontsize=7)
    for method, runs in by_method.items():
        color = None
        curves = [r.get('curve') or [] for r in runs]
        iters = sorted({c['iter'] for curve in curves for c in curve})
        if iters:
            per_iter = [[c['AP50'] for curve in curves for c in curve
                         if c['iter'] == it and c['AP50'] is not None] for it in iters]
            mean = [100 * statistics.fmean(v) if v else math.nan for v in per_iter]
            line, = ax_curve.plot(iters, mean, marker='o', label=method)
            color = line.get_color()
            for curve in curves:
                ax_curve.plot([c['iter'] for c in curve],
                              [100 * (c['AP50'] or 0) for c in curve], color=color, alpha=0.25)
        losses = [np.array([v for v in r['losses'] if v is not None], dtype=float) for r in runs]
        losses = [v for v in losses if len(v)]
        if losses:
            n = min(map(len, losses))
            loss = np.mean([v[:n] for v in losses], axis=0)
            k = max(1, n // 30)
            smooth = np.convolve(loss, np.ones(k) / k, mode='valid')
            ax_loss.plot(np.arange(len(smooth)) + k, smooth, label=method, color=color)
    ax_ap.set_xticks(x + width * (len(rows) - 1) / 2, ['AP50', 'AP75', 'mAP 0.5:0.95'])
    ax_ap.set_ylabel('%')
    ax_ap.set_title('validation AP, mean ± std over seeds')
    ax_ap.legend(fontsize=7)
    ax_curve.set_xlabel('iteration')
    ax_curve.set_ylabel('AP50 (%)')
    ax_curve.set_title('AP50 during training (mean; faint: each seed)')
    ax_curve.legend(fontsize=7)
    ax_loss.set_xlabel('iteration')
    ax_loss.set_ylabel('total training loss (moving average)')
    ax_loss.set_title('training loss (mean over seeds)')
    ax_loss.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_json(results: List[Dict], meta: Dict, path: str,
               summary: Optional[List[Dict]] = None) -> None:
    """All results (and their summary) in one JSON file."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(meta=meta, summary=summary or [], results=copy.deepcopy(results)), f,
                  indent=1)
