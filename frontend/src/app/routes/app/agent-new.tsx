import { createRoute } from '@tanstack/react-router'
import { z } from '@/lib/zod'
import { appRoute } from './layout'

export const agentNewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'agents/new',
  // `next=onboarding`: the wizard sent the operator here and gets them back at its test step.
  validateSearch: z.object({ next: z.enum(['onboarding']).optional().catch(undefined) }),
}).lazy(() => import('./agent-new.lazy').then((m) => m.Route))
