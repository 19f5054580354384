"""Reports a person reads: the self-contained HTML assessment report."""
from .html import render_assessment, write_assessment

__all__ = ["render_assessment", "write_assessment"]
