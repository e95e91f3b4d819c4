#!/usr/bin/env python
"""One command on a CUDA machine: is the package's CUDA path sound, and how fast is it there?

    python tools/gpu_check.py --out docs/gpu_check.md          # on a GPU (< 10 min on one GPU)
    python tools/gpu_check.py --device cpu --quick             # the same logic, tiny, on a CPU

Sections (each prints a markdown table; --out collects them with the machine's name):
  ops      mmcv's box_iou_rotated and nms_rotated run on the device and agree with the CPU
  parity   DAL and PAA assignments on the CPU and on the device (differing anchors)
  amp      fp16 AMP training steps of every DOTA-scale config (DAL, PAA, baselines) on random
           1024 px batches with 0, 20 and 500 GTs: finite losses, sane loss scale; then test_step
           (score voting on for PAA). ImageNet weights are not loaded (random init).
  ddp      2 gloo ranks, one without any GT: one DDP step, parameters equal on both ranks
  timing   per-image assignment (synchronised) for dense vs sparse IoU at 65k and 196k anchors x
           10/100/1000/2000 GTs, with peak device memory and a check that both agree
--quick uses the CPU-small configs, 256 px, 2 steps and small timing sizes.
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import os
import os.path as osp
import platform
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SECTIONS = ('ops', 'parity', 'amp', 'ddp', 'timing')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='cuda', help='cuda (default), cuda:N or cpu')
    parser.add_argument('--quick', action='store_true', help='small sizes (CPU test of the logic)')
    parser.add_argument('--sections', default=','.join(SECTIONS),
                        help=f'comma-separated subset of {",".join(SECTIONS)}')
    parser.add_argument('--out', help='write the markdown report to this file')
    args = parser.parse_args(argv)
    args.section_list = [s.strip() for s in args.sections.split(',') if s.strip()]
    unknown = set(args.section_list) - set(SECTIONS)
    if unknown:
        parser.error(f'unknown sections {sorted(unknown)}; choose from {SECTIONS}')
    return args


def machine(device) -> str:
    import torch
    if device.type == 'cuda':
        props = torch.cuda.get_device_properties(device)
        return (f'{props.name} ({props.total_memory / 2**30:.0f} GiB), CUDA {torch.version.cuda}, '
                f'torch {torch.__version__}')
    return f'{platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}'


def main(argv=None):
    args = parse_args(argv)
    import logging
    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope
    # the report is the output: mmengine's per-parameter init log would bury it
    MMLogger.get_instance('mmengine').setLevel(logging.WARNING)
    with DefaultScope.overwrite_default_scope('mmrotate'):  # as a Runner sets it
        return run(args, argv)


def run(args, argv):
    import torch
    import mmrotate_dal  # noqa: F401
    from mmrotate_dal.benchmarks import gpu_check as gc
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        sys.exit('gpu_check: no CUDA device visible to torch (use --device cpu --quick to test '
                 'the script itself)')
    configs = gc.SMALL_CONFIGS if args.quick else gc.DOTA_CONFIGS
    configs = [osp.join(REPO, 'configs', c) for c in configs]
    img = 256 if args.quick else 1024
    report = [f'## gpu_check on {machine(device)}, {time.strftime("%Y-%m-%d")}',
              f'command: `python tools/gpu_check.py {" ".join(argv or sys.argv[1:])}`', '']
    failures = 0

    def emit(section, rows):
        nonlocal failures
        failures += sum(1 for r in rows if r.get('ok') is False)
        text = gc.markdown(section, rows)
        print(text, flush=True)
        report.append(text)

    start = time.time()
    if 'ops' in args.section_list:
        emit('mmcv rotated ops', gc.check_ops(device))
    if 'parity' in args.section_list:
        emit('CPU vs device assignments', gc.check_parity(
            device, *((256, 20) if args.quick else (1024, 100))))
    if 'amp' in args.section_list:
        rows = []
        for c in configs:
            r = gc.amp_steps(c, device, (0, 5) if args.quick else (0, 20, 500),
                             steps=2 if args.quick else 20, img_size=img)
            rows.append(dict(config=osp.relpath(c, REPO), ok=r['ok'],
                             losses=' '.join(f"{x['loss']:.3g}" for x in r['losses'][:6]),
                             loss_scale=r.get('loss_scale'), detections=r.get('detections'),
                             error=r.get('error', '')))
        emit('training steps (AMP on CUDA) and test_step', rows)
    if 'ddp' in args.section_list:
        rows = []
        for c in configs[1::2] if not args.quick else configs[1:]:
            r = gc.ddp_without_gt(c, device, img_size=img if args.quick else 512)
            rows.append(dict(config=osp.relpath(c, REPO), ok=r['ok'], losses=r.get('losses'),
                             params_equal=r.get('params_equal'), error=r.get('error', '')))
        emit('2-rank DDP, rank 1 without GT', rows)
    if 'timing' in args.section_list:
        sizes = dict(anchor_counts=(4092, ), gt_counts=(5, 50), repeat=1) if args.quick else \
            dict(anchor_counts=(65472, 196416), gt_counts=(10, 100, 1000, 2000))
        rows = gc.assignment_timing(device, dense_max_pairs=None if args.quick else 400_000_000,
                                    **sizes)
        for r in rows:
            r['ok'] = r.get('identical', True)
        emit('assignment per image: dense vs sparse IoU path', rows)
    report.append(f'{time.time() - start:.0f} s in total; {failures} failed checks')
    print(report[-1])
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write('\n'.join(report) + '\n')
        print(f'wrote {args.out}')
    return failures


if __name__ == '__main__':
    sys.exit(1 if main() else 0)
