"""Production: the package handed to the agency after close, and its acknowledgement."""
