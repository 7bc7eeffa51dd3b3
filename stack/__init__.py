"""Starting and stopping the platform's processes: `make run` and the end-to-end tests share it."""
