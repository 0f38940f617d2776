export type AttentionLink = '/agents/new' | '/agents' | '/settings/general' | '/settings/members'

export interface AttentionItem {
  id: string
  tone: 'action' | 'warning' | 'info'
  title: string
  description: string
  link: { to: AttentionLink; label: string } | null
}

export interface AttentionInput {
  agents: ReadonlyArray<{ is_active: boolean }>
  budgetLimitUsd: number | null
  pendingInvites: number
  /** Owners and admins get links to fix things; members only see them. */
  canManage: boolean
}

/**
 * What the operator should do next, most urgent first. Built only from what
 * the API reports today; channels, billing and usage add their items here as
 * their endpoints arrive.
 */
export function attentionItems({ agents, budgetLimitUsd, pendingInvites, canManage }: AttentionInput): AttentionItem[] {
  const items: AttentionItem[] = []
  const link = (to: AttentionLink, label: string) => (canManage ? { to, label } : null)
  if (agents.length === 0) {
    items.push({
      id: 'no-agent',
      tone: 'action',
      title: 'No agent yet',
      description: 'Design your AI employee: its persona, what it knows and which model it runs on.',
      link: link('/agents/new', 'Create an agent'),
    })
  } else if (!agents.some((a) => a.is_active)) {
    items.push({
      id: 'no-active-agent',
      tone: 'warning',
      title: 'No active agent',
      description:
        agents.length === 1
          ? 'Your agent answers no one until it is switched on.'
          : `None of your ${agents.length} agents answers anyone until one is switched on.`,
      link: link('/agents', 'Review agents'),
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
