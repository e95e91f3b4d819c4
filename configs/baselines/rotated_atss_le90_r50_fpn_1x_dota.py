# Upstream MMRotate 1.x rotated ATSS le90, unchanged: DOTA-v1.0 mAP 70.64 (0.x model zoo).
# Its RotatedIoULoss uses mmcv's diff_iou_rotated_2d, which has no CPU kernel: train it on CUDA.
_base_ = 'mmrotate::rotated_atss/rotated-atss-le90_r50_fpn_1x_dota.py'
custom_imports = dict(imports=['mmrotate_dal'], allow_failed_imports=False)
