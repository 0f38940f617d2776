import { useState, type FormEvent } from 'react'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { Input } from '@/components/ui/input'

/** Two UTC days; applying puts them in the URL. */
export function UsageRange({ from, to, onChange }: { from: string; to: string; onChange: (r: { from: string; to: string }) => void }) {
  const [draft, setDraft] = useState({ from, to })
  const invalid = !draft.from || !draft.to || draft.from > draft.to
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!invalid) onChange(draft)
  }
  return (
    <form onSubmit={submit} className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-end" aria-label="Date range">
      <Field label="From">
        <Input type="date" value={draft.from} max={draft.to} onChange={(e) => setDraft((d) => ({ ...d, from: e.target.value }))} />
      </Field>
      <Field label="To">
        <Input type="date" value={draft.to} min={draft.from} onChange={(e) => setDraft((d) => ({ ...d, to: e.target.value }))} />
      </Field>
      <Button type="submit" variant="secondary" disabled={invalid}>
        Show
      </Button>
    </form>
  )
}
