from .dota_label_dataset import DOTALabelDataset
from .dota_labels import DOTALabels, read_dota_labels
from .synthetic import SYNTHETIC_CLASSES, make_synthetic_dota, make_synthetic_dota_fullsize

__all__ = ['DOTALabelDataset', 'DOTALabels', 'SYNTHETIC_CLASSES', 'make_synthetic_dota',
           'make_synthetic_dota_fullsize',
           'read_dota_labels']
