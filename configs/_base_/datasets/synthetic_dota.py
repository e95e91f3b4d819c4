# The synthetic DOTA-format set made by `tools/make_synthetic_dota.py` (default: data/synthetic_dota).
# DOTALabelDataset is MMRotate's DOTADataset with a label reader that also accepts full-size DOTA
# files (imagesource:/gsd: headers) and names a bad file/line; only the class list differs from
# DOTA-v1.0.
dataset_type = 'DOTALabelDataset'
data_root = 'data/synthetic_dota/'
metainfo = dict(classes=('small-vehicle', 'large-vehicle', 'ship', 'bridge'))
img_scale = (256, 256)
backend_args = None

train_pipeline = [
    dict(type='mmdet.LoadImageFromFile', backend_args=backend_args),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, box_type='qbox'),
    dict(type='ConvertBoxType', box_type_mapping=dict(gt_bboxes='rbox')),
    dict(type='mmdet.Resize', scale=img_scale, keep_ratio=True),
    dict(type='mmdet.RandomFlip', prob=0.75, direction=['horizontal', 'vertical', 'diagonal']),
    dict(type='mmdet.PackDetInputs')
]
val_pipeline = [
    dict(type='mmdet.LoadImageFromFile', backend_args=backend_args),
    dict(type='mmdet.Resize', scale=img_scale, keep_ratio=True),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, box_type='qbox'),
    dict(type='ConvertBoxType', box_type_mapping=dict(gt_bboxes='rbox')),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=None,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='train/labelTxt/',
        data_prefix=dict(img_path='train/images/'),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='val/labelTxt/',
        data_prefix=dict(img_path='val/images/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

# DOTAMetric's AP at IoU 0.50, 0.55, ..., 0.95 (reported as AP50 ... AP95) and their mean, the
# COCO-style mAP. ThreadedDOTAMetric gives DOTAMetric's numbers without its per-threshold process pool.
val_evaluator = dict(
    type='ThreadedDOTAMetric', metric='mAP', iou_thrs=[0.5 + 0.05 * i for i in range(10)])
test_evaluator = val_evaluator
