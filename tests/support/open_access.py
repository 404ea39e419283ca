"""Access settings for tests that exercise other things than API keys and rate limits."""

from matcher.settings import AccessSettings

OPEN = AccessSettings(require_keys=False, rate_per_minute=100_000, burst=10_000)
