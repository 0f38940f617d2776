// The tenant the operator last worked in, so the portal reopens there. The
// URL stays tenant-free (`/agents`, `/settings/members`), which keeps the
// paths that Slack and Stripe redirect back to simple; `?tenant=<id>` on any
// page overrides it for links that must point into a specific tenant.
const key = 'konstruct.tenant'

export function readStoredTenant(): string | null {
  try {
    return localStorage.getItem(key)
  } catch {
    return null // storage disabled: fall back to the first membership
  }
}

export function storeTenant(tenantId: string): void {
  try {
    localStorage.setItem(key, tenantId)
  } catch {
    // best effort
  }
}

/** Picks the tenant to show: the requested one if a member, else the stored one, else the first. */
export function pickTenant<T extends { tenant_id: string }>(memberships: readonly T[], requested?: string | null): T | undefined {
  const stored = readStoredTenant()
  return (
    memberships.find((m) => m.tenant_id === requested) ??
    memberships.find((m) => m.tenant_id === stored) ??
    memberships[0]
  )
}
