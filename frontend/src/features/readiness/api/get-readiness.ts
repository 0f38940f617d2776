import { queryOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'

export type Readiness = components['schemas']['Readiness']
export type ReadinessCheck = components['schemas']['ReadinessCheck']
export type AgentReadiness = components['schemas']['AgentReadiness']
export type ConnectionReadiness = components['schemas']['ConnectionReadiness']
export type Integration = components['schemas']['Integration']

/**
 * The server's one answer to "is the AI employee live?". While a round trip
 * is under way (the test went out, the operator's reply is expected or the
 * agent is answering it) it is polled, so the wizard shows the message
 * arriving and the reply going out without a reload.
 */
export function readinessQueryOptions(tenantId: string) {
  return queryOptions({
    queryKey: queryKeys.readiness(tenantId),
    queryFn: async ({ signal }) =>
      dataOf(await api.GET('/api/portal/tenants/{tenant_id}/readiness', { params: { path: { tenant_id: tenantId } }, signal })),
    staleTime: 5_000,
    refetchInterval: (query) => {
      const r = query.state.data
      if (!r || r.live || !r.connections.some((c) => c.status === 'active' && c.test.status === 'sent')) return false
      return awaitingRoundTrip(r) ? 2_000 : 5_000
    },
  })
}

/** A test went out and its loop has not come back yet (or the agent is still on it). */
export function awaitingRoundTrip(r: Readiness): boolean {
  if (r.live) return false
  return r.connections.some(
    (c) => c.status === 'active' && c.test.status === 'sent' && (c.round_trip.status === 'waiting' || c.round_trip.status === 'received'),
  )
}
