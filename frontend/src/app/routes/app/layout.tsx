import { createRoute, redirect } from '@tanstack/react-router'
import { z } from '@/lib/zod'
import { pickTenant, storeTenant } from '@/lib/current-tenant'
import { requireSession } from '../guard'
import { rootRoute } from '../root'

/**
 * Every signed-in page with the sidebar. Resolves the current tenant once
 * for all of them and hands it down in the route context.
 */
export const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: '_app',
  validateSearch: z.object({ tenant: z.uuid().optional().catch(undefined) }),
  beforeLoad: async ({ context, location, search }) => {
    const me = await requireSession(context, location)
    const membership = pickTenant(me.memberships, search.tenant)
    if (!membership) throw redirect({ to: '/welcome' })
    storeTenant(membership.tenant_id)
    return { user: me.user, membership, tenantId: membership.tenant_id }
  },
}).lazy(() => import('./layout.lazy').then((m) => m.Route))
