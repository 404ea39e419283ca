"""The web pages in real headless Chromium (Debian's, through Playwright) against a live server."""
