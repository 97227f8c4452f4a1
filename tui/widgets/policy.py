"""Who may do what, decided once for the UI: read-only profiles and the caller's clearance.

The server (and core) refuse anyway; these rules only disable actions early and say why.
"""

from __future__ import annotations

from ravensec.core.models import CertificateDefinition, SecurityClearance

# Actions (binding ids / action names) that change something on a server or in the account.
WRITE_ACTIONS = frozenset(
    {
        "generate",
        "generate_local",
        "upload",
        "edit",
        "clone",
        "delete",
        "purge",
        "add_rule",
        "add_my_ip",
        "edit_rule",
        "remove_rule",
        "save_rules",
    }
)
# Actions that manage certificates (a User certificate may do none of them).
CERT_ACTIONS = frozenset({"generate", "generate_local", "upload", "edit", "clone", "delete", "purge"})
# Actions that act on the selected certificate.
TARGETED_ACTIONS = frozenset({"edit", "clone", "delete"})

def read_only_reason(*, flag: bool, profile: str, config_file: str) -> str:
    """Why changes are disabled, naming where read-only comes from: the ``--read-only`` flag or the profile."""
    if flag:
        return "This session is read-only (--read-only): changes are disabled; start ravensec without it."
    return (
        f"The profile {profile!r} is read-only (read_only = true in {config_file}): changes are disabled; "
        "remove that line to change things."
    )


def grantable(caller: SecurityClearance | None) -> list[SecurityClearance]:
    """Clearances the caller may give a new certificate, most powerful first."""
    if caller is None:
        return []
    if caller.rank >= SecurityClearance.CLUSTER_ADMIN.rank:
        return [SecurityClearance.CLUSTER_ADMIN, SecurityClearance.OPERATOR, SecurityClearance.VALID_USER]
    if caller is SecurityClearance.OPERATOR:
        return [SecurityClearance.OPERATOR, SecurityClearance.VALID_USER]
    return []


def cert_action_refusal(
    action: str,
    caller: CertificateDefinition | None,
    target: CertificateDefinition | None,
) -> str | None:
    """Why ``caller`` may not do ``action`` (on ``target``), or None when it may."""
    if action not in CERT_ACTIONS:
        return None
    if caller is None:
        return "The certificate in use is not known yet (whoami has not answered)."
    clearance = caller.security_clearance
    if clearance.rank < SecurityClearance.OPERATOR.rank:
        return f"Your certificate ({clearance.label}) cannot manage certificates; Operator or Cluster Admin can."
    if action in TARGETED_ACTIONS:
        if target is None:
            return "Select a certificate first."
        if action == "delete" and target.security_clearance is SecurityClearance.CLUSTER_NODE:
            return f"{target.name!r} is the server's own certificate: it cannot be deleted."
        if target.security_clearance.rank > clearance.rank:
            return (
                f"An {clearance.label} certificate cannot touch the {target.security_clearance.label} "
                f"certificate {target.name!r}."
            )
        if action == "delete" and target.thumbprint == caller.thumbprint:
            return f"{target.name!r} is the certificate in use by this session; deleting it would lock you out."
    return None
