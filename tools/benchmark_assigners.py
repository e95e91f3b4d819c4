#!/usr/bin/env python
"""Assignment time and peak memory at DOTA scale: DAL, PAA and max-IoU against the references.

One 1024 x 1024 image, 3 anchors per location on P3-P7 (65,472 anchors), G rotated GTs with
DOTA-like sizes, logits, and predictions of a partly trained detector. Each case runs in a fresh
process: the median of --repeat calls after a warm-up, and the peak rise of resident memory. Fast
cases are checked against what they replace (identical gt_inds, and DAL weights):
  maxiou-sparse vs maxiou-dense   mmdet MaxIoUAssigner with SparseRBboxOverlaps2D / RBboxOverlaps2D
  dal-sparse    vs dal-dense      DALAssigner, sparse pairs vs dense IoU matrices
  paa-batched   vs paa-sklearn    PAAAssigner's batched EM vs mmdet's paa_reassign sklearn loop
                                  (same candidate pool and scores; mmdet fallbacks)
  gmm-batched   vs gmm-sklearn    the separation step alone on PAA's candidate table: batched
                                  float64 EM vs the per-GT sklearn GaussianMixture('full') loop

    python tools/benchmark_assigners.py --gts 10,100,1000 --dense-max-gts 100 --out bench.json
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--gts', default='10,100,1000', help='comma-separated GT counts')
    parser.add_argument('--cases', default=None, help='comma-separated subset of the cases')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--dense-max-gts', type=int, default=100,
                        help='skip dense cases above this many GTs (65k x 1000 dense IoU takes '
                        'minutes per call on CPU)')
    parser.add_argument('--threads', type=int, default=None, help='torch threads per process')
    parser.add_argument('--timeout', type=float, default=1800)
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args(argv)

    from mmrotate_dal.benchmarks.assigners import CASES, SAME_AS, case_callables, identical
    from mmrotate_dal.benchmarks.measure import measure
    requested = CASES if args.cases is None else tuple(args.cases.split(','))
    unknown = set(requested) - set(CASES)
    if unknown:
        parser.error(f'unknown cases {sorted(unknown)}; choose from {CASES}')
    cases = tuple(c for c in CASES if c in requested)  # references before what they check
    if args.threads:
        os.environ['BENCH_THREADS'] = str(args.threads)

    rows, outputs = [], {}
    for num_gts in (int(g) for g in args.gts.split(',')):
        for case in cases:
            if case in ('maxiou-dense', 'dal-dense') and num_gts > args.dense_max_gts:
                continue
            res = measure(*case_callables(case, num_gts), repeat=args.repeat,
                          timeout=args.timeout)
            row = dict(case=case, gts=num_gts)
            if 'error' in res:
                row['error'] = res['error']
            else:
                row.update(seconds=res['seconds'], peak_mb=res['peak_mb'])
                outputs[case, num_gts] = res['output']
                ref = outputs.get((SAME_AS.get(case), num_gts))
                if ref is not None:
                    row['identical_to'] = SAME_AS[case] if identical(res['output'], ref) else 'DIFFERS'
                    row['speedup'] = next(r['seconds'] for r in rows
                                          if r['case'] == SAME_AS[case] and r['gts'] == num_gts) / \
                        res['seconds']
            rows.append(row)
            print(_fmt(row), flush=True)

    print()
    print('| case | GTs | time (s) | peak memory (MB) | check |')
    print('|---|---:|---:|---:|---|')
    for r in rows:
        if 'error' in r:
            print(f"| {r['case']} | {r['gts']} | error | | {r['error']} |")
            continue
        check = ''
        if 'identical_to' in r:
            check = f"identical to {r['identical_to']}, {r['speedup']:.1f}x faster" \
                if r['identical_to'] != 'DIFFERS' else f"DIFFERS from {SAME_AS[r['case']]}"
        print(f"| {r['case']} | {r['gts']} | {r['seconds']:.3f} | {r['peak_mb']:.0f} | {check} |")
    if args.out:
        meta = dict(date=time.strftime('%Y-%m-%d'), machine=platform.machine(),
                    cpus=os.cpu_count(), command=' '.join(['python'] + sys.argv))
        with open(args.out, 'w') as f:
            json.dump(dict(meta=meta, rows=rows), f, indent=2)
    return rows


def _fmt(row):
    if 'error' in row:
        return f"{row['case']:>14} G={row['gts']:<5} ERROR {row['error']}"
    extra = f"  [{row['identical_to']}, {row['speedup']:.1f}x]" if 'identical_to' in row else ''
    return (f"{row['case']:>14} G={row['gts']:<5} {row['seconds']:8.3f} s  "
            f"{row['peak_mb']:7.0f} MB{extra}")


if __name__ == '__main__':
    main()
