"""What the user actually did: generations read back from outputs, disk use per model, and cleanup plans."""
