from .threaded_dota_metric import ThreadedDOTAMetric

__all__ = ['ThreadedDOTAMetric']
