#!/usr/bin/env python
"""Write the synthetic DOTA-format set (see mmrotate_dal/datasets/synthetic.py).

    python tools/make_synthetic_dota.py data/synthetic_dota --train 200 --val 40 --size 256 --seed 0
    python tools/make_synthetic_dota.py data/synthetic_dota_full --full-size 1500,3000 --train 4 --val 2 --test 2

--full-size MIN,MAX writes full-size scenes as a DOTA download has them (image sides in [MIN, MAX],
the 256 px set's object sizes and density, label files with imagesource:/gsd: headers, an unlabelled
test/ split): the input of tools/split_dota.py.
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir', nargs='?', default='data/synthetic_dota')
    parser.add_argument('--train', type=int, default=200, help='training images')
    parser.add_argument('--val', type=int, default=40, help='validation images')
    parser.add_argument('--size', type=int, default=256, help='image size in pixels')
    parser.add_argument('--min-objects', type=int, default=8)
    parser.add_argument('--max-objects', type=int, default=30)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--full-size', metavar='MIN,MAX',
                        help='full-size scenes with sides in [MIN, MAX] px (see above)')
    parser.add_argument('--test', type=int, default=2, help='test images (--full-size only)')
    parser.add_argument('--object-scale', type=float, default=1.0,
                        help='multiplies every object size (default 1: median sqrt(area) ~16 px '
                        'at 256 px; see make_synthetic_dota for the per-class ranges)')
    args = parser.parse_args(argv)
    if args.full_size:
        from mmrotate_dal.datasets import make_synthetic_dota_fullsize
        try:
            low, high = (int(v) for v in args.full_size.split(','))
        except ValueError:
            parser.error(f'--full-size takes MIN,MAX in pixels, got {args.full_size!r}')
        counts = make_synthetic_dota_fullsize(
            args.out_dir, dict(train=args.train, val=args.val, test=args.test), (low, high),
            (args.min_objects, args.max_objects), args.seed)
        print(f'wrote full-size scenes to {args.out_dir}: {counts}')
        return counts
    from mmrotate_dal.datasets import make_synthetic_dota
    counts = make_synthetic_dota(args.out_dir, args.train, args.val, args.size, args.min_objects,
                                 args.max_objects, args.seed, args.object_scale)
    print(f'wrote {args.train} train images ({counts["train"]} objects) and {args.val} val '
          f'images ({counts["val"]} objects) to {args.out_dir}')


if __name__ == '__main__':
    main()
