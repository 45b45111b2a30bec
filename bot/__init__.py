"""The Slack app: Bolt listeners (thin), Block Kit rendering, installations, notifications."""
