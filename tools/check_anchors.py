#!/usr/bin/env python
"""Pre-check (no training): do a config's anchors fit the data's objects, per class?

    python tools/check_anchors.py CONFIG [--data DIR] [--split train] [--max-images N] [--out F]

For every GT of the split (the config's validation pipeline, no augmentation) it reports:
  best IoU           the best rotated IoU any anchor reaches (p10 / median / p90, shares >= t)
  DAL-reachable      share of GTs with an anchor whose input IoU can reach DAL's positive
                     threshold for some output IoU at the final alpha (the config's DALAssigner
                     settings, else alpha 0.3, gamma 5, md 0.6: input IoU >= 0.257)
  positives per GT   under the config's own assigner and the references max-IoU 0.5/0.4 (all
                     tied anchors / one forced), ATSS top-9 and DAL with untrained predictions
                     (prediction = anchor, so fa = sa); with the share of GTs left without any
This is the check that shows, before any training, that RetinaNet's upstream anchors (32-51 px at
P3) cannot reach IoU 0.5 for most 16 px objects.
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
    parser.add_argument('--data', help='DOTA-format root (default: the config data_root)')
    parser.add_argument('--split', default='train', help='folder under the data root')
    parser.add_argument('--max-images', type=int, default=None)
    parser.add_argument('--out', help='also write the statistics to this JSON file')
    return parser.parse_args(argv)


def head_cfg(model_cfg):
    for key in ('bbox_head', 'bbox_head_init'):
        if model_cfg.get(key) is not None and 'anchor_generator' in model_cfg[key]:
            return model_cfg[key]
    raise ValueError('the config has no anchor head (bbox_head.anchor_generator)')


def check(config, data=None, split='train', max_images=None):
    import mmrotate_dal  # noqa: F401
    from mmengine.registry import DefaultScope, init_default_scope
    from mmrotate.registry import DATASETS, TASK_UTILS
    from mmrotate_dal.analysis import (REFERENCE_ASSIGNERS, anchor_fit_summary,
                                       collect_anchor_fit, min_reachable_input_iou)
    from mmrotate_dal.apis import load_config

    cfg = load_config(config, data_root=data)
    dataset_cfg = cfg.val_dataloader.dataset
    dataset_cfg.ann_file = f'{split}/labelTxt/'
    dataset_cfg.data_prefix = dict(img_path=f'{split}/images/')
    head = head_cfg(cfg.model)
    train_cfg = cfg.model.get('train_cfg') or {}
    own = train_cfg.get('assigner')
    with DefaultScope.overwrite_default_scope('mmrotate'):
        init_default_scope('mmrotate')
        dataset = DATASETS.build(dataset_cfg)
        classes = list(dataset.metainfo['classes'])
        generator = TASK_UTILS.build(head.anchor_generator)
        assigners = {}
        if own is not None:
            assigners[f'config: {own["type"]}'] = TASK_UTILS.build(own)
        assigners.update({k: TASK_UTILS.build(v) for k, v in REFERENCE_ASSIGNERS.items()})
        for topk in (13, 39):  # RTMDet's DSL on these anchors (its strides from the generator)
            assigners[f'DSL top-{topk} (untrained: logits 0, fa = sa)'] = TASK_UTILS.build(
                dict(type='AnchorDSLAssigner', strides=list(generator.strides), topk=topk))
        dal = own if own is not None and own['type'] == 'DALAssigner' else {}
        min_iou = min_reachable_input_iou(dal.get('alpha', 0.3), dal.get('gamma', 5.0),
                                          dal.get('pos_iou_thr', 0.6), dal.get('use_abs', True))

        def samples():
            for i in range(len(dataset)):
                item = dataset[i]['data_samples']
                yield item.metainfo['img_shape'], item.gt_instances

        pad = cfg.model.get('data_preprocessor', {}).get('pad_size_divisor', 1)
        records = collect_anchor_fit(generator, assigners, samples(), len(classes), max_images,
                                     pad)
    # base anchors are horizontal (x1, y1, x2, y2) per level: their sqrt(area) range
    sizes = [((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])).sqrt() for b in generator.base_anchors]
    anchor_sizes = [(float(s.min()), float(s.max())) for s in sizes]
    summary = anchor_fit_summary(records, classes, min_iou)
    return dict(config=config, split=split, dal_min_input_iou=min_iou,
                anchor_sqrt_area_per_level=anchor_sizes, summary=summary)


def print_report(stats):
    summary = stats['summary']
    groups = list(summary)
    levels = ', '.join(f'{lo:.0f}-{hi:.0f}' if hi - lo > 0.5 else f'{lo:.0f}'
                       for lo, hi in stats['anchor_sqrt_area_per_level'])
    print(f"anchors of {stats['config']} on the {stats['split']} split: sqrt(area) per level "
          f"{levels} px; DAL needs input IoU >= {stats['dal_min_input_iou']:.3f} to ever reach "
          "its positive threshold")
    print('| statistic | ' + ' | '.join(groups) + ' |')
    print('|---|' + '---:|' * len(groups))
    for key in summary['all']:
        vals = [summary[g].get(key) for g in groups]
        fmt = ['-' if v is None else (str(v) if isinstance(v, int) else f'{v:.2f}')
               for v in vals]
        print(f'| {key} | ' + ' | '.join(fmt) + ' |')


def main(argv=None):
    args = parse_args(argv)
    stats = check(args.config, args.data, args.split, args.max_images)
    print_report(stats)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(stats, f, indent=2)
        print(f'wrote {args.out}')
    return stats


if __name__ == '__main__':
    main()
