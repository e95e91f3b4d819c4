"""Splitting full-size DOTA images into patches with MMRotate's own ``img_split.py``.

MMRotate 1.x ships ``tools/data/dota/split/img_split.py`` in its wheel (under ``mmrotate/.mim``)
but not the ``split_configs/*.json`` presets it is normally run with. :func:`split_dota` runs that
script (no rewrite) with the standard presets, after checking the input, and reports what it wrote
in MMRotate's layout ``<out>/{trainval,test}/{images,annfiles}``, which the DOTA-scale configs
read unchanged.
"""
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

# MMRotate's split_configs: single scale 1024/200; multi-scale rates 0.5/1.0/1.5 with gap 500
PRESETS = {
    'ss': dict(sizes=[1024], gaps=[200], rates=[1.0]),
    'ms': dict(sizes=[1024], gaps=[500], rates=[0.5, 1.0, 1.5]),
}
# subset written -> source splits of a DOTA download that feed it
SUBSETS = {'trainval': ('train', 'val'), 'train': ('train', ), 'val': ('val', ), 'test': ('test', )}
IMAGE_EXTS = ('.jpg', '.JPG', '.png', '.tif', '.bmp')  # what img_split.py reads
PADDING_VALUE = (104, 116, 124)  # the presets' padding (ImageNet mean, BGR)


def img_split_script() -> str:
    """Path of MMRotate's ``img_split.py`` in the installed wheel."""
    import mmrotate
    path = osp.join(osp.dirname(mmrotate.__file__), '.mim', 'tools', 'data', 'dota', 'split',
                    'img_split.py')
    if not osp.isfile(path):
        raise FileNotFoundError(f'MMRotate\'s img_split.py is not in the installed package '
                                f'({path}); install an MMRotate 1.x wheel that ships .mim/tools')
    return path


def check_sources(src_root: str, splits: Sequence[str]) -> Dict[str, Dict]:
    """Each source split's image and label folders, and the files without a partner.

    Args:
        src_root (str): a DOTA download: ``<split>/images`` and ``<split>/labelTxt``.
        splits (Sequence[str]): source splits to check (those absent are left out).

    Returns:
        dict: split -> ``images`` (folder), ``labels`` (folder or None), ``num_images``,
        ``images_without_labels`` and ``labels_without_images`` (sorted stems).
    """
    found = {}
    for split in splits:
        img_dir = osp.join(src_root, split, 'images')
        if not osp.isdir(img_dir):
            continue
        ann_dir = osp.join(src_root, split, 'labelTxt')
        ann_dir = ann_dir if osp.isdir(ann_dir) else None
        images = {osp.splitext(f)[0] for f in os.listdir(img_dir)
                  if osp.splitext(f)[1] in IMAGE_EXTS}
        labels = set() if ann_dir is None else {
            osp.splitext(f)[0] for f in os.listdir(ann_dir) if f.endswith('.txt')}
        found[split] = dict(
            images=img_dir, labels=ann_dir, num_images=len(images),
            images_without_labels=sorted(images - labels) if ann_dir else [],
            labels_without_images=sorted(labels - images))
    return found


def count_patches(subset_dir: str) -> Dict[str, int]:
    """Patches (image files) and objects (label lines) in an ``{images,annfiles}`` folder."""
    patches = len(os.listdir(osp.join(subset_dir, 'images')))
    objects = 0
    ann_dir = osp.join(subset_dir, 'annfiles')
    for name in os.listdir(ann_dir):
        with open(osp.join(ann_dir, name)) as f:
            objects += sum(1 for line in f if len(line.split()) >= 9)
    return dict(patches=patches, objects=objects)


def split_dota(src_root: str,
               out_root: str,
               preset: str = 'ss',
               subsets: Sequence[str] = ('trainval', 'test'),
               sizes: Optional[List[int]] = None,
               gaps: Optional[List[int]] = None,
               nproc: int = 2,
               save_ext: str = '.png',
               log=print) -> Dict[str, Dict]:
    """Split a DOTA download into patches with MMRotate's ``img_split.py``.

    Args:
        src_root (str): the download: ``train/``, ``val/`` (images + labelTxt) and ``test/``
            (images; labels optional).
        out_root (str): output root, e.g. ``data/split_ss_dota``; each subset goes to
            ``<out_root>/<subset>/{images,annfiles}``, which must not exist yet.
        preset (str): ``'ss'`` (1024/200) or ``'ms'`` (rates 0.5/1.0/1.5, gap 500).
        subsets (Sequence[str]): from ``trainval`` (train + val), ``train``, ``val``, ``test``.
        sizes, gaps (list[int], optional): replace the preset's window sizes and gaps.
        nproc (int): worker processes of the script.
        save_ext (str): image format of the patches.
        log (callable): where progress lines go.

    Returns:
        dict: subset -> ``patches``, ``objects``, ``images`` (full-size images read),
        ``seconds``, ``images_without_labels``, ``labels_without_images``.

    Raises:
        ValueError: unknown preset or subset, sizes/gaps of different lengths.
        FileNotFoundError: a subset without any source image folder.
        FileExistsError: an output subset folder that exists already.
    """
    if preset not in PRESETS:
        raise ValueError(f'unknown preset {preset!r}; choose from {sorted(PRESETS)}')
    unknown = [s for s in subsets if s not in SUBSETS]
    if unknown:
        raise ValueError(f'unknown subsets {unknown}; choose from {sorted(SUBSETS)}')
    params = dict(PRESETS[preset])
    if sizes is not None:
        params['sizes'] = list(sizes)
    if gaps is not None:
        params['gaps'] = list(gaps)
    if len(params['sizes']) != len(params['gaps']):
        raise ValueError(f'sizes {params["sizes"]} and gaps {params["gaps"]} need the same length')
    if not osp.isdir(src_root):
        raise FileNotFoundError(f'DOTA root not found: {src_root}')
    plan = {}
    for subset in subsets:
        sources = check_sources(src_root, SUBSETS[subset])
        if not sources:
            wanted = ', '.join(f'{src_root}/{s}/images' for s in SUBSETS[subset])
            raise FileNotFoundError(f'no images for subset {subset!r}: expected {wanted}')
        out = osp.join(out_root, subset)
        if osp.exists(out):
            raise FileExistsError(f'{out} exists already: remove it or choose another output root '
                                  '(img_split.py never overwrites a split)')
        plan[subset] = (sources, out)
    script = img_split_script()
    report = {}
    for subset, (sources, out) in plan.items():
        for split, info in sources.items():
            if info['images_without_labels']:
                log(f'  {split}: {len(info["images_without_labels"])} image(s) without a label file '
                    f'(split with no objects), e.g. {info["images_without_labels"][:3]}')
            if info['labels_without_images']:
                log(f'  {split}: {len(info["labels_without_images"])} label file(s) without an '
                    f'image (not split), e.g. {info["labels_without_images"][:3]}')
        labelled = [info for info in sources.values() if info['labels'] is not None]
        cmd = [sys.executable, script, '--img-dirs', *[i['images'] for i in sources.values()]]
        if len(labelled) == len(sources):  # img_split.py takes labels for all folders or none
            cmd += ['--ann-dirs', *[i['labels'] for i in sources.values()]]
        cmd += ['--sizes', *map(str, params['sizes']), '--gaps', *map(str, params['gaps']),
                '--rates', *map(str, params['rates']), '--padding-value',
                *map(str, PADDING_VALUE), '--save-dir', out, '--save-ext', save_ext,
                '--nproc', str(nproc)]
        num = sum(i['num_images'] for i in sources.values())
        log(f'splitting {subset}: {num} image(s) from {", ".join(sources)} -> {out} '
            f'(sizes {params["sizes"]}, gaps {params["gaps"]}, rates {params["rates"]})')
        start = time.time()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f'img_split.py failed on {subset} (exit {proc.returncode}):\n'
                               f'{proc.stdout[-3000:]}')
        counts = count_patches(out)
        report[subset] = dict(
            counts, images=num, seconds=round(time.time() - start, 1),
            images_without_labels=sum(len(i['images_without_labels'])
                                      for i in sources.values()),
            labels_without_images=sum(len(i['labels_without_images'])
                                      for i in sources.values()))
        log(f'  wrote {counts["patches"]} patches with {counts["objects"]} objects in '
            f'{report[subset]["seconds"]:.0f} s')
    return report
