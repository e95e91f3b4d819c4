"""MMRotate's ``DOTADataset`` reading labels through :func:`read_dota_labels`."""
import glob
import os.path as osp
from typing import List

from mmrotate.datasets import DOTADataset
from mmrotate.registry import DATASETS

from .dota_labels import read_dota_labels


@DATASETS.register_module()
class DOTALabelDataset(DOTADataset):
    """``DOTADataset`` that also reads full-size DOTA label files.

    Upstream's ``load_data_list`` fails on the ``imagesource:``/``gsd:`` header lines of
    full-size DOTA files (``ValueError: could not convert string to float``) and on a class
    name missing from ``metainfo`` (a bare ``KeyError``). This subclass parses each file with
    :func:`read_dota_labels` (headers and a missing difficulty field accepted) and names the file
    and the unknown class in its error.
    Files are read in sorted order (upstream: the file system's listing order), so the index of
    an image, and with a seed the sampling order, is the same on every machine. Everything else
    (``diff_thr``, ``img_suffix``, ``ann_file=''`` for unlabelled images, the data-info keys) is
    upstream's. The package's dataset configs use it; with ``--data`` the tools switch a
    config's ``DOTADataset`` to it.
    """

    def load_data_list(self) -> List[dict]:
        """Load every ``*.txt`` in ``ann_file`` into MMRotate's data-info dicts.

        Returns:
            list[dict]: one dict per label file with ``img_id``, ``file_name``, ``img_path`` and
            ``instances`` (``bbox`` as 8 floats, ``bbox_label``, ``ignore_flag``).
        """
        if self.ann_file == '':
            return super().load_data_list()
        cls_map = {c: i for i, c in enumerate(self.metainfo['classes'])}
        txt_files = sorted(glob.glob(osp.join(self.ann_file, '*.txt')))
        if not txt_files:
            raise ValueError(f'There is no txt file in {self.ann_file}')
        data_list = []
        for txt_file in txt_files:
            img_id = osp.split(txt_file)[1][:-4]
            img_name = f'{img_id}.{self.img_suffix}'
            labels = read_dota_labels(txt_file)
            unknown = sorted(set(labels.names) - set(cls_map))
            if unknown:
                raise ValueError(f'{txt_file}: class(es) {unknown} are not in the dataset\'s '
                                 f'classes {tuple(cls_map)}; set metainfo=dict(classes=...)')
            instances = [
                dict(bbox=[float(v) for v in poly], bbox_label=cls_map[name],
                     ignore_flag=int(diff > self.diff_thr))
                for poly, name, diff in zip(labels.polys, labels.names, labels.difficulties)]
            data_list.append(dict(img_id=img_id, file_name=img_name,
                                  img_path=osp.join(self.data_prefix['img_path'], img_name),
                                  instances=instances))
        return data_list
