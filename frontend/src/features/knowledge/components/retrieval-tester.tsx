import { Search } from 'lucide-react'
import { useState, type FormEvent } from 'react'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { InlineError } from '@/components/ui/inline-error'
import { Input } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { isApiProblem } from '@/api/problem'
import { useSearchKnowledge, type KnowledgeHit } from '../api/search'
import { ChunkPlace } from './chunk-place'

const ALL = 'all'

/** Ranks the knowledge for a question exactly as an agent's turn would, and shows why each chunk ranks where it does. */
export function RetrievalTester({ tenantId, agents }: { tenantId: string; agents: ReadonlyArray<{ id: string; name: string }> }) {
  const [query, setQuery] = useState('')
  const [agent, setAgent] = useState<string>(ALL)
  const [empty, setEmpty] = useState(false)
  const search = useSearchKnowledge(tenantId)
  const fieldError = isApiProblem(search.error) ? search.error.fieldErrors().get('body.query') : undefined
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const q = query.trim()
    setEmpty(q === '')
    if (q === '') return
    search.mutate({ query: q, limit: 10, ...(agent === ALL ? {} : { agent_id: agent }) })
  }
  const result = search.data
  return (
    <div className="space-y-6">
      <form noValidate onSubmit={submit} className="space-y-4 rounded-lg border border-zinc-200 bg-white p-4 sm:p-5" aria-label="Retrieval tester">
        <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_14rem]">
          <Field label="Question" hint="As a customer would ask it." error={empty ? 'Type a question' : fieldError}>
            <Input value={query} maxLength={1000} onChange={(e) => setQuery(e.target.value)} autoComplete="off" placeholder="How do I return an item?" />
          </Field>
          <Field label="Search as" hint="An agent searches only its sources.">
            <Select value={agent} onValueChange={setAgent} options={[{ value: ALL, label: 'All sources' }, ...agents.map((a) => ({ value: a.id, label: a.name }))]} />
          </Field>
        </div>
        <div className="flex justify-end">
          <Button type="submit" pending={search.isPending}>
            {!search.isPending && <Search className="size-4" aria-hidden />} Search
          </Button>
        </div>
        {!fieldError && <InlineError error={search.error} />}
      </form>

      {result && (
        <section aria-label="Results" className="space-y-3">
          <p className="text-sm text-zinc-700" aria-live="polite">
            {result.items.length === 0 ? 'No chunk matched.' : `${result.items.length} chunk${result.items.length === 1 ? '' : 's'}, best first.`}{' '}
            {result.relevant ? (
              <Badge tone="success">An agent would answer from these</Badge>
            ) : (
              <Badge tone="warning">An agent would treat this as unknown</Badge>
            )}{' '}
            <span className="text-zinc-600">Vectors by {result.embedder}.</span>
          </p>
          {result.items.length > 0 && (
            <ol aria-label="Ranked chunks" className="space-y-3">
              {result.items.map((h) => (
                <HitCard key={h.chunk.id} hit={h} withBudget={agent !== ALL} />
              ))}
            </ol>
          )}
        </section>
      )}
    </div>
  )
}

const score = (n: number | null, digits: number) => (n === null ? '—' : n.toFixed(digits))
const rank = (n: number | null) => (n === null ? 'not found' : `#${n}`)

function HitCard({ hit: h, withBudget }: { hit: KnowledgeHit; withBudget: boolean }) {
  return (
    <li aria-label={`Rank ${h.fused_rank}: ${h.chunk.title}`} className="rounded-lg border border-zinc-200 bg-white p-4">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="text-sm font-semibold text-zinc-900">#{h.fused_rank}</p>
          <ChunkPlace chunk={h.chunk} />
        </div>
        {withBudget && (h.in_budget ? <Badge tone="success">In the prompt</Badge> : <Badge>Over the token budget</Badge>)}
      </div>
      <p className="mt-2 line-clamp-6 text-sm break-words whitespace-pre-wrap text-zinc-800">{h.chunk.text}</p>
      <dl className="mt-3 grid grid-cols-1 gap-2 text-xs text-zinc-700 sm:grid-cols-3" aria-label="Ranks and scores">
        <Score label="Keyword (BM25)" rank={rank(h.keyword_rank)} score={score(h.keyword_score, 3)} />
        <Score label="Vector (cosine)" rank={rank(h.vector_rank)} score={score(h.vector_score, 3)} />
        <Score label="Fused" rank={rank(h.fused_rank)} score={score(h.fused_score, 4)} />
      </dl>
    </li>
  )
}

function Score({ label, rank, score }: { label: string; rank: string; score: string }) {
  return (
    <div className="rounded-md bg-zinc-50 px-2 py-1.5">
      <dt className="font-medium text-zinc-900">{label}</dt>
      <dd>
        {rank} · score {score}
      </dd>
    </div>
  )
}
