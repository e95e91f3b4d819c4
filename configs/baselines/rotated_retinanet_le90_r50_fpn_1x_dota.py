# Upstream MMRotate 1.x rotated RetinaNet (rbox, le90, max-IoU assignment), unchanged: DOTA-v1.0
# test-server mAP 68.42 in MMRotate's model zoo. Data under data/split_ss_dota/ (img_split.py).
_base_ = 'mmrotate::rotated_retinanet/rotated-retinanet-rbox-le90_r50_fpn_1x_dota.py'
custom_imports = dict(imports=['mmrotate_dal'], allow_failed_imports=False)
