"""The mock RavenDB nodes: certificates, databases, documents, cluster and topology handlers."""
