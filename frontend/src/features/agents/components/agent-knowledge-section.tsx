import { useSuspenseQuery } from '@tanstack/react-query'
import { useState, type ReactNode } from 'react'
import { isApiProblem } from '@/api/problem'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Field, FieldError } from '@/components/ui/field'
import { InlineError } from '@/components/ui/inline-error'
import { Input } from '@/components/ui/input'
import { Section } from '@/components/ui/section'
import { Select } from '@/components/ui/select'
import { toast } from '@/lib/toast'
import { agentKnowledgeQueryOptions } from '../api/get-agent-knowledge'
import { usePutAgentKnowledge } from '../api/put-agent-knowledge'
import { bodyOf, budgetBounds, budgetError, draftOf, sameDraft, type AssignableSource, type KnowledgeDraft } from './agent-knowledge'

const whenUnknown = [
  { value: 'say_unknown', label: 'Say it does not know' },
  { value: 'handover', label: 'Hand over to a person' },
] as const

const statusTone = { ready: 'success', failed: 'danger' } as const

interface Props {
  tenantId: string
  agentId: string
  /** The tenant's sources (the Knowledge page's list), composed in by the route. */
  sources: ReadonlyArray<AssignableSource>
  readOnly: boolean
  /** "Load more" for a long list of sources. */
  more?: ReactNode
}

/**
 * Which knowledge sources the agent answers from and cites, how many tokens
 * of them go into a prompt, and what it does when nothing relevant is found.
 * Saved on its own (PUT …/agents/{id}/knowledge); every question nothing
 * answers is recorded as a gap either way.
 */
export function AgentKnowledgeSection({ tenantId, agentId, sources, readOnly, more }: Props) {
  const stored = useSuspenseQuery(agentKnowledgeQueryOptions(tenantId, agentId)).data
  const [draft, setDraft] = useState<KnowledgeDraft>(() => draftOf(stored))
  const [checked, setChecked] = useState(false)
  const put = usePutAgentKnowledge(tenantId, agentId, {
    onSuccess: (saved) => {
      setDraft(draftOf(saved))
      setChecked(false)
      toast.success('Knowledge saved')
    },
  })
  const fields = isApiProblem(put.error) ? put.error.fieldErrors() : new Map<string, string>()
  const localBudget = checked ? budgetError(draft.tokenBudget) : undefined
  const budgetMessage = localBudget ?? fields.get('body.token_budget')
  const sourcesMessage = [...fields].find(([k]) => k.startsWith('body.source_ids'))?.[1]
  const otherError = put.error && !budgetMessage && !sourcesMessage && !fields.get('body.when_unknown') ? put.error : null
  const dirty = !sameDraft(draft, draftOf(stored))

  const save = () => {
    setChecked(true)
    if (budgetError(draft.tokenBudget)) return
    put.mutate(bodyOf(draft, sources, stored))
  }
  const toggle = (id: string, on: boolean) =>
    setDraft((d) => {
      const next = new Set(d.sourceIds)
      if (on) next.add(id)
      else next.delete(id)
      return { ...d, sourceIds: next }
    })

  return (
    <Section title="Knowledge" description="The documents, pages and snippets this agent answers from and cites. None ticked: it uses no knowledge.">
      <fieldset disabled={readOnly} className="min-w-0 space-y-5">
        <fieldset>
          <legend className="text-sm font-medium text-zinc-800">Sources</legend>
          {sources.length === 0 ? (
            <p className="mt-1 text-sm text-zinc-600">No sources yet: add them on the Knowledge page.</p>
          ) : (
            <ul className="mt-2 max-h-72 space-y-2 overflow-y-auto" aria-label="Knowledge sources">
              {sources.map((s) => (
                <li key={s.id}>
                  <label className="flex items-start gap-2 text-sm text-zinc-800">
                    <input
                      type="checkbox"
                      className="mt-0.5 size-4 shrink-0 rounded border-zinc-300 accent-brand-600"
                      checked={draft.sourceIds.has(s.id)}
                      onChange={(e) => toggle(s.id, e.target.checked)}
                    />
                    <span className="min-w-0 break-words">{s.title}</span>
                    <Badge tone={statusTone[s.status as keyof typeof statusTone] ?? 'neutral'}>{s.status}</Badge>
                  </label>
                </li>
              ))}
            </ul>
          )}
          {more}
          <FieldError message={sourcesMessage} />
        </fieldset>
        <div className="grid gap-5 sm:grid-cols-2">
          <Field label="Knowledge per answer (tokens)" hint={`How much of the best-matching text goes into a prompt, ${budgetBounds.min}–${budgetBounds.max.toLocaleString('en-US')}.`} error={budgetMessage}>
            <Input
              type="number"
              min={budgetBounds.min}
              max={budgetBounds.max}
              inputMode="numeric"
              value={draft.tokenBudget}
              onChange={(e) => setDraft((d) => ({ ...d, tokenBudget: e.target.value }))}
            />
          </Field>
          <Field label="When nothing relevant is found" hint="The question is recorded as a gap either way." error={fields.get('body.when_unknown')}>
            <Select value={draft.whenUnknown} onValueChange={(v) => setDraft((d) => ({ ...d, whenUnknown: v }))} options={whenUnknown} />
          </Field>
        </div>
      </fieldset>
      <InlineError error={otherError} />
      {!readOnly && (
        <div className="flex justify-end">
          <Button variant={dirty ? 'primary' : 'secondary'} pending={put.isPending} disabled={!dirty} onClick={save}>
            Save knowledge
          </Button>
        </div>
      )}
    </Section>
  )
}
