// One source of validation rules: the portal's forms take each field's rule
// (lengths, ranges, patterns, enums, list sizes) from the Zod schemas
// generated from openapi.yaml (zod.gen.ts), and add by hand only how the
// form words a failure and what the contract cannot say (rules across
// fields, a form's own representation such as a list of rows). The test in
// contract-forms.test.ts fails when a form and the contract disagree.
//
// Two rules the generator does not carry (multipleOf and uniqueItems) are
// applied here from the same contract by `precision` and by the forms'
// duplicate checks, and the agreement test holds them to openapi.yaml too.
import { z } from '@/lib/zod'

type Issue = z.core.$ZodIssue

/** How a form words a failure of a contract rule; anything left out gets plain wording from the rule itself. */
export interface Words {
  /** An empty value where one is required (a minimum length of 1). */
  required?: string
  /** A value shorter, smaller or with fewer items than the rule allows. */
  tooSmall?: string
  /** A value longer, larger or with more items than the rule allows. */
  tooBig?: string
  /** A value that does not match the rule's pattern or format. */
  format?: string
  /** A value of the wrong type (an empty number input is NaN). */
  type?: string
  /** A number with a fraction where the rule wants a whole number. */
  integer?: string
}

const count = (n: number | bigint) => Number(n).toLocaleString('en-US')

/** The wording of an issue raised by a contract rule. */
export function word(issue: Issue, words: Words = {}): string {
  switch (issue.code) {
    case 'too_small': {
      if (issue.origin === 'string') {
        if (Number(issue.minimum) <= 1) return words.required ?? words.tooSmall ?? 'Required'
        return words.tooSmall ?? `At least ${count(issue.minimum)} characters`
      }
      if (issue.origin === 'array') return words.tooSmall ?? `At least ${count(issue.minimum)}`
      return words.tooSmall ?? `At least ${count(issue.minimum)}`
    }
    case 'too_big':
      if (issue.origin === 'string') return words.tooBig ?? `At most ${count(issue.maximum)} characters`
      return words.tooBig ?? `At most ${count(issue.maximum)}`
    case 'invalid_format':
      return words.format ?? (issue.format === 'email' ? 'Enter a valid email address' : 'Has the wrong format')
    case 'invalid_type':
      if (issue.expected === 'int') return words.integer ?? 'Must be a whole number'
      return words.type ?? (issue.expected === 'number' ? 'Enter a number' : 'Required')
    case 'not_multiple_of':
      return words.tooBig ?? `Use at most ${decimals(Number(issue.divisor))} decimal places`
    case 'invalid_value':
      return words.format ?? `Choose one of ${issue.values.join(', ')}`
    default:
      return issue.message
  }
}

const decimals = (step: number) => Math.max(0, -Math.floor(Math.log10(step) + 1e-9))

/** A schema type without its optional / nullable wrappers. */
export type Unwrapped<S> =
  S extends z.ZodOptional<infer I> ? Unwrapped<I> : S extends z.ZodNullable<infer I> ? Unwrapped<I> : S

/** The element schema of an array schema type, or the value schema of a map. */
export type ElementOf<S> =
  Unwrapped<S> extends z.ZodArray<infer E> ? E : Unwrapped<S> extends z.ZodRecord<z.core.$ZodRecordKey, infer V> ? V : never

/** A schema without its `.optional()` / `.nullable()` / `.nullish()` wrappers. */
export function required<S extends z.ZodType>(schema: S): Unwrapped<S> {
  let s: z.ZodType = schema
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType
  return s as Unwrapped<S>
}

/**
 * The contract's rule for a field, worded for a form. `trim` checks (and
 * yields) the value without surrounding spaces, as the server stores names.
 */
export function rule<S extends z.ZodType>(contract: S, words: Words = {}, { trim = false }: { trim?: boolean } = {}) {
  return z.custom<z.input<S>>(() => true).transform((value, ctx): z.output<S> => {
    const input = trim && typeof value === 'string' ? value.trim() : value
    const result = contract.safeParse(input)
    if (result.success) return result.data
    // A form shows one message per field: the first rule broken (for an
    // empty name, "required" rather than the pattern it also breaks).
    const seen = new Set<string>()
    for (const issue of result.error.issues) {
      const at = issue.path.join('.')
      if (seen.has(at)) continue
      seen.add(at)
      ctx.addIssue({ code: 'custom', path: issue.path, message: word(issue, words), input, continue: true })
    }
    return z.NEVER
  })
}

/** The list-size limits of an array rule, for forms that keep a list as rows. */
export function itemLimits(contract: z.ZodType): { min?: number; max?: number } {
  const checks = (required(contract) as z.ZodArray)._zod.def.checks ?? []
  const out: { min?: number; max?: number } = {}
  for (const c of checks) {
    const def = c._zod.def as { check: string; minimum?: number; maximum?: number }
    if (def.check === 'min_length') out.min = def.minimum
    if (def.check === 'max_length') out.max = def.maximum
  }
  return out
}

/** A row-list version of an array rule: the same size limits, each row checked by `row`. */
export function rows<R extends z.ZodType>(contract: z.ZodType, row: R, words: Words = {}) {
  const { min, max } = itemLimits(contract)
  let list = z.array(row)
  if (min !== undefined) list = list.min(min, words.tooSmall ?? `At least ${min}`)
  if (max !== undefined) list = list.max(max, words.tooBig ?? `At most ${max}`)
  return list
}

/** The element rule of an array rule, or the value rule of a map. */
export function element<S extends z.ZodType>(contract: S): ElementOf<S> {
  const s = required(contract) as unknown as z.ZodType
  if (s instanceof z.ZodArray) return s.element as unknown as ElementOf<S>
  if (s instanceof z.ZodRecord) return s._zod.def.valueType as unknown as ElementOf<S>
  throw new Error('element: not an array or map rule')
}

/** The numeric bounds of a number rule. */
export function bounds(contract: z.ZodType): { min: number; max: number } {
  const s = required(contract) as z.ZodNumber
  return { min: s.minValue ?? -Infinity, max: s.maxValue ?? Infinity }
}

/**
 * A money amount typed as text (empty: none) under a number rule and the
 * contract's precision in cents (multipleOf 0.01, which the generator does
 * not carry).
 */
export function amountText(contract: z.ZodType, words: Words & { invalid: string }) {
  const { max } = bounds(contract)
  return z
    .string()
    .trim()
    .refine((v) => v === '' || /^\d+(\.\d{1,2})?$/.test(v), words.invalid)
    .refine((v) => v === '' || Number(v) <= max, words.tooBig ?? `At most $${count(max)}`)
}

/** A number rule with the contract's precision (multipleOf: step), which the generator does not carry. */
export function precision<S extends z.ZodType>(contract: S, step: number, words: Words = {}) {
  return rule(contract, words).refine(
    (v) => typeof v !== 'number' || Math.abs(Math.round(v / step) * step - v) < step * 1e-6,
    words.tooBig ?? `Use at most ${decimals(step)} decimal places`,
  )
}
