"""Tabular files: readers and writers for CSV, XLSX and JSON Lines, with bilingual header labels."""
