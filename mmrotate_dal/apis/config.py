"""Loading configs for the tools: one place for data-root, iteration and work-dir overrides."""
import os.path as osp
from typing import Optional

from mmengine.config import Config


def load_config(path: str,
                work_dir: Optional[str] = None,
                cfg_options: Optional[dict] = None,
                data_root: Optional[str] = None,
                iters: Optional[int] = None,
                seed: Optional[int] = None) -> Config:
    """Read a config and apply the command-line overrides the tools share.

    Args:
        path (str): config file.
        work_dir (str, optional): output folder; default ``work_dirs/<config name>``.
        cfg_options (dict, optional): ``--cfg-options`` key/values, merged last.
        data_root (str, optional): DOTA-format root replacing every dataloader's ``data_root``;
            a dataloader using MMRotate's ``DOTADataset`` is switched to
            :class:`~mmrotate_dal.datasets.DOTALabelDataset`, which also reads full-size DOTA
            label files (``imagesource:``/``gsd:`` headers).
        iters (int, optional): new length of an iteration-based schedule; LR scheduler
            milestones/ends and checkpoint/validation intervals are rescaled with it.
        seed (int, optional): random seed.

    Returns:
        Config: the merged config.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file not found: {path}')
    cfg = Config.fromfile(path)
    if data_root is not None:
        if not osp.isdir(data_root):
            raise FileNotFoundError(f'data root not found: {data_root}')
        data_root = osp.join(data_root, '')
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            if cfg.get(key) is not None:
                dataset = _dataset(cfg[key])
                dataset['data_root'] = data_root
                if dataset.get('type') in ('DOTADataset', 'mmrotate.DOTADataset'):
                    dataset['type'] = 'DOTALabelDataset'
    if iters is not None:
        set_max_iters(cfg, iters)
    if seed is not None:
        cfg.randomness = dict(seed=seed)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg


def dota_class_names(data_root: str, split: str = 'train') -> tuple:
    """Sorted class names found in a DOTA-format split's ``labelTxt/*.txt`` files.

    Files are read by :func:`~mmrotate_dal.datasets.read_dota_labels`: full-size DOTA's
    ``imagesource:``/``gsd:`` headers are accepted, a malformed line is a ``ValueError`` naming
    the file and line.
    """
    import glob

    from mmrotate_dal.datasets.dota_labels import read_dota_labels
    names = set()
    for path in glob.glob(osp.join(data_root, split, 'labelTxt', '*.txt')):
        names.update(read_dota_labels(path).names)
    if not names:
        raise ValueError(f'no labelled objects in {osp.join(data_root, split, "labelTxt")}')
    return tuple(sorted(names))


def set_classes(cfg: Config, classes: tuple) -> None:
    """Use ``classes`` in every dataloader's ``metainfo`` and as every head's ``num_classes``."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key) is not None:
            _dataset(cfg[key])['metainfo'] = dict(classes=tuple(classes))
    heads = [cfg.model.get(k) for k in ('bbox_head', 'bbox_head_init')]
    heads += list(cfg.model.get('bbox_head_refine') or [])
    for head in heads:
        if head is not None:
            head['num_classes'] = len(classes)


def _dataset(loader_cfg):
    dataset = loader_cfg['dataset']
    while 'dataset' in dataset:  # wrappers such as RepeatDataset
        dataset = dataset['dataset']
    return dataset


def set_max_iters(cfg: Config, iters: int) -> None:
    """Shorten or lengthen an ``IterBasedTrainLoop`` schedule to ``iters`` iterations.

    Iteration-based LR schedulers keep their shape: ``begin``/``end``/``milestones`` are scaled by
    ``iters / old_iters`` (warm-up ends included, at least 1 iteration). Validation and checkpoint
    intervals equal to the old length become the new length; shorter ones are scaled too, so a
    config that validates at every quarter of training still does.

    Args:
        cfg (Config): config with ``train_cfg.type == 'IterBasedTrainLoop'``.
        iters (int): new number of iterations (> 0).
    """
    if iters <= 0:
        raise ValueError(f'iters must be > 0, got {iters}')
    train_cfg = cfg.get('train_cfg') or {}
    if train_cfg.get('type') != 'IterBasedTrainLoop':
        raise ValueError('--iters needs an IterBasedTrainLoop config (the CPU-small configs); '
                         f'this one uses {train_cfg.get("type")!r}')
    old = train_cfg['max_iters']
    scale = iters / old

    def rescale(value):
        return max(1, int(round(value * scale))) if value else value

    train_cfg['max_iters'] = iters
    interval = train_cfg.get('val_interval', old)
    train_cfg['val_interval'] = iters if interval >= old else min(rescale(interval), iters)
    schedulers = cfg.get('param_scheduler') or []
    for sched in (schedulers if isinstance(schedulers, list) else [schedulers]):
        if sched.get('by_epoch', True):
            continue
        for key in ('begin', 'end', 'T_max'):
            if key in sched:
                sched[key] = min(rescale(sched[key]), iters)
        if 'milestones' in sched:
            sched['milestones'] = [rescale(m) for m in sched['milestones']]
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint')
    if checkpoint is not None:
        interval = checkpoint.get('interval', old)
        checkpoint['interval'] = iters if interval >= old else min(rescale(interval), iters)


def drop_pretrained(cfg: Config) -> int:
    """Remove every ``init_cfg`` that loads weights (``type='Pretrained'``) from ``cfg.model``.

    DOTA-scale configs start from torchvision's ImageNet ResNet-50, which a machine without
    internet access cannot download: with this the model is randomly initialised instead (for
    checks and timing, not for accuracy).

    Returns:
        int: how many were removed.
    """
    removed = 0

    def visit(node):
        nonlocal removed
        if isinstance(node, dict):
            init = node.get('init_cfg')
            if isinstance(init, dict) and init.get('type') == 'Pretrained':
                node['init_cfg'] = None
                removed += 1
            for value in node.values():
                visit(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value)

    visit(cfg.model)
    return removed
