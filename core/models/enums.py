"""The domain's enums, with the wire's spelling as their values."""

from __future__ import annotations

from enum import StrEnum


class SecurityClearance(StrEnum):
    CLUSTER_ADMIN = "ClusterAdmin"
    CLUSTER_NODE = "ClusterNode"
    OPERATOR = "Operator"
    VALID_USER = "ValidUser"
    UNAUTHENTICATED_CLIENTS = "UnauthenticatedClients"

    @property
    def label(self) -> str:
        return {"ClusterAdmin": "Cluster Admin", "ClusterNode": "Cluster Node", "ValidUser": "User"}.get(
            self.value, self.value
        )

    @property
    def rank(self) -> int:
        """Higher is more powerful; ClusterNode ranks as ClusterAdmin, as the server treats it."""
        return {"UnauthenticatedClients": 0, "ValidUser": 1, "Operator": 2, "ClusterAdmin": 3, "ClusterNode": 3}[
            self.value
        ]


class DatabaseAccess(StrEnum):
    ADMIN = "Admin"
    READ_WRITE = "ReadWrite"
    READ = "Read"

    @property
    def rank(self) -> int:
        return {"Read": 1, "ReadWrite": 2, "Admin": 3}[self.value]


class ProductStatus(StrEnum):
    CREATING = "Creating"
    DEPLOYING_CHANGES = "DeployingChanges"
    ACTIVE = "Active"
    TERMINATING = "Terminating"
    TERMINATED = "Terminated"
    ERROR = "Error"
    AWAITING_PAYMENT = "AwaitingPayment"
    UNKNOWN = "Unknown"


class Tier(StrEnum):
    FREE = "Free"
    DEVELOPMENT = "Development"
    PRODUCTION = "Production"
    UNKNOWN = "Unknown"

    @property
    def backup_mandatory(self) -> bool:
        return self in (Tier.FREE, Tier.PRODUCTION)


class BackupKind(StrEnum):
    FULL = "Full"
    INCREMENTAL = "Incremental"


class BackupKeySource(StrEnum):
    ACCOUNT = "Account"  # unencrypted database: the cloud's account-wide key
    DATABASE = "Database"  # encrypted database: the database's own key, not kept by the cloud


