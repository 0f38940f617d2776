import { createFileRoute, redirect } from '@tanstack/react-router'
import { requireSession } from '@/app/guard'
import { AppShell } from '@/app/shell/app-shell'
import { pickTenant, storeTenant } from '@/lib/current-tenant'
import { optional, z } from '@/lib/zod-mini'

/**
 * Every signed-in page with the sidebar. Resolves the current tenant once
 * for all of them and hands it down in the route context.
 */
export const Route = createFileRoute('/_app')({
  validateSearch: z.object({ tenant: optional(z.uuid()) }),
  beforeLoad: async ({ context, location, search }) => {
    const me = await requireSession(context, location)
    const membership = pickTenant(me.memberships, search.tenant)
    if (!membership) throw redirect({ to: '/welcome' })
    storeTenant(membership.tenant_id)
    return { user: me.user, membership, tenantId: membership.tenant_id }
  },
  component: AppShell,
})
