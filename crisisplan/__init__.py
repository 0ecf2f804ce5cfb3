"""crisisplan: crisis communication for customer-support teams."""

__version__ = "0.1.0"
