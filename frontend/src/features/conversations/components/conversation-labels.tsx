import { Badge } from '@/components/ui/badge'
import type { Conversation } from '../api/get-conversations'

export const channelName = { slack: 'Slack', whatsapp: 'WhatsApp' } as const

/** The person's name, else their number, else the channel's id for them. */
export function participantName(c: Pick<Conversation, 'participant'>): string {
  const p = c.participant
  return p.name || p.phone || p.id
}

type Status = { label: string; tone: 'success' | 'warning' | 'danger' | 'neutral' | 'accent' }

/**
 * What is happening in a conversation, from its state and its newest
 * message: a conversation whose last reply failed never reads "answering".
 */
export function conversationStatus(c: Pick<Conversation, 'status' | 'last_message' | 'flagged_at'>): Status {
  if (c.status === 'escalated') return { label: 'Handed to a person', tone: 'warning' }
  if (c.status === 'closed') return { label: 'Closed', tone: 'neutral' }
  const last = c.last_message
  if (last?.role === 'assistant' && last.delivery_state === 'failed') return { label: 'Agent couldn’t answer', tone: 'danger' }
  if (last?.role === 'assistant' && last.delivery_state === 'delivered') return { label: 'Answered', tone: 'success' }
  if (last?.role === 'assistant') return { label: 'Agent answering', tone: 'accent' }
  if (last?.role === 'human') return { label: 'Answered by your team', tone: 'success' }
  if (last?.role === 'user') return c.flagged_at ? { label: 'Agent couldn’t answer', tone: 'danger' } : { label: 'Waiting for the agent', tone: 'accent' }
  return c.flagged_at ? { label: 'Agent couldn’t answer', tone: 'danger' } : { label: 'Open', tone: 'neutral' }
}

export function StatusBadge({ conversation }: { conversation: Pick<Conversation, 'status' | 'last_message' | 'flagged_at'> }) {
  const s = conversationStatus(conversation)
  return <Badge tone={s.tone}>{s.label}</Badge>
}
