"""Reading documents from disk and cutting them into chunks."""
