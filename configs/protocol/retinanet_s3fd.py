# Protocol, RetinaNet family (assignment table): S3FD's scale compensation anchor matching.
# Against ./retinanet_maxiou.py only the assigner changes: max-IoU at 0.35 with each GT's best
# anchor forced (stage 1), then every GT with fewer positives than the image's average takes its
# best remaining anchors with IoU >= 0.1 (stage 2; S3FDAssigner documents each rule's source).
_base_ = './retinanet_maxiou.py'
model = dict(
    train_cfg=dict(
        assigner=dict(
            _delete_=True,
            type='S3FDAssigner',
            pos_iou_thr=0.35,
            neg_iou_thr=0.35,
            min_comp_iou=0.1)))
