import { agentEditRoute } from './app/agent-edit'
import { agentNewRoute } from './app/agent-new'
import { agentsRoute } from './app/agents'
import { auditRoute } from './app/audit'
import { billingRoute } from './app/billing'
import { dashboardRoute } from './app/dashboard'
import { appRoute } from './app/layout'
import {
  settingsAPITokensRoute,
  settingsGeneralRoute,
  settingsIndexRoute,
  settingsMembersRoute,
  settingsRoute,
} from './app/settings'
import { usageRoute } from './app/usage'
import { signInRoute } from './auth/sign-in'
import { signUpRoute } from './auth/sign-up'
import { rootRoute } from './root'
import { welcomeRoute } from './welcome'

export const routeTree = rootRoute.addChildren([
  signInRoute,
  signUpRoute,
  welcomeRoute,
  appRoute.addChildren([
    dashboardRoute,
    agentsRoute,
    agentNewRoute,
    agentEditRoute,
    usageRoute,
    billingRoute,
    auditRoute,
    settingsRoute.addChildren([settingsIndexRoute, settingsGeneralRoute, settingsMembersRoute, settingsAPITokensRoute]),
  ]),
])
