#!/usr/bin/env python
"""Markdown report of stored benchmark results (what docs/results.md shows), without training.

    python tools/protocol_report.py docs/protocol/dal [--baseline p-maxiou] [--plot FILE]

Reads every ``<method>_seed<k>.json`` that ``tools/benchmark.py`` stored in the folder and prints:
  1. mean +- std over seeds and each seed's delta to the baseline (AP50, AP75, mAP 0.50:0.95);
  2. per-class AP50 and AP75 (mean over seeds);
  3. the validation curve: mean AP50 / AP75 at every validation point;
  4. positives per GT during training (mean over seeds) in the windows 0-10%, 10-30% and 30-100%
     of the schedule (DAL's alpha is 1 before 10% and reaches its final value at 30%).
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import glob
import json
import math
import os.path as osp
import statistics


def load(folder):
    results = []
    for path in sorted(glob.glob(osp.join(folder, '*_seed*.json'))):
        with open(path) as f:
            results.append(json.load(f)['result'])
    if not results:
        raise FileNotFoundError(f'no stored results (*_seed*.json) in {folder}')
    return results


def _mean(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.fmean(values) if values else float('nan')


def also_against(methods, baseline):
    """Second baselines a protocol names (``also_against``) that are among ``methods``."""
    from mmrotate_dal.apis import PROTOCOLS
    for proto in PROTOCOLS.values():
        if set(methods) <= set(proto['methods']):
            return [m for m in proto.get('also_against', ()) if m in methods and m != baseline]
    return []


def report(results, baseline=None):
    from mmrotate_dal.apis import PROTOCOLS, summarize, summary_table
    methods = list(dict.fromkeys(r['method'] for r in results))
    for proto in PROTOCOLS.values():  # a protocol's folder: its order and its baseline
        if set(methods) <= set(proto['methods']):
            methods = [m for m in proto['methods'] if m in methods]
            baseline = baseline or proto['baseline']
            break
    baseline = baseline or methods[0]
    order = {m: i for i, m in enumerate(methods)}
    results = sorted(results, key=lambda r: (order[r['method']], r['seed']))
    out = ['#### AP over seeds', '', summary_table(summarize(results, baseline), baseline), '']
    for other in also_against(methods, baseline):
        out += [f'#### Per-seed deltas against {other}', '',
                summary_table(summarize(results, other), other), '']

    classes = list(dict.fromkeys(c for r in results for c in r.get('per_class_AP50', {})))
    if classes:
        out += ['#### Per-class AP50 / AP75 (mean over seeds)', '',
                '| method | ' + ' | '.join(classes) + ' |', '|---|' + '---:|' * len(classes)]
        for m in methods:
            runs = [r for r in results if r['method'] == m]
            cells = []
            for c in classes:
                ap50 = _mean([r['per_class_AP50'].get(c) for r in runs])
                ap75 = _mean([r['metrics'].get(f'dota/AP75_{c}') for r in runs])
                cells.append(f'{100 * ap50:.1f} / {100 * ap75:.1f}')
            out.append(f'| {m} | ' + ' | '.join(cells) + ' |')
        out.append('')

    iters = sorted({c['iter'] for r in results for c in r.get('curve', [])})
    if iters:
        out += ['#### Validation during training: AP50 / AP75 (mean over seeds)', '',
                '| method | ' + ' | '.join(f'iter {i}' for i in iters) + ' |',
                '|---|' + '---:|' * len(iters)]
        for m in methods:
            cells = []
            for i in iters:
                pts = [c for r in results if r['method'] == m for c in r['curve'] if c['iter'] == i]
                cells.append(f"{100 * _mean([p['AP50'] for p in pts]):.1f} / "
                             f"{100 * _mean([p['AP75'] for p in pts]):.1f}")
            out.append(f'| {m} | ' + ' | '.join(cells) + ' |')
        out.append('')

    windows = ((0.0, 0.1), (0.1, 0.3), (0.3, 1.0))
    out += ['#### Positives per GT during training (mean over seeds)', '',
            '| method | ' + ' | '.join(f'{int(100 * a)}-{int(100 * b)}%' for a, b in windows)
            + ' |', '|---|' + '---:|' * len(windows)]
    for m in methods:
        cells = []
        for a, b in windows:
            vals = []
            for r in results:
                if r['method'] != m:
                    continue
                series = r.get('positives_per_gt') or []
                n = len(series)
                vals += series[int(a * n):int(b * n)]
            cells.append(f'{_mean(vals):.2f}')
        out.append(f'| {m} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(out) + '\n'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('folder')
    parser.add_argument('--baseline', help='method the per-seed deltas are taken against')
    parser.add_argument('--plot', help='also write the AP/curve/loss figure here (PNG)')
    args = parser.parse_args(argv)
    results = load(args.folder)
    text = report(results, args.baseline)
    print(text)
    if args.plot:
        from mmrotate_dal.apis import plot
        plot(results, args.plot)
        print(f'wrote {args.plot}')
    return text


if __name__ == '__main__':
    main()
