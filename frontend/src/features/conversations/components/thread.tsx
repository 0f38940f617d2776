import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { Paperclip } from 'lucide-react'
import { Button } from '@/components/ui/button'
import type { components } from '@/api/schema.gen'
import { cn } from '@/lib/cn'
import { formatDateTime } from '@/lib/format'
import { messagesQueryOptions, type Message } from '../api/get-conversation'

type Attachment = components['schemas']['Attachment']

const roleLabel: Record<Message['role'], string> = {
  user: 'Customer',
  assistant: 'Agent',
  human: 'Operator',
  tool: 'Tool',
  system: 'System',
}

const bubble: Record<Message['role'], string> = {
  user: 'mr-auto bg-white border border-zinc-200 text-zinc-900',
  assistant: 'ml-auto bg-brand-50 border border-brand-100 text-zinc-900',
  human: 'ml-auto bg-amber-50 border border-amber-200 text-zinc-900',
  tool: 'mx-auto bg-zinc-100 text-zinc-700 font-mono text-xs',
  system: 'mx-auto bg-zinc-100 text-zinc-700 text-xs',
}

/** "an image (image/png): caption", in words, since the media itself is not kept. */
export function describeAttachment(a: Attachment): string {
  const kind = a.kind === 'image' ? 'An image' : a.kind === 'audio' ? 'A voice or audio message' : a.kind === 'video' ? 'A video' : a.kind === 'document' ? 'A document' : `A ${a.kind}`
  const name = a.name ? ` “${a.name}”` : ''
  const mime = a.mime_type ? ` (${a.mime_type})` : ''
  return `${kind}${name}${mime}${a.caption ? `: ${a.caption}` : ''}`
}

/** The conversation, oldest first, with older pages loaded on demand. */
export function Thread({
  tenantId,
  conversationId,
  authorName = () => undefined,
}: {
  tenantId: string
  conversationId: string
  /** The operator's name for a human message's author id, when known. */
  authorName?: (authorId: string) => string | undefined
}) {
  const query = useSuspenseInfiniteQuery(messagesQueryOptions(tenantId, conversationId))
  const { messages } = query.data
  return (
    <div className="rounded-lg border border-zinc-200 bg-zinc-50 p-3 sm:p-4">
      {query.hasNextPage && (
        <div className="mb-3 flex justify-center">
          <Button variant="secondary" size="sm" pending={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
            Load older messages
          </Button>
        </div>
      )}
      {messages.length === 0 ? (
        <p className="py-6 text-center text-sm text-zinc-600">No messages.</p>
      ) : (
        <ol aria-label="Messages" className="space-y-3">
          {messages.map((m) => (
            <li key={m.id} data-role={m.role} className={cn('max-w-[85%] rounded-lg px-3 py-2 sm:max-w-[75%]', bubble[m.role])}>
              <p className="mb-0.5 text-xs font-medium text-zinc-600">
                {roleLabel[m.role]}
                {m.role === 'human' && authorName(m.author_id) ? ` · ${authorName(m.author_id)}` : ''} ·{' '}
                <time dateTime={m.created_at}>{formatDateTime(m.created_at)}</time>
                {m.delivery_state === 'failed' && <span className="ml-1 text-red-700">· not delivered</span>}
              </p>
              {m.body && <p className="text-sm break-words whitespace-pre-wrap">{m.body}</p>}
              {m.attachments.length > 0 && (
                <ul className="mt-1 space-y-0.5">
                  {m.attachments.map((a, i) => (
                    <li key={i} className="flex items-start gap-1 text-xs text-zinc-600">
                      <Paperclip className="mt-0.5 size-3.5 shrink-0" aria-hidden /> {describeAttachment(a)}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}
