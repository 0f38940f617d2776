import { bounds } from '@/api/contract-rules'
import { zAgentKnowledgeUpdate } from '@/api/zod.gen'
import type { AgentKnowledge, AgentKnowledgeUpdate } from '../api/get-agent-knowledge'

/** The contract's token budget range (100–8000). */
export const budgetBounds = bounds(zAgentKnowledgeUpdate.shape.token_budget.unwrap())

/** A source as the designer lists it (from the Knowledge page's list). */
export interface AssignableSource {
  id: string
  title: string
  kind: string
  status: string
}

export interface KnowledgeDraft {
  sourceIds: ReadonlySet<string>
  tokenBudget: string
  whenUnknown: AgentKnowledge['when_unknown']
}

export function draftOf(k: AgentKnowledge): KnowledgeDraft {
  return { sourceIds: new Set(k.source_ids), tokenBudget: String(k.token_budget), whenUnknown: k.when_unknown }
}

/**
 * The PUT body for a draft, in the order the sources are listed. Assigned
 * sources the designer does not list (beyond the first page of a long list)
 * stay assigned as stored.
 */
export function bodyOf(d: KnowledgeDraft, listed: ReadonlyArray<AssignableSource>, stored: AgentKnowledge): AgentKnowledgeUpdate {
  const known = new Set(listed.map((s) => s.id))
  // Assigned sources beyond the loaded page of the list are kept as stored.
  const unlisted = stored.source_ids.filter((id) => !known.has(id))
  return {
    source_ids: [...listed.filter((s) => d.sourceIds.has(s.id)).map((s) => s.id), ...unlisted],
    token_budget: Number(d.tokenBudget),
    when_unknown: d.whenUnknown,
  }
}

export function sameDraft(a: KnowledgeDraft, b: KnowledgeDraft): boolean {
  return a.tokenBudget === b.tokenBudget && a.whenUnknown === b.whenUnknown && a.sourceIds.size === b.sourceIds.size && [...a.sourceIds].every((id) => b.sourceIds.has(id))
}

/** A budget the server would refuse, said before sending. */
export function budgetError(v: string): string | undefined {
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n)) return 'Enter a number of tokens'
  if (!Number.isInteger(n)) return 'A whole number of tokens'
  const { min, max } = budgetBounds
  if (n < min || n > max) return `Between ${min.toLocaleString('en-US')} and ${max.toLocaleString('en-US')} tokens`
  return undefined
}
