import { createRoute } from '@tanstack/react-router'
import { appRoute } from './layout'

export const agentNewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'agents/new',
}).lazy(() => import('./agent-new.lazy').then((m) => m.Route))
