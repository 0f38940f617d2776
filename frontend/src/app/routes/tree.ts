import { agentEditRoute } from './app/agent-edit'
import { agentNewRoute } from './app/agent-new'
import { agentsRoute } from './app/agents'
import { auditRoute } from './app/audit'
import { billingRoute } from './app/billing'
import { conversationRoute, conversationsRoute } from './app/conversations'
import { dashboardRoute } from './app/dashboard'
import { appRoute } from './app/layout'
import { onboardingRoute } from './app/onboarding'
import {
  settingsAPITokensRoute,
  settingsChannelsRoute,
  settingsGeneralRoute,
  settingsLLMKeysRoute,
  settingsIndexRoute,
  settingsMembersRoute,
  settingsRoute,
  settingsWebhooksRoute,
} from './app/settings'
import { usageRoute } from './app/usage'
import { signInRoute } from './auth/sign-in'
import { signUpRoute } from './auth/sign-up'
import { acceptInvitationRoute } from './invitations'
import { rootRoute } from './root'
import { welcomeRoute } from './welcome'

export const routeTree = rootRoute.addChildren([
  signInRoute,
  signUpRoute,
  welcomeRoute,
  acceptInvitationRoute,
  appRoute.addChildren([
    dashboardRoute,
    onboardingRoute,
    agentsRoute,
    agentNewRoute,
    agentEditRoute,
    conversationsRoute,
    conversationRoute,
    usageRoute,
    billingRoute,
    auditRoute,
    settingsRoute.addChildren([
      settingsIndexRoute,
      settingsGeneralRoute,
      settingsMembersRoute,
      settingsChannelsRoute,
      settingsLLMKeysRoute,
      settingsAPITokensRoute,
      settingsWebhooksRoute,
    ]),
  ]),
])
