#!/usr/bin/env python
"""Split full-size DOTA images into patches with MMRotate's own img_split.py (standard presets).

    python tools/split_dota.py data/DOTA data/split_ss_dota                 # single scale 1024/200
    python tools/split_dota.py data/DOTA data/split_ms_dota --preset ms     # rates 0.5/1.0/1.5, gap 500
    python tools/split_dota.py data/DOTA data/split_ss_dota --subsets test  # the test set only

Input: a DOTA download, <root>/{train,val}/{images,labelTxt} and <root>/test/images. Output:
MMRotate's layout, <out>/{trainval,test}/{images,annfiles}, which the DOTA-scale configs
(configs/*/..._dota.py) read unchanged. Prints how many patches and objects each subset got, and
the images without labels and labels without images it found. Refuses a missing input and an
output subset folder that exists already.
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import sys


def parse_args(argv=None):
    from mmrotate_dal.apis.dota_split import PRESETS, SUBSETS
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='DOTA root with train/, val/ and test/')
    parser.add_argument('out', help='output root, e.g. data/split_ss_dota')
    parser.add_argument('--preset', default='ss', choices=sorted(PRESETS))
    parser.add_argument('--subsets', default='trainval,test',
                        help=f'comma-separated, from {",".join(SUBSETS)} (default trainval,test)')
    parser.add_argument('--sizes', type=int, nargs='+', help="replace the preset's window sizes")
    parser.add_argument('--gaps', type=int, nargs='+', help="replace the preset's gaps")
    parser.add_argument('--nproc', type=int, default=2, help='worker processes (default 2)')
    args = parser.parse_args(argv)
    args.subset_list = [s.strip() for s in args.subsets.split(',') if s.strip()]
    return args


def main(argv=None):
    args = parse_args(argv)
    from mmrotate_dal.apis.dota_split import split_dota
    try:
        report = split_dota(args.src, args.out, args.preset, args.subset_list, args.sizes,
                            args.gaps, args.nproc)
    except (FileNotFoundError, FileExistsError, ValueError, RuntimeError) as err:
        sys.exit(f'split_dota: {err}')
    return report


if __name__ == '__main__':
    main()
