import { Badge } from '@/components/ui/badge'
import type { Conversation } from '../api/get-conversations'

export const channelName = { slack: 'Slack', whatsapp: 'WhatsApp' } as const

export function participantName(c: Pick<Conversation, 'participant'>): string {
  const p = c.participant
  return p.name || p.phone || p.id
}

export function StatusBadge({ status }: { status: Conversation['status'] }) {
  if (status === 'escalated') return <Badge tone="warning">Handed over</Badge>
  if (status === 'closed') return <Badge>Closed</Badge>
  return <Badge tone="success">Agent answering</Badge>
}
