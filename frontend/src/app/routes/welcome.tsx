import { createRoute, redirect } from '@tanstack/react-router'
import { requireSession } from './guard'
import { rootRoute } from './root'

/** For a signed-in operator who belongs to no workspace (left or was removed from all). */
export const welcomeRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'welcome',
  beforeLoad: async ({ context, location }) => {
    const me = await requireSession(context, location)
    if (me.memberships.length > 0) throw redirect({ to: '/' })
    return { user: me.user }
  },
}).lazy(() => import('./welcome.lazy').then((m) => m.Route))
