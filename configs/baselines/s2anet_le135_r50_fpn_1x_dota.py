# Upstream MMRotate 1.x S2A-Net le135, unchanged: DOTA-v1.0 test-server mAP 73.91.
_base_ = 'mmrotate::s2anet/s2anet-le135_r50_fpn_1x_dota.py'
custom_imports = dict(imports=['mmrotate_dal'], allow_failed_imports=False)
