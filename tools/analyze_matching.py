#!/usr/bin/env python
"""DAL's matching analysis of a checkpoint (paper: 74% / 58%; dal.md section 6.2).

    python tools/analyze_matching.py CONFIG CHECKPOINT [--data DIR] [--split train] [--out DIR]
    python tools/analyze_matching.py CFG_A CKPT_A --compare CFG_B CKPT_B   # side by side

Per anchor of each image (val pipeline, no augmentation): input IoU = max rotated IoU of the anchor
with the GTs; output IoU = rotated IoU of its decoded prediction with its assigned GT (positives)
or its input-IoU argmax GT (others), and max over GTs for "high-quality prediction"; positives and
negatives from the config's own train_cfg.assigner on the current predictions; score = max class
probability. Reported:
  pos_hq_share@t       share of positive anchors with output IoU > t      (paper: 74% at 0.5)
  hq_from_neg_share@t  share of predictions with output IoU > t whose anchor was negative (58%)
  pearson/spearman     correlation of the score with input IoU and with output IoU, over anchors
                       that overlap some GT (input or output IoU > 0)
Writes matching.json and matching.png (input vs output IoU histogram, score vs output IoU).
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import json
import os
import os.path as osp


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--compare', nargs=2, metavar=('CONFIG', 'CHECKPOINT'),
                        help='a second checkpoint analysed the same way')
    parser.add_argument('--data', help='DOTA-format root (default: the config data_root)')
    parser.add_argument('--split', default='train', help='folder under the data root')
    parser.add_argument('--max-images', type=int, default=None)
    parser.add_argument('--out', default=osp.join('work_dirs', 'analyze_matching'))
    return parser.parse_args(argv)


def analyze(config, checkpoint, data=None, split='train', max_images=None):
    import mmrotate_dal  # noqa: F401
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner, load_checkpoint
    from mmrotate.registry import MODELS
    from mmrotate_dal.analysis import collect_anchor_records, matching_statistics
    from mmrotate_dal.apis import load_config

    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
    cfg = load_config(config, data_root=data)
    loader = cfg.val_dataloader
    loader.dataset.ann_file = f'{split}/labelTxt/'
    loader.dataset.data_prefix = dict(img_path=f'{split}/images/')
    loader.num_workers, loader.persistent_workers, loader.batch_size = 0, False, 2
    with DefaultScope.overwrite_default_scope('mmrotate'):
        model = MODELS.build(cfg.model)
        load_checkpoint(model, checkpoint, map_location='cpu')
        records = collect_anchor_records(model, Runner.build_dataloader(loader), max_images)
    return records, matching_statistics(records)


def main(argv=None):
    args = parse_args(argv)
    from mmrotate_dal.analysis import plot_matching
    runs = [(args.config, args.checkpoint)] + ([tuple(args.compare)] if args.compare else [])
    os.makedirs(args.out, exist_ok=True)
    records, stats = {}, {}
    for config, ckpt in runs:
        name = osp.splitext(osp.basename(config))[0]
        records[name], stats[name] = analyze(config, ckpt, args.data, args.split,
                                             args.max_images)
    keys = [k for k in next(iter(stats.values()))]
    print('| statistic | ' + ' | '.join(stats) + ' |')
    print('|---|' + '---:|' * len(stats))
    for k in keys:
        vals = [stats[n][k] for n in stats]
        fmt = [f'{v:.3f}' if isinstance(v, float) else str(v) for v in vals]
        print(f'| {k} | ' + ' | '.join(fmt) + ' |')
    with open(osp.join(args.out, 'matching.json'), 'w') as f:
        json.dump(dict(split=args.split, runs=[dict(config=c, checkpoint=k) for c, k in runs],
                       statistics=stats), f, indent=2)
    plot_matching(records, osp.join(args.out, 'matching.png'))
    print(f'wrote {args.out}/matching.json and matching.png')
    return stats


if __name__ == '__main__':
    main()
