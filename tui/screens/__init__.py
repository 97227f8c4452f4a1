"""The TUI's screens: products, certificates, IP rules, backups, expiry."""
