# Upstream MMRotate 1.x rotated RetinaNet on HRSC2016 (le90, 6x, random rotation), unchanged:
# mAP 52.06 / AP50 84.80 / AP75 58.10 in MMRotate's model zoo. Data under data/hrsc/.
_base_ = 'mmrotate::rotated_retinanet/rotated-retinanet-rbox-le90_r50_fpn_rr-6x_hrsc.py'
custom_imports = dict(imports=['mmrotate_dal'], allow_failed_imports=False)
