export type AttentionLink =
  | '/settings/general'
  | '/settings/members'
  | '/settings/channels'
  | '/settings/api-keys'
  | '/conversations'

/** Search params a link carries (the conversation filters). */
export interface AttentionSearch {
  status?: 'escalated'
  flagged?: true
}

export interface AttentionItem {
  id: string
  tone: 'action' | 'warning' | 'info'
  title: string
  description: string
  link: { to: AttentionLink; label: string; search?: AttentionSearch } | null
}

export interface AttentionInput {
  budgetLimitUsd: number | null
  pendingInvites: number
  /** Owners and admins get links to fix things; members only see them. */
  canManage: boolean
  /** The tenant's connections; undefined while unknown. */
  connections?: ReadonlyArray<{
    display_name: string
    type: 'slack' | 'whatsapp'
    status: 'active' | 'revoked' | 'disconnected'
    status_reason: string
    last_check: { results: ReadonlyArray<{ status: 'pass' | 'warn' | 'fail' }> } | null
  }>
  /** The tenant's own LLM keys (admins only); undefined while unknown. */
  llmKeys?: ReadonlyArray<{ label: string; status: 'active' | 'failing'; last_error: string }>
  /** Conversations handed over to a person / flagged, counted from the first page ("more" when there are further pages). */
  escalated?: { count: number; more: boolean }
  flagged?: { count: number; more: boolean }
}

const channelName = { slack: 'Slack', whatsapp: 'WhatsApp' } as const

function counted(c: { count: number; more: boolean }, one: string, many: string): string {
  return c.count === 1 && !c.more ? `1 ${one}` : `${c.count}${c.more ? '+' : ''} ${many}`
}

/**
 * What needs a look besides going live, most urgent first. Whether the AI
 * employee answers at all (a channel, an agent, a model, the test) is the
 * server's readiness report, shown above this list, so it is not repeated
 * here.
 */
export function attentionItems(input: AttentionInput): AttentionItem[] {
  const { budgetLimitUsd, pendingInvites, canManage, connections, llmKeys, escalated, flagged } = input
  const items: AttentionItem[] = []
  const link = (to: AttentionLink, label: string) => (canManage ? { to, label } : null)
  if (escalated && escalated.count > 0) {
    items.push({
      id: 'escalated',
      tone: 'action',
      title: `${counted(escalated, 'conversation', 'conversations')} handed over to a person`,
      description: 'The agent stopped answering these; someone on your team should reply or release them.',
      link: { to: '/conversations', label: 'Answer them', search: { status: 'escalated' } },
    })
  }
  if (connections) {
    const live = connections.filter((c) => c.status !== 'disconnected')
    for (const c of live) {
      const failing = c.last_check?.results.some((r) => r.status === 'fail')
      if (c.status !== 'revoked' && !failing) continue
      items.push({
        id: `channel-${c.type}-${c.display_name}`,
        tone: 'warning',
        title: c.status === 'revoked' ? `${channelName[c.type]} ${c.display_name} was revoked` : `${channelName[c.type]} ${c.display_name} is failing its checks`,
        description: c.status_reason || 'Messages there may not be answered. The channel’s health check says how to fix it.',
        link: link('/settings/channels', 'See channels'),
      })
    }
  }
  for (const k of llmKeys?.filter((k) => k.status === 'failing') ?? []) {
    items.push({
      id: `llm-key-${k.label}`,
      tone: 'warning',
      title: `LLM key “${k.label}” is failing`,
      description: `${k.last_error ? `${k.last_error}. ` : ''}Turns use the platform’s key or the next model until it is replaced.`,
      link: link('/settings/api-keys', 'Review keys'),
    })
  }
  if (flagged && flagged.count > 0) {
    items.push({
      id: 'flagged',
      tone: 'warning',
      title: `${counted(flagged, 'conversation', 'conversations')} the agent couldn’t answer`,
      description: 'Flagged conversations are worth a look: a missing fact in the prompt, a failing model or key.',
      link: { to: '/conversations', label: 'Review them', search: { flagged: true } },
    })
  }
  if (budgetLimitUsd === null) {
    items.push({
      id: 'no-budget',
      tone: 'info',
      title: 'No monthly budget set',
      description: 'LLM spend is not capped. Set a limit so a busy month cannot surprise you.',
      link: link('/settings/general', 'Set a budget'),
    })
  }
  if (pendingInvites > 0) {
    items.push({
      id: 'pending-invites',
      tone: 'info',
      title: pendingInvites === 1 ? '1 invitation pending' : `${pendingInvites} invitations pending`,
      description: 'Invited people join when they sign up with the invited email.',
      link: link('/settings/members', 'See members'),
    })
  }
  return items
}
