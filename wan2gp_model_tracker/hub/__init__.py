"""The Hugging Face Hub: file URLs, exact sizes and their cache, the layout of huggingface_hub's local downloads."""
