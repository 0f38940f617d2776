import type { Connection } from '../api/get-connections'

export const channelLabel = { slack: 'Slack', whatsapp: 'WhatsApp' } as const

export function connectionTitle(c: Pick<Connection, 'type' | 'display_name'>): string {
  return `${channelLabel[c.type]} · ${c.display_name}`
}
