"""QuickBooks Online: OAuth, the API client and the local QBO simulator."""
