"""An in-memory mTLS mock of RavenDB Cloud: the portal API and every product's nodes."""
