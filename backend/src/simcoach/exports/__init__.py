"""Session exports: frames and laps as CSV and Parquet, and a machine-learning dataset, read a page at a time.

Exports only read the store (``Store.session_frames``, ``Store.laps``); the
store knows nothing of them. docs/exports.md says how to read each one.
"""
