"""The `invoice2go` command line (product.md section 5): parse, call a service, print."""

from invoice2go.cli.main import main

__all__ = ["main"]
