"""Measurement helpers shared by the benchmark tools (not imported by ``mmrotate_dal``)."""
