"""Fetching what a model needs: Hub metadata and exact sizes, the download queue, reuse of copies on disk."""
