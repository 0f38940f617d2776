import { createRoute } from '@tanstack/react-router'
import { z } from '@/lib/zod'
import { requireSession } from './guard'
import { rootRoute } from './root'

/** An invitation link: sign in first (and come back), then accept. */
export const acceptInvitationRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'invitations/accept',
  validateSearch: z.object({ token: z.string().max(200).catch('') }),
  beforeLoad: async ({ context, location }) => {
    const me = await requireSession(context, location)
    return { user: me.user }
  },
}).lazy(() => import('./invitations.lazy').then((m) => m.Route))
