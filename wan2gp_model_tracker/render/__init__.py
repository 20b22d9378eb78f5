"""Records turned into text: terminal tables, Markdown, JSON and CSV."""
