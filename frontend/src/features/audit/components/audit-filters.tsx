import { useState, type FormEvent } from 'react'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { Select, type SelectOption } from '@/components/ui/select'
import { auditRanges, isoToLocalInput, knownActions, localInputToIso, type AuditRange, type AuditSearch } from '../audit-search'

export interface ActorOption {
  id: string
  label: string
}

interface AuditFiltersProps {
  search: AuditSearch
  actors: readonly ActorOption[]
  onChange: (search: AuditSearch) => void
}

const ANYONE = '__anyone__'

/** Filters are edited locally and applied together, so typing does not refetch per key. */
export function AuditFilters({ search, actors, onChange }: AuditFiltersProps) {
  const [action, setAction] = useState(search.action ?? '')
  const [actor, setActor] = useState(search.actor ?? ANYONE)
  const [range, setRange] = useState<AuditRange>(search.range ?? 'all')
  const [since, setSince] = useState(isoToLocalInput(search.since))
  const [until, setUntil] = useState(isoToLocalInput(search.until))

  const actorOptions: SelectOption<string>[] = [
    { value: ANYONE, label: 'Anyone' },
    ...actors.map((a) => ({ value: a.id, label: a.label })),
    // An actor from the URL that is not in the list (a deleted token) stays selectable.
    ...(search.actor && !actors.some((a) => a.id === search.actor) ? [{ value: search.actor, label: search.actor }] : []),
  ]

  const apply = (e: FormEvent) => {
    e.preventDefault()
    const next: AuditSearch = {}
    if (action.trim()) next.action = action.trim()
    if (actor !== ANYONE) next.actor = actor
    if (range !== 'all') next.range = range
    if (range === 'custom') {
      const s = localInputToIso(since)
      const u = localInputToIso(until)
      if (s) next.since = s
      if (u) next.until = u
    }
    onChange(next)
  }
  const clear = () => {
    setAction('')
    setActor(ANYONE)
    setRange('all')
    setSince('')
    setUntil('')
    onChange({})
  }

  return (
    <form onSubmit={apply} className="mb-6 rounded-lg border border-zinc-200 bg-white p-4" aria-label="Filter audit events">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Field label="Action" hint="Exact, or a prefix like agent.">
          <Input list="audit-actions" value={action} onChange={(e) => setAction(e.target.value)} placeholder="Any action" spellCheck={false} />
        </Field>
        <datalist id="audit-actions">
          {knownActions.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <Field label="Actor">
          <Select value={actor} onValueChange={setActor} options={actorOptions} />
        </Field>
        <Field label="Time">
          <Select value={range} onValueChange={setRange} options={auditRanges} />
        </Field>
        <div className="flex items-end gap-2 lg:items-start lg:pt-6.5">
          <Button type="submit" className="flex-1 sm:flex-none">
            Apply
          </Button>
          <Button variant="ghost" onClick={clear}>
            Clear
          </Button>
        </div>
      </div>
      {range === 'custom' && (
        <div className="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <Field label="From">
            <Input type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
          </Field>
          <Field label="Until">
            <Input type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
          </Field>
        </div>
      )}
    </form>
  )
}
