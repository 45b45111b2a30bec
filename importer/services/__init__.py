"""Services: the use cases every entry point runs, one module per family.

They take ports and plain values; they know nothing of argparse, Slack, aiohttp routes or
settings.
"""
