import { optional, z } from '@/lib/zod-mini'

export const auditRanges = [
  { value: 'all', label: 'Any time' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'custom', label: 'Custom range' },
] as const
export type AuditRange = (typeof auditRanges)[number]['value']

const rangeSeconds: Record<'24h' | '7d' | '30d', number> = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 }

/**
 * The audit page's URL state. Every field falls back to "unset" when the URL
 * holds something invalid, so a hand-edited link degrades instead of failing.
 */
export const auditSearchSchema = z.object({
  action: optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
  actor: optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
  range: optional(z.enum(['all', '24h', '7d', '30d', 'custom'])),
  since: optional(z.iso.datetime({ offset: true })),
  until: optional(z.iso.datetime({ offset: true })),
})
export type AuditSearch = z.infer<typeof auditSearchSchema>

export interface AuditQuery {
  action?: string
  actor_id?: string
  since?: string
  until?: string
}

/**
 * The API filters for a search. Relative ranges ("last 7 days") are resolved
 * at request time, so a refetch or a reload moves the window with the clock.
 */
export function toAuditQuery(s: AuditSearch, now: Date = new Date()): AuditQuery {
  const q: AuditQuery = {}
  if (s.action) q.action = s.action
  if (s.actor) q.actor_id = s.actor
  if (s.range === 'custom') {
    if (s.since) q.since = s.since
    if (s.until) q.until = s.until
  } else if (s.range && s.range !== 'all') {
    q.since = new Date(now.getTime() - rangeSeconds[s.range] * 1000).toISOString()
  }
  return q
}

/** `datetime-local` input value (local time, minutes) ⇄ ISO instant. */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}

export const knownActions = [
  'agent.',
  'agent.created',
  'agent.updated',
  'agent.deleted',
  'api_token.',
  'api_token.created',
  'api_token.revoked',
  'member.',
  'member.added',
  'member.invited',
  'member.role_changed',
  'member.removed',
  'tenant.created',
  'tenant.updated',
  'user.signed_in',
  'user.signin_failed',
] as const
