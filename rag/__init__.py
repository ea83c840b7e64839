"""Offline, cited question answering over one report: load → chunk → embed → index → retrieve → answer."""
from .config import Config
from .pipeline import Pipeline

__all__ = ["Config", "Pipeline"]
