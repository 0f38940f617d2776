import { createRoute, redirect } from '@tanstack/react-router'
import { connectionsQueryOptions } from '@/features/channels/api/get-connections'
import { llmKeysQueryOptions } from '@/features/llm-keys/api/get-llm-keys'
import { apiTokensQueryOptions } from '@/features/api-tokens/api/get-api-tokens'
import { membersQueryOptions } from '@/features/members/api/get-members'
import { tenantQueryOptions } from '@/features/tenants/api/get-tenant'
import { endpointsQueryOptions } from '@/features/webhooks/api/get-endpoints'
import { appRoute } from './layout'

export const settingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'settings',
}).lazy(() => import('./settings.lazy').then((m) => m.Route))

export const settingsIndexRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/settings/general', replace: true })
  },
})

export const settingsGeneralRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'general',
  loader: ({ context: { queryClient, tenantId } }) => void queryClient.prefetchQuery(tenantQueryOptions(tenantId)),
}).lazy(() => import('./settings-general.lazy').then((m) => m.Route))

export const settingsMembersRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'members',
  loader: ({ context: { queryClient, tenantId } }) => void queryClient.prefetchInfiniteQuery(membersQueryOptions(tenantId)),
}).lazy(() => import('./settings-members.lazy').then((m) => m.Route))

export const settingsAPITokensRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'api-tokens',
  loader: ({ context: { queryClient, tenantId } }) => void queryClient.prefetchInfiniteQuery(apiTokensQueryOptions(tenantId)),
}).lazy(() => import('./settings-api-tokens.lazy').then((m) => m.Route))

export const settingsLLMKeysRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'api-keys',
  loader: ({ context: { queryClient, tenantId } }) => void queryClient.prefetchInfiniteQuery(llmKeysQueryOptions(tenantId)),
}).lazy(() => import('./settings-api-keys.lazy').then((m) => m.Route))

export const settingsChannelsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'channels',
  loader: ({ context: { queryClient, tenantId } }) => void queryClient.prefetchInfiniteQuery(connectionsQueryOptions(tenantId)),
}).lazy(() => import('./settings-channels.lazy').then((m) => m.Route))

export const settingsWebhooksRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'webhooks',
  loader: ({ context: { queryClient, tenantId } }) => void queryClient.prefetchQuery(endpointsQueryOptions(tenantId)),
}).lazy(() => import('./settings-webhooks.lazy').then((m) => m.Route))
