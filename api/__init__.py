"""HTTP API and web pages of the matchmaking engine."""
