"""Reports for auditors: one data model, several renderings (table, JSON, CSV, HTML, Markdown)."""

from __future__ import annotations
