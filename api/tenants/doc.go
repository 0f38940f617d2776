// Package tenants owns tenants (the workspaces customers pay for) and who
// belongs to them: memberships with a role, and invitations for people who
// have no account yet (they become memberships when that email signs up).
//
// Rules kept here: only owners grant or take away the owner role; a tenant
// always keeps at least one owner; anyone may leave a tenant.
package tenants
