"""Adapters that turn workbook files (or grids of cells) into reports."""
