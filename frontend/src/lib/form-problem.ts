import type { FieldPath, FieldValues, UseFormSetError } from 'react-hook-form'
import { isApiProblem } from '@/api/problem'

/**
 * The form path of a request-body location: `body.fallback_models[1]` →
 * `fallback_models.1`, `body.escalation_target.id` → `escalation_target.id`.
 * Locations outside the body (query, path, header) have none.
 */
export function bodyFieldPath(location: string): string | null {
  if (!location.startsWith('body.')) return null
  return location.slice('body.'.length).replace(/\[(\d+)\]/g, '.$1')
}

export type FieldResolver<T extends FieldValues> = (path: string) => FieldPath<T> | undefined

/** A resolver for forms whose field names are the API's property names. */
export function sameNames<T extends FieldValues>(names: ReadonlyArray<FieldPath<T>>): FieldResolver<T> {
  const known = new Set<string>(names)
  return (path) => (known.has(path) ? (path as FieldPath<T>) : undefined)
}

export interface AppliedProblem {
  /** Field errors now shown next to their inputs. */
  matched: number
  /** Messages that have no field on this form. */
  unmatched: string[]
}

/**
 * Puts a 400/422 problem's field errors onto the form (focusing the first)
 * and returns what could not be placed. Anything that is not such a problem
 * returns null: the caller shows it another way (a toast).
 */
export function applyProblemToForm<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  resolve: FieldResolver<T>,
): AppliedProblem | null {
  if (!isApiProblem(error) || (error.status !== 422 && error.status !== 400) || error.errors.length === 0) return null
  const result: AppliedProblem = { matched: 0, unmatched: [] }
  const seen = new Set<string>()
  for (const e of error.errors) {
    const path = bodyFieldPath(e.location)
    const field = path === null ? undefined : resolve(path)
    if (!field) {
      result.unmatched.push(e.message)
      continue
    }
    if (seen.has(field)) continue
    seen.add(field)
    setError(field, { type: 'server', message: e.message }, { shouldFocus: result.matched === 0 })
    result.matched++
  }
  return result
}
