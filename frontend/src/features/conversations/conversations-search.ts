import { optional, z } from '@/lib/zod-mini'

/** The list's filters, kept in the URL; a bad value is dropped, not an error. */
export const conversationsSearchSchema = z.object({
  status: optional(z.enum(['active', 'escalated', 'closed'])),
  channel: optional(z.enum(['slack', 'whatsapp'])),
  flagged: optional(z.boolean()),
})

export type ConversationsSearch = z.infer<typeof conversationsSearchSchema>

/** The filters as the list query's key and parameters (`flagged` only when set). */
export function conversationFilters(s: ConversationsSearch): { status?: string; channel?: string; flagged?: string } {
  return {
    ...(s.status ? { status: s.status } : {}),
    ...(s.channel ? { channel: s.channel } : {}),
    ...(s.flagged ? { flagged: 'true' } : {}),
  }
}
