"""Saved reports: who may read and change which (`store`)."""
