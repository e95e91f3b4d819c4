from .tan_angle_coder import DeltaXYWHTanRBBoxCoder, min_angle_form

__all__ = ['DeltaXYWHTanRBBoxCoder', 'min_angle_form']
