"""Async HTTP clients: the Cloud API v1 and a product's nodes over mTLS."""
