"""The import: name rules, record mapping and the engine that drives a source into a store."""
