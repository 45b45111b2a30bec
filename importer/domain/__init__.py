"""The domain: names, the import rules, and the product's entities and values.

Pure: no I/O, no clock, no settings, and nothing else of the project is imported here.
"""
