import { Select } from '@/components/ui/select'
import type { ConversationsSearch } from '../conversations-search'

const ALL = 'all'

/** Filters that live in the URL; each change navigates. */
export function ConversationFilters({ search, onChange }: { search: ConversationsSearch; onChange: (next: ConversationsSearch) => void }) {
  return (
    <div role="group" aria-label="Filters" className="mb-4 grid gap-3 sm:grid-cols-3 sm:items-end">
      <label className="block text-sm font-medium text-zinc-800">
        Status
        <Select
          aria-label="Status"
          className="mt-1.5"
          value={search.status ?? ALL}
          onValueChange={(v) => onChange({ ...search, status: v === ALL ? undefined : v })}
          options={[
            { value: ALL, label: 'Any status' },
            { value: 'escalated', label: 'Handed to a person' },
            { value: 'active', label: 'With the agent' },
            { value: 'closed', label: 'Closed' },
          ]}
        />
      </label>
      <label className="block text-sm font-medium text-zinc-800">
        Channel
        <Select
          aria-label="Channel"
          className="mt-1.5"
          value={search.channel ?? ALL}
          onValueChange={(v) => onChange({ ...search, channel: v === ALL ? undefined : v })}
          options={[
            { value: ALL, label: 'Any channel' },
            { value: 'slack', label: 'Slack' },
            { value: 'whatsapp', label: 'WhatsApp' },
          ]}
        />
      </label>
      <label className="flex h-9 items-center gap-2 text-sm font-medium text-zinc-800">
        <input
          type="checkbox"
          className="size-4 rounded border-zinc-300 accent-brand-600"
          checked={search.flagged === true}
          onChange={(e) => onChange({ ...search, flagged: e.target.checked ? true : undefined })}
        />
        Only flagged (the agent couldn’t answer)
      </label>
    </div>
  )
}
