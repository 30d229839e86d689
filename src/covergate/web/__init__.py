"""Server-rendered public web pages: the public report and how to verify it."""
