import { ChevronDown } from 'lucide-react'
import type { Ref } from 'react'
import { cn } from '@/lib/cn'

export interface SelectOption<T extends string> {
  value: T
  label: string
  description?: string
}

interface SelectProps<T extends string> {
  value: T | undefined
  onValueChange: (value: T) => void
  options: ReadonlyArray<SelectOption<T>>
  placeholder?: string
  disabled?: boolean
  className?: string
  id?: string
  name?: string
  ref?: Ref<HTMLSelectElement>
  'aria-label'?: string
  'aria-invalid'?: boolean
  'aria-describedby'?: string
}

/**
 * The browser's own select, styled and typed by its values: every keyboard,
 * screen reader and phone already knows how to use it (a phone shows its
 * native picker), and it costs no JavaScript. A description follows its
 * option's label.
 */
export function Select<T extends string>({ value, onValueChange, options, placeholder, disabled, className, ref, ...attrs }: SelectProps<T>) {
  return (
    <div className={cn('relative', className)}>
      <select
        ref={ref}
        value={value ?? ''}
        disabled={disabled}
        onChange={(e) => onValueChange(e.target.value as T)}
        {...attrs}
        className={cn(
          'h-9 w-full appearance-none truncate rounded-md border border-zinc-300 bg-white py-0 pr-9 pl-3 text-sm text-zinc-900 shadow-xs',
          'focus:border-brand-600 focus:outline-2 focus:outline-brand-600/30 disabled:bg-zinc-50 disabled:text-zinc-600',
          'aria-[invalid=true]:border-red-500',
        )}
      >
        {placeholder !== undefined && (
          <option value="" disabled>
            {placeholder}
          </option>
        )}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.description ? `${o.label} — ${o.description}` : o.label}
          </option>
        ))}
      </select>
      <ChevronDown className="pointer-events-none absolute top-1/2 right-3 size-4 -translate-y-1/2 text-zinc-600" aria-hidden />
    </div>
  )
}
