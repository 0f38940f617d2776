import { z } from '@/lib/zod'

/** The list's filters, kept in the URL; a bad value is dropped, not an error. */
export const conversationsSearchSchema = z.object({
  status: z.enum(['active', 'escalated', 'closed']).optional().catch(undefined),
  channel: z.enum(['slack', 'whatsapp']).optional().catch(undefined),
  flagged: z.boolean().optional().catch(undefined),
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
