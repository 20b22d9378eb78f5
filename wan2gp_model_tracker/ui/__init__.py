"""The tab's logic without Gradio, and the standalone app."""
