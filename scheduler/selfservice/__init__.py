"""Agent self-service: my shifts and calendar feed, time off, shift swaps, availability
and shift preferences.

``queries`` holds the reads (fast enough for every page view), the other modules the
writes; the request (or CLI command) owns the commit.
"""
