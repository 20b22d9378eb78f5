"""Where model definitions come from: live inside Wan2GP, an install folder on disk, the demo, the snapshot."""
