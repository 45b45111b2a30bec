"""The core of the product: the domain, the ports it needs, and the services that use them."""
