"""The mock portal: Cloud API v1 handlers and the /ext/v1 extension endpoints."""
