"""Kechuang (科创): the open platform of a science-and-technology innovation center."""

__version__ = "0.1.0"
